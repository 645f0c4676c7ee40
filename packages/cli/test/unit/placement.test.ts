import {describe, expect, it} from 'vitest'

import {
  clusterOfNode,
  compareClusters,
  nodeShapeChanged,
  orderPods,
  place,
  SORT_BY_CHOICES,
  sortKey,
  type PlacedPod,
} from '../../src/model/placement.js'
import {cordonTaint, rebalanceTaint} from '../../src/model/cordon.js'
import {aForeignCluster, aNode, aPod, aVirtualNode} from './fixtures.js'

const fcMilan = aForeignCluster({name: 'fc-1', clusterId: 'id-milan', clusterName: 'milan'})
const fcTurin = aForeignCluster({name: 'fc-2', clusterId: 'id-turin', clusterName: 'turin'})
const fcNoName = aForeignCluster({name: 'fc-anon', clusterId: 'id-anon', clusterName: ''})

// The virtual node's name lies on purpose: placement must follow the label, never the name.
const vnMilan = aVirtualNode('liqo-turin', 'id-milan')
const vnTurin = aVirtualNode('liqo-milan', 'id-turin')
const vnAnon = aVirtualNode('liqo-anon', 'id-anon')
const vnOrphan = aVirtualNode('liqo-orphan', 'id-no-fc')
const worker = aNode({name: 'worker-1'})
const nodes = [worker, vnMilan, vnTurin, vnAnon, vnOrphan]
const fcs = [fcTurin, fcMilan, fcNoName]

describe('place', () => {
  it('maps remote pods through the liqo.io/remote-cluster-id label, not the node name', () => {
    const p = place([aPod({name: 'a', nodeName: 'liqo-turin'}), aPod({name: 'b', nodeName: 'liqo-milan'})], nodes, fcs)
    const a = p.items.find((i) => i.name === 'a')!
    const b = p.items.find((i) => i.name === 'b')!
    expect(a.cluster).toEqual({kind: 'remote', name: 'milan', id: 'id-milan', foreignCluster: 'fc-1'})
    expect(b.cluster).toEqual({kind: 'remote', name: 'turin', id: 'id-turin', foreignCluster: 'fc-2'})
    expect(a.node).toBe('liqo-turin')
  })

  it('names a remote cluster after its ForeignCluster when it has no cluster name', () => {
    const p = place([aPod({name: 'a', nodeName: 'liqo-anon'})], nodes, fcs)
    expect(p.items[0]?.cluster.name).toBe('fc-anon')
  })

  it('puts pods on ordinary nodes on the local cluster', () => {
    const p = place([aPod({name: 'a', nodeName: 'worker-1', podIP: '10.0.0.5'})], nodes, fcs)
    expect(p.items[0]).toMatchObject({cluster: {kind: 'local', name: 'local'}, node: 'worker-1', ip: '10.0.0.5'})
  })

  it('treats a virtual node without a remote cluster ID as local', () => {
    const odd = aNode({name: 'vk', virtual: true})
    expect(place([aPod({name: 'a', nodeName: 'vk'})], [odd], fcs).items[0]?.cluster.kind).toBe('local')
  })

  it('shows unscheduled pods as <none>, with the scheduler message', () => {
    const p = place(
      [
        aPod({
          name: 'a',
          phase: 'Pending',
          status: 'Pending',
          ready: false,
          unschedulableMessage: '0/3 nodes are available',
        }),
      ],
      nodes,
      fcs,
    )
    expect(p.items[0]).toMatchObject({
      cluster: {kind: 'unscheduled', name: '<none>'},
      message: '0/3 nodes are available',
    })
    expect(p.items[0]?.node).toBeUndefined()
  })

  it('shows pods on vanished nodes as <unknown>', () => {
    const p = place([aPod({name: 'a', nodeName: 'liqo-gone'})], nodes, fcs)
    expect(p.items[0]?.cluster).toEqual({kind: 'unknown', name: '<unknown>'})
  })

  it('shows a remote cluster without ForeignCluster by its ID', () => {
    const p = place([aPod({name: 'a', nodeName: 'liqo-orphan'})], nodes, fcs)
    expect(p.items[0]?.cluster).toEqual({kind: 'remote', name: 'id-no-fc', id: 'id-no-fc'})
  })

  it('orders local, remotes by name, unscheduled, unknown; then namespace and name', () => {
    const pods = [
      aPod({name: 'z-unknown', nodeName: 'gone'}),
      aPod({name: 'y-unscheduled', phase: 'Pending'}),
      aPod({name: 'b-turin', nodeName: 'liqo-milan'}),
      aPod({name: 'a-milan', nodeName: 'liqo-turin'}),
      aPod({name: 'b-local', nodeName: 'worker-1'}),
      aPod({name: 'a-local', nodeName: 'worker-1', namespace: 'zzz'}),
      aPod({name: 'c-local', nodeName: 'worker-1', namespace: 'aaa'}),
    ]
    const p = place(pods, nodes, fcs)
    expect(p.items.map((i) => i.name)).toEqual([
      'c-local',
      'b-local',
      'a-local',
      'a-milan',
      'b-turin',
      'y-unscheduled',
      'z-unknown',
    ])
    expect(p.clusters.map((c) => c.cluster.name)).toEqual(['local', 'milan', 'turin', '<none>', '<unknown>'])
  })

  it('counts pods per cluster, and ready ones excluding terminating pods', () => {
    const pods = [
      aPod({name: 'l1', nodeName: 'worker-1'}),
      aPod({name: 'l2', nodeName: 'worker-1', ready: false, status: 'ContainerCreating'}),
      aPod({name: 'r1', nodeName: 'liqo-turin'}),
      aPod({name: 'r2', nodeName: 'liqo-turin', deletionTimestamp: '2024-01-01T11:59:00Z', status: 'Terminating'}),
      aPod({name: 'r3', nodeName: 'liqo-turin'}),
    ]
    const p = place(pods, nodes, fcs)
    expect(p.clusters.map((c) => [c.cluster.name, c.pods, c.ready])).toEqual([
      ['local', 2, 1],
      ['milan', 3, 2],
    ])
    expect(p.clusters.reduce((n, c) => n + c.pods, 0)).toBe(pods.length)
    expect(p.items.find((i) => i.name === 'r2')).toMatchObject({terminating: true, isReady: true})
  })

  it('copies the display fields of each pod', () => {
    const pod = aPod({
      name: 'a',
      nodeName: 'worker-1',
      readyContainers: 1,
      totalContainers: 2,
      restarts: 3,
      owner: {kind: 'ReplicaSet', name: 'web-1', uid: 'u'},
    })
    expect(place([pod], nodes, fcs).items[0]).toEqual({
      namespace: 'liqo-test',
      name: 'a',
      cluster: {kind: 'local', name: 'local'},
      node: 'worker-1',
      status: 'Running',
      ready: '1/2',
      restarts: 3,
      createdAt: pod.createdAt,
      terminating: false,
      isReady: true,
      owner: 'ReplicaSet/web-1',
    })
  })

  it('returns nothing for no pods', () => {
    expect(place([], nodes, fcs)).toEqual({items: [], clusters: []})
  })
})

