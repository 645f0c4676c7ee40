import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'

import {place} from '../../src/model/placement.js'
import {isMachine, renderJson, renderMachine, renderYaml} from '../../src/render/machine.js'
import {
  placementDocument,
  placementHeaders,
  renderPlacementSummary,
  renderPlacementTable,
  summarizeCluster,
} from '../../src/render/placement.js'
import type {PodsWhereResult} from '../../src/liqo/placement.js'
import {NOW, aForeignCluster, aNode, aPod, aVirtualNode, ago} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const nodes = [
  aNode({name: 'worker-1'}),
  aVirtualNode('liqo-milan', 'id-milan'),
  aVirtualNode('liqo-orphan', 'id-orphan'),
]
const pods = [
  aPod({name: 'web-1', nodeName: 'worker-1', podIP: '10.0.0.4', createdAt: ago(45)}),
  aPod({name: 'web-2', nodeName: 'liqo-milan', podIP: '10.200.0.7', restarts: 2, createdAt: ago(3 * 3600)}),
  aPod({
    name: 'web-3',
    nodeName: 'liqo-milan',
    ready: false,
    readyContainers: 0,
    status: 'ContainerCreating',
    createdAt: ago(12 * 60),
  }),
  aPod({
    name: 'web-4',
    phase: 'Pending',
    status: 'Pending',
    ready: false,
    readyContainers: 0,
    unschedulableMessage: "0/3 nodes are available: 3 node(s) didn't match",
    createdAt: ago(5 * 86_400),
  }),
  aPod({name: 'web-5', nodeName: 'liqo-orphan', createdAt: ago(30)}),
  aPod({name: 'web-6', nodeName: 'gone', createdAt: ago(30)}),
]

function result(r: Partial<PodsWhereResult> = {}): PodsWhereResult {
  return {
    ...place(pods, nodes, [milan]),
    namespace: 'liqo-test',
    allNamespaces: false,
    context: 'home',
    liqo: 'v0',
    warnings: [],
    ...r,
  }
}

