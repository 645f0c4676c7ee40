import {describe, expect, it} from 'vitest'

import {previewDisable, type PodDisruptionBudget} from '../../src/model/impact.js'
import type {NodeSelectorTerm} from '../../src/model/types.js'
import {aBarePod, aForeignCluster, aNode, aPod, aScheduling, aVirtualNode, VIRTUAL_TOLERATION} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const turin = aForeignCluster({name: 'fc-turin', clusterId: 'id-turin', clusterName: 'turin'})
const naples = aForeignCluster({
  name: 'fc-naples',
  clusterId: 'id-naples',
  clusterName: 'naples',
  outgoingEnabled: 'No',
  outgoingPhase: 'Established',
})
const rome = aForeignCluster({name: 'fc-rome', clusterId: 'id-rome', clusterName: 'rome', outgoingPhase: 'Pending'})
const fcs = [milan, turin, naples, rome]

const worker = aNode({name: 'worker-1'})
const nodes = [
  worker,
  aVirtualNode('liqo-milan', 'id-milan'),
  aVirtualNode('liqo-turin', 'id-turin'),
  aVirtualNode('liqo-naples', 'id-naples'),
  aVirtualNode('liqo-rome', 'id-rome'),
  aVirtualNode('liqo-orphan', 'id-orphan'),
]

const onlyCluster = (id: string): NodeSelectorTerm[] => [
  {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: [id]}]},
]
const remoteOnly: NodeSelectorTerm[] = [
  {matchExpressions: [{key: 'liqo.io/type', operator: 'In', values: ['virtual-node']}]},
]