describe('clusterOfNode / compareClusters', () => {
  it('an undefined node name is unscheduled', () => {
    expect(clusterOfNode(undefined, new Map(), new Map()).kind).toBe('unscheduled')
  })
  it('compares by kind first, then by name', () => {
    expect(compareClusters({kind: 'local', name: 'z'}, {kind: 'remote', name: 'a'})).toBeLessThan(0)
    expect(compareClusters({kind: 'remote', name: 'b'}, {kind: 'remote', name: 'a'})).toBeGreaterThan(0)
    expect(compareClusters({kind: 'unknown', name: 'a'}, {kind: 'unscheduled', name: 'z'})).toBeGreaterThan(0)
  })
})

describe('sortKey / orderPods', () => {
  const pod = (namespace: string, name: string, cluster: string, extra: Partial<PlacedPod> = {}): PlacedPod => ({
    namespace,
    name,
    cluster:
      cluster === 'local' ? {kind: 'local', name: 'local'} : {kind: 'remote', name: cluster, id: `id-${cluster}`},
    status: 'Running',
    ready: '1/1',
    restarts: 0,
    createdAt: '2024-01-01T10:00:00Z',
    terminating: false,
    isReady: true,
    ...extra,
  })
  const items = [
    pod('b', 'x', 'milan', {restarts: 2}),
    pod('a', 'z', 'local', {createdAt: '2024-01-01T09:00:00Z'}),
    pod('a', 'y', 'turin', {restarts: 10}),
  ]

  it('accepts column names and kubectl JSONPath forms; refuses the rest', () => {
    expect(sortKey('name')).toBe('name')
    expect(sortKey('{.metadata.creationTimestamp}')).toBe('age')
    expect(sortKey('.status.phase')).toBe('status')
    expect(sortKey('.spec.containers[0].image')).toBeUndefined()
    expect(SORT_BY_CHOICES).toContain('.metadata.name')
  })

  it('orders by the key (numbers as numbers), ties by namespace and name', () => {
    expect(orderPods(items, {sortBy: 'restarts', allNamespaces: true}).map((p) => p.name)).toEqual(['z', 'x', 'y'])
    expect(orderPods(items, {sortBy: 'age', allNamespaces: true}).map((p) => p.name)).toEqual(['z', 'y', 'x'])
  })

  it('across namespaces, by namespace first (as kubectl); in one namespace, as placed', () => {
    expect(orderPods(items, {allNamespaces: true}).map((p) => `${p.namespace}/${p.name}`)).toEqual([
      'a/z',
      'a/y',
      'b/x',
    ])
    expect(orderPods(items, {allNamespaces: false})).toBe(items)
  })
})

describe('nodeShapeChanged: which Node events the watch of pods where -w and the board acts on', () => {
  const node = aVirtualNode('liqo-cluster-2', 'id-2', {readySince: '2024-01-01T11:00:00Z'})

  it('a heartbeat (readiness kept, room or readySince changed) changes nothing placement or the peerings read', () => {
    const beat = {...node, allocatable: {cpuMilli: 4000, memoryBytes: 1, pods: 110}, readySince: '2024-01-01T11:00:05Z'}
    expect(nodeShapeChanged(node, beat)).toBe(false)
    expect(nodeShapeChanged(node, {...node, taints: node.taints.map((t) => ({...t}))})).toBe(false)
  })

  it('a cordon, a taint (a rebalance lease renewed), readiness, deletion or the cluster it stands for do', () => {
    const changed = [
      {...node, unschedulable: true},
      {...node, taints: [...node.taints, cordonTaint('cordon')]},
      {...node, taints: [...node.taints, rebalanceTaint('aaaa1111', 20)]},
      {...node, ready: false},
      {...node, deletionTimestamp: '2024-01-01T12:00:00Z'},
      {...node, remoteClusterId: 'id-3'},
      {...node, virtual: false},
    ]
    for (const after of changed) expect(nodeShapeChanged(node, after)).toBe(true)
    const leased = {...node, taints: [...node.taints, rebalanceTaint('aaaa1111', 20)]}
    expect(nodeShapeChanged(leased, {...node, taints: [...node.taints, rebalanceTaint('aaaa1111', 25)]})).toBe(true)
  })
})
