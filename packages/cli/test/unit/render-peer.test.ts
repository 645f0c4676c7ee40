import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'

import {liqoV0} from '../../src/liqo/v0.js'
import {evaluateConvergence} from '../../src/model/convergence.js'
import {previewDisable} from '../../src/model/impact.js'
import {renderJson} from '../../src/render/machine.js'
import {
  peerListDocument,
  peerResultDocument,
  planDocument,
  renderPeerList,
  renderPeerResult,
  renderPlan,
  shortId,
} from '../../src/render/peer.js'
import type {PeerChangeResult, PeerListResult, PeerPlan} from '../../src/services/peer.js'
import {
  NOW,
  aBarePod,
  aForeignCluster,
  aNode,
  aPod,
  aScheduling,
  aVirtualNode,
  ago,
  VIRTUAL_TOLERATION,
} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const turin = aForeignCluster({name: 'fc-turin', clusterId: 'id-turin', clusterName: 'turin'})
const nodes = [
  aNode({name: 'worker-1'}),
  aVirtualNode('liqo-milan', 'id-milan'),
  aVirtualNode('liqo-turin', 'id-turin'),
]
const pinned = aScheduling({
  tolerations: [VIRTUAL_TOLERATION],
  requiredTerms: [{matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['id-milan']}]}],
})

function disablePlan(): PeerPlan {
  const pods = [
    aPod({name: 'web-1', nodeName: 'liqo-milan'}),
    aPod({name: 'pinned-1', nodeName: 'liqo-milan', scheduling: pinned}),
    aBarePod({name: 'bare', nodeName: 'liqo-milan'}),
  ]
  const impact = previewDisable(milan, {pods, nodes, fcs: [milan, turin]})
  return {
    action: 'disable',
    context: 'home',
    fc: milan,
    matchedBy: ['cluster-name'],
    cluster: impact.cluster,
    alreadyDone: false,
    generation: liqoV0.generation,
    wording: liqoV0.switchWording(milan, 'No', {
      cluster: impact.cluster.name,
      virtualNodes: impact.virtualNodes,
      namespaces: ['liqo-test'],
    }),
    impact,
    namespaces: ['liqo-test'],
    existingPods: pods.map((p) => `${p.namespace}/${p.name}`),
  }
}

