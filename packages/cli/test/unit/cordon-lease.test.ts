import {describe, expect, it} from 'vitest'

import {rebalanceCordon} from '../../src/liqo/steer.js'
import {liqoV0} from '../../src/liqo/v0.js'
import {liqoV1} from '../../src/liqo/v1.js'
import {assemblePeering, toForeignClusterV1, toVirtualNodeV1} from '../../src/liqo/v1-objects.js'
import {
  cordonHolders,
  cordonPending,
  cordonTaint,
  leaseExpired,
  mergeLeases,
  rebalanceLeases,
  rebalanceTaint,
  withCordon,
} from '../../src/model/cordon.js'
import {aForeignCluster, aVirtualNode} from './fixtures.js'

const runA = rebalanceTaint('aaaa1111', 1_800_000_020)
const runB = rebalanceTaint('bbbb2222', 1_800_000_040)

describe("a rebalance run's cordon", () => {
  it('is a key of its own with its lease as the value, and counts as the holder "rebalance"', () => {
    expect(runA).toEqual({key: 'liqo-topology/rebalance-aaaa1111', value: '1800000020', effect: 'NoSchedule'})
    expect(cordonHolders([runA, cordonTaint('cordon')])).toEqual(['cordon', 'rebalance'])
    expect(cordonHolders([{key: 'liqo-topology/rebalance-x', effect: 'NoExecute'}])).toEqual([])
  })

  it("a run renews its own value and lifts its own taint only, another run's stays", () => {
    const both = withCordon([runA], runB, true)!
    expect(both).toEqual([runA, runB])
    const renewed = withCordon(both, rebalanceTaint('aaaa1111', 1_800_000_025), true)
    expect(renewed).toEqual([rebalanceTaint('aaaa1111', 1_800_000_025), runB])
    expect(withCordon(renewed!, rebalanceTaint('aaaa1111', 1_800_000_025), true)).toBeUndefined()
    expect(withCordon(both, {key: runA.key, effect: 'NoSchedule'}, false)).toEqual([runB])
  })

  it('is in force by its own key: another run holding the cluster does not count', () => {
    const a = aVirtualNode('c3-a', 'id-3', {taints: [runB]})
    expect(cordonPending([a], 'id-3', {key: runA.key, effect: 'NoSchedule'}, true)).toEqual(['c3-a'])
    expect(cordonPending([a], 'id-3', {key: runA.key, effect: 'NoSchedule'}, false)).toEqual([])
    expect(cordonPending([a], 'id-3', 'rebalance', true)).toEqual([])
  })

  it('reads the leases: one per run, the latest end of its objects; a taint without a lease has run out', () => {
    const legacy = {...cordonTaint('rebalance')}
    const leases = rebalanceLeases([runA, runB, legacy, cordonTaint('cordon')])
    expect(leases.map((l) => [l.run, l.untilS])).toEqual([
      ['aaaa1111', 1_800_000_020],
      ['bbbb2222', 1_800_000_040],
      ['', 0],
    ])
    const older = rebalanceLeases([rebalanceTaint('aaaa1111', 1_800_000_015)])
    expect(mergeLeases([...older, ...leases]).map((l) => l.untilS)).toEqual([0, 1_800_000_020, 1_800_000_040])
    expect(leaseExpired(leases[0]!, 1_800_000_020)).toBe(false)
    expect(leaseExpired(leases[0]!, 1_800_000_021)).toBe(true)
    expect(leaseExpired(leases[2]!, 1)).toBe(true)
  })

  it("tells another run's cordon from its own, dead from live, on the Nodes (v0)", () => {
    const fc = aForeignCluster({name: 'cluster-2', clusterId: 'id-2'})
    const nodes = [aVirtualNode('liqo-cluster-2', 'id-2', {taints: [runA, runB]})]
    const mine = rebalanceCordon(liqoV0, 'bbbb2222')
    expect(mine.key).toBe(runB.key)
    const at = (s: number) => mine.others([fc], nodes, s * 1000)
    expect(at(1_800_000_010).live.map((h) => h.lease.run)).toEqual(['aaaa1111'])
    expect(at(1_800_000_030).dead.map((h) => `${h.fc.name} ${h.lease.run}`)).toEqual(['cluster-2 aaaa1111'])
    expect(at(1_800_000_030).live).toEqual([])
  })

  it('reads the leases on the VirtualNodes (v1)', () => {
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
    const peering = assemblePeering(
      fc,
      [vn('cluster-3', [runA]), vn('cluster-3-b', [rebalanceTaint('aaaa1111', 9)])],
      [],
    )
    expect(liqoV1.cordons.holders(peering, [])).toEqual(['rebalance'])
    expect(liqoV1.cordons.leases(peering, [])).toEqual([{key: runA.key, run: 'aaaa1111', untilS: 1_800_000_020}])
  })
})
