import {describe, expect, it} from 'vitest'

import {describePeers} from '../../src/liqo/peers.js'
import {assemblePeering, toForeignClusterV1, toVirtualNodeV1} from '../../src/liqo/v1-objects.js'
import {cordonTaint, rebalanceTaint} from '../../src/model/cordon.js'
import {cordonCell, staleCordonWarnings} from '../../src/render/cordon.js'
import {peerListDocument, renderPeerList} from '../../src/render/peer.js'
import {aForeignCluster, aVirtualNode} from './fixtures.js'

/** The API server's clock when peer list reads: 2027-01-15T08:00:00Z. */
const NOW_MS = Date.parse('2027-01-15T08:00:00Z')
const nowS = NOW_MS / 1000
const home = {context: 'cluster-1', args: [], leftOut: []}
const cluster2 = aForeignCluster({name: 'cluster-2', clusterId: 'id-2', clusterName: 'cluster-2'})
const cluster3 = aForeignCluster({name: 'cluster-3', clusterId: 'id-3', clusterName: 'cluster-3'})

/** cluster-2 holds a cordon whose lease ran out 150 s ago (an interrupted run's), cluster-3 one still renewed. */
function peers() {
  const nodes = [
    aVirtualNode('liqo-cluster-2', 'id-2', {taints: [rebalanceTaint('3f9a01c2', nowS - 150)]}),
    aVirtualNode('liqo-cluster-3', 'id-3', {taints: [rebalanceTaint('77aa00bb', nowS + 12), cordonTaint('cordon')]}),
  ]
  return describePeers([cluster2, cluster3], nodes, new Map(), NOW_MS)
}

describe('peer list: a rebalance cordon whose lease has run out', () => {
  it('is stale when its lease ended before the API server\'s "now", still active otherwise', () => {
    const [c2, c3] = peers()
    expect(c2!.rebalanceCordons).toEqual([{run: '3f9a01c2', leaseUntilS: nowS - 150, stale: true}])
    expect(c3!.rebalanceCordons).toEqual([{run: '77aa00bb', leaseUntilS: nowS + 12, stale: false}])
    expect(
      describePeers([cluster2], [aVirtualNode('liqo-cluster-2', 'id-2')], new Map(), NOW_MS)[0],
    ).not.toHaveProperty('rebalanceCordons')
  })

  it('reads the lease on the VirtualNode too (Liqo v1)', () => {
    const fc = toForeignClusterV1({metadata: {name: 'cluster-3', labels: {}}, spec: {clusterID: 'id-3'}})
    const vn = toVirtualNodeV1({
      metadata: {name: 'cluster-3', namespace: 'liqo-tenant-cluster-3', resourceVersion: '3'},
      spec: {clusterID: 'id-3', taints: [rebalanceTaint('3f9a01c2', nowS - 1)]},
    })
    const [p] = describePeers([assemblePeering(fc, [vn], [])], [], new Map(), NOW_MS)
    expect(p!.cordonedBy).toEqual(['rebalance'])
    expect(p!.rebalanceCordons).toEqual([{run: '3f9a01c2', leaseUntilS: nowS - 1, stale: true}])
  })

  it('says "by-rebalance(stale)" in the CORDON column, "by-rebalance" for a run under way', () => {
    const list = {context: 'cluster-1', peers: peers()}
    const rows = renderPeerList(list, {wide: false, now: NOW_MS})
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/))
    expect(rows.map((r) => r[4])).toEqual(['CORDON', 'by-rebalance(stale)', 'cordoned,by-rebalance'])
    const both = {
      ...list.peers[0]!,
      rebalanceCordons: [...list.peers[0]!.rebalanceCordons!, {run: 'x', leaseUntilS: nowS + 5, stale: false}],
    }
    expect(cordonCell(both)).toBe('by-rebalance,by-rebalance(stale)')
  })

  it('tells on stderr what the stale cordon is and the command that clears it, spelled out', () => {
    const reach = {context: 'cluster-1', args: ['--kubeconfig', '/tmp/k c'], leftOut: []}
    expect(staleCordonWarnings(peers(), reach, NOW_MS)).toEqual([
      'Warning: the rebalance cordon on cluster-2 is stale: its run (3f9a01c2) was interrupted before it could ' +
        'lift it and its lease expired 2m ago, but it still keeps new pods off cluster-2; ' +
        "to clear it: liqo-topology rebalance -A --context cluster-1 --kubeconfig '/tmp/k c' (lifts it first, " +
        'then finishes the spread after asking; answer N to only lift it)',
    ])
  })

  it('has a field in -o json: run, lease, Stale or Active, and for a stale one the command that clears it', () => {
    const doc = peerListDocument({context: 'cluster-1', peers: peers()}, home) as {
      items: Array<{rebalanceCordons: unknown}>
    }
    expect(doc.items.map((i) => i.rebalanceCordons)).toEqual([
      [
        {
          run: '3f9a01c2',
          leaseUntil: '2027-01-15T07:57:30.000Z',
          state: 'Stale',
          clearWith: 'liqo-topology rebalance -A --context cluster-1',
        },
      ],
      [{run: '77aa00bb', leaseUntil: '2027-01-15T08:00:12.000Z', state: 'Active'}],
    ])
  })
})