describe('previewDisable', () => {
  it('gives evicted pods destinations among the remaining clusters only', () => {
    const pods = [
      aPod({name: 'web-1', nodeName: 'liqo-milan', labels: {app: 'web'}}),
      aPod({
        name: 'remote-only',
        nodeName: 'liqo-milan',
        scheduling: aScheduling({tolerations: [VIRTUAL_TOLERATION], requiredTerms: remoteOnly}),
      }),
      aPod({name: 'stays', nodeName: 'liqo-turin'}),
      aPod({name: 'local', nodeName: 'worker-1'}),
    ]
    const impact = previewDisable(milan, {pods, nodes, fcs})
    expect(impact.cluster).toEqual({kind: 'remote', name: 'milan', id: 'id-milan', foreignCluster: 'fc-milan'})
    expect(impact.virtualNode).toBe('liqo-milan')
    expect(impact.pods.map((p) => p.name)).toEqual(['web-1', 'remote-only'])
    const web = impact.pods[0]!
    expect(web).toMatchObject({
      namespace: 'liqo-test',
      owner: 'ReplicaSet/web-abc',
      outcome: 'rescheduled',
      reasons: [],
    })
    expect(web.destinations.map((d) => d.name)).toEqual(['local', 'turin'])
    // naples (outgoing No), rome (not Established) and the cluster without a ForeignCluster are not destinations
    expect(impact.pods[1]!.destinations.map((d) => d.name)).toEqual(['turin'])
    expect(impact.remaining.map((c) => c.name)).toEqual(['local', 'turin'])
    expect(impact.warnings).toEqual([])
  })

  it('a pod whose affinity only allows the leaving cluster stays pending, with reasons and a warning', () => {
    const pods = [
      aPod({
        name: 'pinned',
        nodeName: 'liqo-milan',
        scheduling: aScheduling({tolerations: [VIRTUAL_TOLERATION], requiredTerms: onlyCluster('id-milan')}),
      }),
      aPod({name: 'free', nodeName: 'liqo-milan'}),
    ]
    const impact = previewDisable(milan, {pods, nodes, fcs})
    const pinned = impact.pods.find((p) => p.name === 'pinned')!
    expect(pinned.outcome).toBe('pending')
    expect(pinned.destinations).toEqual([])
    expect(pinned.reasons).toEqual([
      'local (worker-1): required node affinity does not match',
      'turin (liqo-turin): required node affinity does not match',
    ])
    expect(impact.warnings).toEqual(['1 of 2 evicted pod(s) would stay Pending: no eligible cluster remains for them'])
  })

  it('a pod without the virtual-node toleration can only go to local nodes', () => {
    const impact = previewDisable(milan, {
      pods: [aPod({name: 'p', nodeName: 'liqo-milan', scheduling: aScheduling()})],
      nodes,
      fcs,
    })
    expect(impact.pods[0]!.destinations.map((d) => d.name)).toEqual(['local'])
  })

  it('says so when no other node is available at all', () => {
    const impact = previewDisable(milan, {
      pods: [aPod({name: 'p', nodeName: 'liqo-milan'})],
      nodes: [aVirtualNode('liqo-milan', 'id-milan')],
      fcs: [milan],
    })
    expect(impact.pods[0]).toMatchObject({outcome: 'pending', reasons: ['no other node is available']})
    expect(impact.remaining).toEqual([])
  })

  it('bare pods are not replaced, with a warning naming them', () => {
    const impact = previewDisable(milan, {pods: [aBarePod({name: 'lonely', nodeName: 'liqo-milan'})], nodes, fcs})
    expect(impact.pods[0]).toMatchObject({name: 'lonely', outcome: 'not-replaced', destinations: []})
    expect(impact.pods[0]!.owner).toBeUndefined()
    expect(impact.warnings).toEqual([
      '1 pod(s) have no controller and will be deleted without replacement: liqo-test/lonely',
    ])
  })

  it('ignores finished pods and pods elsewhere', () => {
    const pods = [
      aPod({name: 'done', nodeName: 'liqo-milan', phase: 'Succeeded'}),
      aPod({name: 'failed', nodeName: 'liqo-milan', phase: 'Failed'}),
      aPod({name: 'unscheduled', phase: 'Pending'}),
      aPod({name: 'elsewhere', nodeName: 'liqo-turin'}),
    ]
    expect(previewDisable(milan, {pods, nodes, fcs}).pods).toEqual([])
  })

  it('a cluster without a virtual node has no evictions and no virtualNode', () => {
    const impact = previewDisable(milan, {pods: [aPod({name: 'a', nodeName: 'worker-1'})], nodes: [worker], fcs})
    expect(impact.virtualNode).toBeUndefined()
    expect(impact.cluster).toEqual({kind: 'remote', name: 'milan', id: 'id-milan', foreignCluster: 'fc-milan'})
    expect(impact.pods).toEqual([])
    expect(impact.remaining.map((c) => c.name)).toEqual(['local'])
  })

  it('the leaving cluster is never a destination, even if some other cluster is not Established', () => {
    const impact = previewDisable(rome, {pods: [aPod({name: 'p', nodeName: 'liqo-rome'})], nodes, fcs})
    expect(impact.remaining.map((c) => c.name)).toEqual(['local', 'milan', 'turin'])
    expect(impact.pods[0]!.destinations.map((d) => d.name)).toEqual(['local', 'milan', 'turin'])
  })

  describe('PodDisruptionBudgets', () => {
    const pdb = (p: Partial<PodDisruptionBudget>): PodDisruptionBudget => ({
      namespace: 'liqo-test',
      name: 'web-pdb',
      matchLabels: {app: 'web'},
      matchExpressions: [],
      disruptionsAllowed: 0,
      ...p,
    })
    const pods = [
      aPod({name: 'web-1', nodeName: 'liqo-milan', labels: {app: 'web', tier: 'fe'}}),
      aPod({name: 'web-2', nodeName: 'liqo-milan', labels: {app: 'web', tier: 'be'}}),
      aPod({name: 'web-3', nodeName: 'liqo-turin', labels: {app: 'web'}}),
      aPod({name: 'db-1', nodeName: 'liqo-milan', labels: {app: 'db'}}),
    ]

    it('warns when fewer disruptions are allowed than matching pods get evicted', () => {
      const impact = previewDisable(milan, {pods, nodes, fcs, pdbs: [pdb({disruptionsAllowed: 1})]})
      expect(impact.warnings).toEqual([
        'PodDisruptionBudget liqo-test/web-pdb allows 1 disruption(s) now; evicting 2 of its pods will wait ' +
          'for replacements (or block if none can become Ready)',
      ])
    })

    it('does not warn when the budget covers the evictions', () => {
      expect(previewDisable(milan, {pods, nodes, fcs, pdbs: [pdb({disruptionsAllowed: 2})]}).warnings).toEqual([])
    })

    it('only counts pods of its namespace selected by labels and expressions', () => {
      expect(previewDisable(milan, {pods, nodes, fcs, pdbs: [pdb({namespace: 'other'})]}).warnings).toEqual([])
      const withExpr = pdb({disruptionsAllowed: 0, matchExpressions: [{key: 'tier', operator: 'In', values: ['fe']}]})
      expect(previewDisable(milan, {pods, nodes, fcs, pdbs: [withExpr]}).warnings[0]).toContain(
        'evicting 1 of its pods',
      )
    })
  })
})