describe('placement table', () => {
  it('has the narrow columns, with ages from the fixed now', () => {
    const out = renderPlacementTable(result(), {wide: false, allNamespaces: false, now: NOW})
    const lines = out.trimEnd().split('\n')
    expect(lines[0]!.split(/ {3,}/)).toEqual(['NAME', 'CLUSTER', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
    expect(lines.slice(1).map((l) => l.split(/\s{3,}/))).toEqual([
      ['web-1', 'local', '1/1', 'Running', '0', '45s'],
      ['web-5', 'id-orphan', '1/1', 'Running', '0', '30s'],
      ['web-2', 'milan', '1/1', 'Running', '2', '3h'],
      ['web-3', 'milan', '0/1', 'ContainerCreating', '0', '12m'],
      ['web-4', '<none>', '0/1', 'Pending', '0', '5d'],
      ['web-6', '<unknown>', '1/1', 'Running', '0', '30s'],
    ])
    for (const l of lines) expect(l).not.toMatch(/\s$/)
    expect(out).not.toMatch(/\u001B\[/)
  })

  it('wide adds node, ip and cluster-id, with <none> for missing values', () => {
    const out = renderPlacementTable(result(), {wide: true, allNamespaces: true, now: NOW})
    const rows = out
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/))
    expect(rows[0]).toEqual([
      'NAMESPACE',
      'NAME',
      'CLUSTER',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'NODE',
      'IP',
      'CLUSTER-ID',
    ])
    expect(rows[1]).toEqual([
      'liqo-test',
      'web-1',
      'local',
      '1/1',
      'Running',
      '0',
      '45s',
      'worker-1',
      '10.0.0.4',
      '<none>',
    ])
    expect(rows[3]).toEqual([
      'liqo-test',
      'web-2',
      'milan',
      '1/1',
      'Running',
      '2',
      '3h',
      'liqo-milan',
      '10.200.0.7',
      'id-milan',
    ])
    expect(rows.find((r) => r[1] === 'web-4')).toEqual([
      'liqo-test',
      'web-4',
      '<none>',
      '0/1',
      'Pending',
      '0',
      '5d',
      '<none>',
      '<none>',
      '<none>',
    ])
  })

  it('placementHeaders follows the options', () => {
    expect(placementHeaders({wide: false, allNamespaces: false})).toHaveLength(6)
    expect(placementHeaders({wide: true, allNamespaces: true})[0]).toBe('namespace')
  })

  it('--no-headers drops the header line', () => {
    const out = renderPlacementTable(result(), {wide: false, allNamespaces: false, now: NOW, noHeaders: true})
    expect(out.split('\n')[0]).toMatch(/^web-1\s/)
    expect(
      renderPlacementTable(result({items: [], clusters: []}), {
        wide: false,
        allNamespaces: false,
        now: NOW,
        noHeaders: true,
      }),
    ).toBe('')
  })
})

describe('renderPlacementSummary', () => {
  it('prints one line per cluster plus why pending pods are pending', () => {
    expect(renderPlacementSummary(result())).toBe(
      [
        'local: 1 pod, 1 ready',
        'id-orphan: 1 pod, 1 ready',
        'milan: 2 pods, 1 ready',
        'not scheduled: 1 pod, 0 ready',
        'on vanished nodes: 1 pod, 1 ready',
        "web-4 is Pending: 0/3 nodes are available: 3 node(s) didn't match",
        '',
      ].join('\n'),
    )
  })

  it('says there is nothing, kubectl style', () => {
    expect(renderPlacementSummary(result({items: [], clusters: []}))).toBe(
      'No resources found in liqo-test namespace.\n',
    )
    expect(renderPlacementSummary(result({items: [], clusters: [], allNamespaces: true}))).toBe('No resources found\n')
  })

  it('shows at most three pending explanations', () => {
    const many = Array.from({length: 5}, (_, i) =>
      aPod({name: `p${i}`, phase: 'Pending', ready: false, unschedulableMessage: 'no nodes'}),
    )
    const r = {...place(many, nodes, [milan]), namespace: 'ns', allNamespaces: false}
    expect(
      renderPlacementSummary(r)
        .split('\n')
        .filter((l) => l.includes('is Pending')).length,
    ).toBe(3)
  })

  it('summarizeCluster pluralizes', () => {
    expect(summarizeCluster({cluster: {kind: 'remote', name: 'milan'}, pods: 1, ready: 0})).toBe(
      'milan: 1 pod, 0 ready',
    )
    expect(summarizeCluster({cluster: {kind: 'local', name: 'local'}, pods: 0, ready: 0})).toBe(
      'local: 0 pods, 0 ready',
    )
  })
})

describe('placementDocument', () => {
  const doc = placementDocument(result()) as {
    total: number
    namespace: string | null
    clusters: Array<{
      name: string
      kind: string
      clusterID: string | null
      foreignCluster: string | null
      pods: number
      ready: number
    }>
    items: Array<Record<string, unknown>>
  }

  it('has counts that add up to the total', () => {
    expect(doc.total).toBe(6)
    expect(doc.items).toHaveLength(6)
    expect(doc.clusters.reduce((n, c) => n + c.pods, 0)).toBe(doc.total)
    expect(doc.clusters.find((c) => c.name === 'milan')).toEqual({
      name: 'milan',
      kind: 'remote',
      clusterID: 'id-milan',
      foreignCluster: 'fc-milan',
      pods: 2,
      ready: 1,
    })
  })

  it('uses null, not absent fields, for missing values', () => {
    const pending = doc.items.find((i) => i.name === 'web-4')!
    expect(pending).toMatchObject({
      node: null,
      ip: null,
      cluster: {name: '<none>', kind: 'unscheduled', clusterID: null},
      owner: 'ReplicaSet/web-abc',
    })
    expect(placementDocument(result({allNamespaces: true})).namespace).toBeNull()
    expect(doc.namespace).toBe('liqo-test')
  })

  it('round-trips through JSON and YAML', () => {
    const json = renderMachine('json', doc)
    expect(json.endsWith('}\n')).toBe(true)
    expect(json).toContain('\n  "apiVersion": "liqo-topology/v1alpha1"')
    expect(JSON.parse(json)).toEqual(doc)
    const y = renderMachine('yaml', doc)
    expect(yaml.load(y)).toEqual(doc)
    expect(y.startsWith('apiVersion: liqo-topology/v1alpha1\nkind: PodPlacement\n')).toBe(true)
  })
})

describe('machine output', () => {
  it('isMachine recognises json and yaml only', () => {
    expect(isMachine('json')).toBe(true)
    expect(isMachine('yaml')).toBe(true)
    expect(isMachine('wide')).toBe(false)
    expect(isMachine('')).toBe(false)
  })

  it('renderJson uses two-space indentation and a final newline', () => {
    expect(renderJson({a: [1]})).toBe('{\n  "a": [\n    1\n  ]\n}\n')
  })

  it('renderYaml keeps key order, does not fold long lines and writes no anchors', () => {
    const shared = {x: 1}
    const long = 'word '.repeat(40).trim()
    const out = renderYaml({z: 1, a: long, p: shared, q: shared})
    expect(out.split('\n')[0]).toBe('z: 1')
    expect(out).toContain(`a: ${long}\n`)
    expect(out).not.toMatch(/[&*]ref/)
    expect(yaml.load(out)).toEqual({z: 1, a: long, p: {x: 1}, q: {x: 1}})
  })
})