describe('renderPeerList', () => {
  const list: PeerListResult = {
    context: 'home',
    peers: [
      {
        name: 'fc-milan',
        clusterId: 'id-milan',
        clusterName: 'milan',
        outgoingEnabled: 'Auto',
        outgoingPhase: 'Established',
        incomingPhase: 'None',
        virtualNode: {name: 'liqo-milan', ready: true, schedulable: true},
        virtualNodes: [{name: 'liqo-milan', present: true, ready: true, schedulable: true}],
        pods: 3,
        cordonedBy: [],
        createdAt: ago(7200),
      },
      {
        name: 'fc-turin',
        clusterId: 'id-turin',
        clusterName: '',
        outgoingEnabled: 'No',
        outgoingPhase: 'Disconnecting',
        outgoingReason: 'PeeringDisabled',
        incomingPhase: 'None',
        virtualNode: {name: 'liqo-turin', ready: true, schedulable: false},
        virtualNodes: [{name: 'liqo-turin', present: true, ready: true, schedulable: false}],
        pods: 0,
        cordonedBy: [],
        createdAt: ago(60),
      },
      {
        name: 'fc-rome',
        clusterId: '',
        clusterName: 'rome',
        outgoingEnabled: 'No',
        outgoingPhase: 'None',
        incomingPhase: 'None',
        virtualNodes: [],
        pods: 0,
        cordonedBy: [],
        createdAt: ago(60),
      },
    ],
  }

  it('shows one row per ForeignCluster, within 100 columns: switch and phase folded, node readiness', () => {
    const out = renderPeerList(list, {wide: false, now: NOW})
    const rows = out
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/))
    expect(rows).toEqual([
      ['NAME', 'CLUSTER-ID', 'OUTGOING', 'VIRTUAL-NODE', 'PODS'],
      ['fc-milan', 'id-milan', 'Auto/Established', 'Ready', '3'],
      ['fc-turin', 'id-turin', 'No/Disconnecting', 'Cordoned', '0'],
      ['fc-rome', '<none>', 'No/None', '-', '0'],
    ])
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100)
  })

  it('adds a CORDON column once a cluster is cordoned, naming the holders that are not peer cordon', () => {
    const cordoned: PeerListResult = {
      context: 'home',
      peers: [
        {...list.peers[0]!, cordonedBy: ['cordon']},
        {...list.peers[1]!, cordonedBy: ['disable']},
        list.peers[2]!,
      ],
    }
    const rows = renderPeerList(cordoned, {wide: false, now: NOW})
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/))
    expect(rows.map((r) => r[4])).toEqual(['CORDON', 'cordoned', 'by-disable', '-'])
    expect(renderPeerList(cordoned, {wide: true, now: NOW}).split('\n')[0]).toMatch(/NODE-READY +CORDON +PODS/)
  })

  it('shortens a UUID cluster ID to 8 characters by default; wide keeps it whole', () => {
    const id = '9bfd9211-9f1d-4484-b368-3977329eb987'
    expect(shortId(id)).toBe('9bfd9211')
    expect(shortId('cluster-2')).toBe('cluster-2')
    const one: PeerListResult = {context: 'home', peers: [{...list.peers[0]!, clusterId: id}]}
    expect(renderPeerList(one, {wide: false, now: NOW})).toContain(' 9bfd9211 ')
    expect(renderPeerList(one, {wide: true, now: NOW})).toContain(id)
  })

  it('wide has every field: cluster name, both phases, virtual nodes and readiness', () => {
    const rows = renderPeerList(list, {wide: true, now: NOW})
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/).slice(0, 9))
    expect(rows).toEqual([
      [
        'NAME',
        'CLUSTER-ID',
        'CLUSTER-NAME',
        'OUTGOING',
        'OUTGOING-PHASE',
        'INCOMING-PHASE',
        'VIRTUAL-NODE',
        'NODE-READY',
        'PODS',
      ],
      ['fc-milan', 'id-milan', 'milan', 'Auto', 'Established', 'None', 'liqo-milan', 'True', '3'],
      ['fc-turin', 'id-turin', '<none>', 'No', 'Disconnecting', 'None', 'liqo-turin', 'True,Cordoned', '0'],
      ['fc-rome', '<none>', 'rome', 'No', 'None', 'None', '<none>', '-', '0'],
    ])
  })

  it('wide adds reason and age', () => {
    const lines = renderPeerList(list, {wide: true, now: NOW}).split('\n')
    expect(lines[0]!.split(/\s{3,}/).slice(-3)).toEqual(['PODS', 'REASON', 'AGE'])
    expect(lines[1]).toMatch(/ 2h$/)
    expect(lines[2]!.split(/\s{3,}/).slice(-3)).toEqual(['0', 'PeeringDisabled', '60s'])
    // the AGE column lines up although milan has no reason
    expect(lines[1]!.lastIndexOf('2h')).toBe(lines[0]!.indexOf('AGE'))
  })

  it('has a stable document with nulls', () => {
    const doc = peerListDocument(list) as {kind: string; items: Array<Record<string, unknown>>}
    expect(doc.kind).toBe('PeerList')
    expect(doc.items[2]).toMatchObject({name: 'fc-rome', virtualNode: null, outgoingReason: null})
    expect(JSON.parse(renderJson(doc))).toEqual(doc)
  })
})

