import {describe, expect, it} from 'vitest'

import {liqoV0} from '../../src/liqo/v0.js'
import {liqoV1} from '../../src/liqo/v1.js'
import {assemblePeering, toForeignClusterV1, toVirtualNodeV1} from '../../src/liqo/v1-objects.js'
import {cordonHolders, cordonInForce, cordonPending, cordonTaint, withCordon} from '../../src/model/cordon.js'
import {podFitsNode} from '../../src/model/scheduling.js'
import {renderCordonPlan} from '../../src/render/cordon.js'
import type {CordonPlan} from '../../src/services/cordon.js'
import {aForeignCluster, aVirtualNode} from './fixtures.js'

const liqoTaint = {key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute'}

describe('cordon taints', () => {
  it('one NoSchedule taint per holder, under our own prefix', () => {
    expect(cordonTaint('cordon')).toEqual({key: 'liqo-topology/cordon', value: 'true', effect: 'NoSchedule'})
    expect(cordonTaint('disable').key).toBe('liqo-topology/disable')
  })

  it('reads the holders, and ignores the same key with another effect', () => {
    expect(cordonHolders([liqoTaint, cordonTaint('rebalance'), cordonTaint('cordon')])).toEqual(['cordon', 'rebalance'])
    expect(cordonHolders([{key: 'liqo-topology/cordon', effect: 'NoExecute'}])).toEqual([])
  })

  it("puts up and lifts one holder's taint, keeping every other (raw fields included)", () => {
    const raw = [{...liqoTaint, timeAdded: '2026-12-07T00:00:00Z'}]
    const up = withCordon(raw, 'disable', true)
    expect(up).toEqual([raw[0], cordonTaint('disable')])
    expect(withCordon(up!, 'disable', true)).toBeUndefined()
    expect(withCordon([...up!, cordonTaint('cordon')], 'disable', false)).toEqual([raw[0], cordonTaint('cordon')])
    expect(withCordon(raw, 'cordon', false)).toBeUndefined()
  })

  it('is in force when every present virtual node of the cluster has it; a node being deleted does not count', () => {
    const tainted = aVirtualNode('c3-a', 'id-3', {taints: [liqoTaint, cordonTaint('cordon')]})
    const bare = aVirtualNode('c3-b', 'id-3')
    const going = aVirtualNode('c3-c', 'id-3', {deletionTimestamp: '2026-12-07T00:00:00Z'})
    const other = aVirtualNode('c2', 'id-2')
    expect(cordonInForce([tainted, going, other], 'id-3', 'cordon', true)).toBe(true)
    expect(cordonInForce([tainted, bare], 'id-3', 'cordon', true)).toBe(false)
    expect(cordonPending([tainted, bare], 'id-3', 'cordon', true)).toEqual(['c3-b'])
    expect(cordonPending([tainted, bare], 'id-3', 'cordon', false)).toEqual(['c3-a'])
    expect(cordonInForce([other], 'id-3', 'cordon', true)).toBe(true)
  })

  it('keeps a pod off a cordoned node unless it tolerates the taint', () => {
    const node = aVirtualNode('c3', 'id-3', {taints: [liqoTaint, cordonTaint('cordon')]})
    const tolerations = [{key: liqoTaint.key, operator: 'Exists'}]
    expect(podFitsNode({tolerations, nodeSelector: {}, requiredTerms: []}, node)).toEqual({
      fits: false,
      reason: 'untolerated taint liqo-topology/cordon=true:NoSchedule',
    })
    expect(
      podFitsNode(
        {
          tolerations: [...tolerations, {key: 'liqo-topology/cordon', operator: 'Exists'}],
          nodeSelector: {},
          requiredTerms: [],
        },
        node,
      ).fits,
    ).toBe(true)
  })
})

describe('cordons per Liqo generation', () => {
  it('v1: reads the holders from the VirtualNodes, writes the VirtualNodes', () => {
    const fc = toForeignClusterV1({
      metadata: {name: 'cluster-3', labels: {}},
      spec: {clusterID: 'cluster-3'},
      status: {role: 'Provider'},
    })
    const vn = (name: string, taints: unknown[]) =>
      toVirtualNodeV1({
        metadata: {name, namespace: 'liqo-tenant-cluster-3', resourceVersion: '3'},
        spec: {clusterID: 'cluster-3', taints},
      })
    const peering = assemblePeering(fc, [vn('cluster-3', [cordonTaint('cordon')]), vn('cluster-3-b', [])], [])
    expect(peering.virtualNodes?.map((v) => v.cordons ?? [])).toEqual([['cordon'], []])
    expect(liqoV1.cordons.holders(peering, [])).toEqual(['cordon'])
    expect(liqoV1.cordons.targets(peering, [])).toEqual([
      'VirtualNode liqo-tenant-cluster-3/cluster-3',
      'VirtualNode liqo-tenant-cluster-3/cluster-3-b',
    ])
    expect(liqoV1.cordons.access(peering, []).map((a) => `${a.verb} ${a.resource} ${a.name}`)).toContain(
      'patch virtualnodes cluster-3-b',
    )
  })

  it('v0: reads and writes the Nodes of the cluster', () => {
    const fc = aForeignCluster({name: 'cluster-3', clusterId: 'id-3'})
    const nodes = [
      aVirtualNode('liqo-cluster-3', 'id-3', {taints: [liqoTaint, cordonTaint('disable')]}),
      aVirtualNode('liqo-cluster-2', 'id-2'),
    ]
    expect(liqoV0.cordons.holders(fc, nodes)).toEqual(['disable'])
    expect(liqoV0.cordons.targets(fc, nodes)).toEqual(['node/liqo-cluster-3'])
    expect(liqoV0.cordons.targets(fc, [])).toEqual([])
  })
})

describe('peer cordon plan, for people', () => {
  const plan = (o: Partial<CordonPlan> = {}): CordonPlan => ({
    action: 'cordon',
    context: 'cluster-1',
    generation: 'Liqo v1.x',
    fc: aForeignCluster({name: 'cluster-3', clusterId: 'cluster-3'}),
    matchedBy: ['name'],
    cluster: 'cluster-3',
    alreadyDone: false,
    targets: ['VirtualNode liqo-tenant-cluster-3/cluster-3', 'VirtualNode liqo-tenant-cluster-3/it-second'],
    taint: 'liqo-topology/cordon=true:NoSchedule',
    runningPods: 2,
    others: [],
    lasting: 'it lasts',
    nodes: [],
    ...o,
  })

  it('names the cluster, the context, each write, what stays and how to undo it', () => {
    const text = renderCordonPlan(plan())
    expect(text.split('\n').slice(0, 4)).toEqual([
      'Cordon cluster-3 (ForeignCluster cluster-3, cluster ID cluster-3) on context "cluster-1":',
      '  patch VirtualNode liqo-tenant-cluster-3/cluster-3 spec.taints: add liqo-topology/cordon=true:NoSchedule',
      '  patch VirtualNode liqo-tenant-cluster-3/it-second spec.taints: add liqo-topology/cordon=true:NoSchedule',
      '  No new pod is scheduled on cluster-3; the 2 pod(s) running there stay (nothing is evicted).',
    ])
    expect(text).toContain('Undo with: liqo-topology peer uncordon cluster-3 --context cluster-1')
  })

  it("warns about another holder's cordon, which uncordon leaves", () => {
    const text = renderCordonPlan(plan({action: 'uncordon', others: ['disable']}))
    expect(text).toContain('remove liqo-topology/cordon=true:NoSchedule')
    expect(text).toContain(
      'Warning: cluster-3 is also cordoned by a peer disable under way, which this command leaves alone.',
    )
  })
})