describe('renderPlan', () => {
  it('for disable, lists evictions, remaining clusters and the pending / no-controller warnings', () => {
    const text = renderPlan(disablePlan())
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toBe(
      'Disable outgoing peering to milan (ForeignCluster fc-milan, cluster ID id-milan) on context "home":',
    )
    expect(lines[1]).toBe('  patch spec.outgoingPeeringEnabled: "Auto" → "No"')
    expect(text).toContain(
      '  Liqo cordons and drains virtual node liqo-milan, deletes it, and tears down the remote namespaces on milan.\n',
    )
    expect(text).toContain('  3 pod(s) will be evicted:\n')
    expect(text).toContain('    liqo-test/web-1 (ReplicaSet/web-abc): replacement can go to local, turin\n')
    expect(text).toContain(
      '    liqo-test/pinned-1 (ReplicaSet/web-abc): replacement would stay Pending: local (worker-1): ' +
        'required node affinity does not match; turin (liqo-turin): required node affinity does not match\n',
    )
    expect(text).toContain('    liqo-test/bare: not replaced (no controller)\n')
    expect(text).toContain('  Clusters that remain: local, turin\n')
    expect(text).toContain(
      '  Warning: 1 of 3 evicted pod(s) would stay Pending: no eligible cluster remains for them\n',
    )
    expect(text).toContain(
      '  Warning: 1 pod(s) have no controller and will be deleted without replacement: liqo-test/bare\n',
    )
    expect(text).not.toMatch(/\u001B\[/)
  })

  it('for disable of a cluster without virtual node, says nothing runs there', () => {
    const impact = previewDisable(milan, {pods: [], nodes: [aNode({name: 'worker-1'})], fcs: [milan]})
    const text = renderPlan({...disablePlan(), impact, cluster: impact.cluster})
    expect(text).toContain('  milan has no virtual node now; nothing runs there.\n')
    expect(text).toContain('  No pod runs there: nothing will be evicted.\n')
    expect(text).toContain('  Clusters that remain: local\n')
    expect(text).not.toContain('Warning')
  })

  it('for enable, mentions the namespaces and that pods are not moved back', () => {
    const off = aForeignCluster({...milan, outgoingEnabled: 'No', outgoingPhase: 'None'})
    const plan: PeerPlan = {
      action: 'enable',
      context: 'home',
      fc: off,
      matchedBy: ['name'],
      cluster: {kind: 'remote', name: 'milan', id: 'id-milan'},
      alreadyDone: false,
      generation: liqoV0.generation,
      wording: liqoV0.switchWording(off, 'Yes', {cluster: 'milan', virtualNodes: [], namespaces: ['a', 'b']}),
      namespaces: ['a', 'b'],
      existingPods: [],
    }
    expect(renderPlan(plan)).toBe(
      [
        'Enable outgoing peering to milan (ForeignCluster fc-milan, cluster ID id-milan) on context "home":',
        '  patch spec.outgoingPeeringEnabled: "No" → "Yes"',
        '  Liqo re-creates the virtual node and the remote namespaces of: a, b.',
        '  Running pods are not moved back; only new or rescheduled pods can land on milan.',
        '',
      ].join('\n'),
    )
    const none = {
      ...plan,
      namespaces: [],
      wording: liqoV0.switchWording(off, 'Yes', {cluster: 'milan', virtualNodes: [], namespaces: []}),
    }
    expect(renderPlan(none)).toContain('  Liqo re-creates the virtual node.\n')
  })

  it('planDocument carries the evictions and warnings, and parses back from YAML', () => {
    const doc = planDocument(disablePlan()) as {
      outgoingPeeringEnabled: unknown
      evictions: Array<Record<string, unknown>>
      warnings: string[]
      remainingClusters: string[]
    }
    expect(doc.outgoingPeeringEnabled).toEqual({from: 'Auto', to: 'No'})
    expect(doc.evictions.map((e) => [e.pod, e.outcome])).toEqual([
      ['web-1', 'rescheduled'],
      ['pinned-1', 'pending'],
      ['bare', 'not-replaced'],
    ])
    expect(doc.evictions[2]!.owner).toBeNull()
    expect(doc.remainingClusters).toEqual(['local', 'turin'])
    expect(doc.warnings).toHaveLength(2)
    expect(yaml.load(yaml.dump(doc))).toEqual(doc)
  })
})

describe('renderPeerResult', () => {
  const plan = disablePlan()
  const final = evaluateConvergence({
    namespace: 'liqo-test',
    namespaceExists: true,
    pods: [aPod({name: 'web-9', nodeName: 'liqo-turin'}), aPod({name: 'web-8', nodeName: 'worker-1'})],
    nodes,
    fcs: [milan, turin],
    workloads: [],
  })
  const r: PeerChangeResult = {
    plan,
    patched: true,
    waited: true,
    converged: true,
    elapsedMs: 42_000,
    timeline: [
      {at: 0, kind: 'patched', text: 'patched outgoingPeeringEnabled to No'},
      {at: 1234, kind: 'evicted', text: 'web-1 evicted'},
      {at: 41_999, kind: 'converged', text: 'converged'},
    ],
    moved: [
      {
        namespace: 'liqo-test',
        pod: 'web-1',
        from: 'milan',
        evictedAt: 1234,
        replacement: {pod: 'web-9', cluster: 'turin', scheduledAt: 2000, readyAt: 5500},
      },
      {namespace: 'liqo-test', pod: 'pinned-1', from: 'milan', evictedAt: 1300},
    ],
    final,
  }

  it('prints the moved pods, the timeline and the convergence time', () => {
    const text = renderPeerResult(r)
    const lines = text.split('\n')
    expect(lines[0]).toBe('Outgoing peering to milan disabled on context "home".')
    expect(lines[2]!.split(/\s{3,}/)).toEqual(['POD', 'LEFT', 'REPLACEMENT', 'ON', 'SCHEDULED', 'READY'])
    expect(lines[3]!.split(/\s{3,}/)).toEqual(['liqo-test/web-1', 'milan +1.2s', 'web-9', 'turin', '+2.0s', '+5.5s'])
    expect(lines[4]!.split(/\s{3,}/)).toEqual(['liqo-test/pinned-1', 'milan +1.3s', '<none>', '-', '-', '-'])
    expect(text).toContain(
      'Timeline:\n    +0.0s  patched outgoingPeeringEnabled to No\n    +1.2s  web-1 evicted\n   +42.0s  converged\n',
    )
    expect(text.endsWith('Converged in 42s: 2/2 pods ready (local 1, turin 1).\n')).toBe(true)
    for (const l of lines) expect(l).not.toMatch(/[ \t]$/)
  })

  it('says so when the peering was already disabled, and when not waiting (with the command to follow it)', () => {
    expect(renderPeerResult({...r, patched: false})).toMatch(
      /^Outgoing peering to milan was already disabled on context "home"\./,
    )
    const noWait = renderPeerResult({...r, waited: false, plan: {...r.plan, namespaces: ['liqo-test']}})
    expect(noWait).toBe(
      'Outgoing peering to milan disabled on context "home".\nNot waiting (--no-wait); follow the ' +
        'rescheduling with:\n  liqo-topology wait -n liqo-test --away-from milan --context home\n',
    )
  })

  it('the command to follow carries the connection flags the command was given, never the token', () => {
    const noWait = renderPeerResult(
      {...r, waited: false, plan: {...r.plan, namespaces: ['liqo-test']}},
      {context: 'home', args: ['--server', 'https://h', '--as', 'jane'], leftOut: ['--token']},
    )
    expect(noWait).toContain(
      '  liqo-topology wait -n liqo-test --away-from milan --context home --server https://h --as jane (add ' +
        'the --token you gave: it is not printed)\n',
    )
  })

  it('already disabled and nothing moved: no timeline, just what is left', () => {
    const out = renderPeerResult({...r, patched: false, moved: []})
    expect(out).not.toMatch(/Timeline|Converged/)
    expect(out).toMatch(/^Nothing left to move: \d+\/\d+ pods ready \(/m)
  })

  it('peerResultDocument uses nulls for missing times and replacements', () => {
    const doc = peerResultDocument(r) as {moved: Array<Record<string, unknown>>; placement: unknown}
    expect(doc.moved[1]).toEqual({
      namespace: 'liqo-test',
      pod: 'pinned-1',
      from: 'milan',
      evictedAtMs: 1300,
      replacement: null,
    })
    expect(doc.moved[0]!.replacement).toEqual({
      pod: 'web-9',
      cluster: 'turin',
      scheduledAtMs: 2000,
      readyAtMs: 5500,
      readySince: null,
    })
    expect(doc.placement).toEqual([
      {cluster: 'local', pods: 1, ready: 1},
      {cluster: 'turin', pods: 1, ready: 1},
    ])
    expect(JSON.parse(renderJson(doc))).toEqual(doc)
  })
})
