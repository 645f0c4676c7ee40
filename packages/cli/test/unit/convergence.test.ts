import {describe, expect, it} from 'vitest'

import {
  describeBlockers,
  describeConvergence,
  enableBlockers,
  evaluateConvergence,
  evaluateNamespaces,
  liqoIdle,
  offloadsTo,
  rememberDaemonSetPods,
  type ConvergenceInput,
} from '../../src/model/convergence.js'
import {
  aBarePod,
  aForeignCluster,
  aNamespaceOffloading,
  aNode,
  aPod,
  aVirtualNode,
  aWorkload,
  ago,
  readyCondition,
} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const turin = aForeignCluster({name: 'fc-turin', clusterId: 'id-turin', clusterName: 'turin'})
const worker = aNode({name: 'worker-1'})
const vnMilan = aVirtualNode('liqo-milan', 'id-milan')
const vnTurin = aVirtualNode('liqo-turin', 'id-turin')

const deploy = aWorkload({name: 'web', uid: 'dep-web', desired: 2, ready: 2, available: 2, updated: 2})
const rs = aWorkload({
  kind: 'ReplicaSet',
  name: 'web-abc',
  uid: 'rs-web',
  desired: 2,
  ready: 2,
  owner: {kind: 'Deployment', name: 'web', uid: 'dep-web'},
})

function input(i: Partial<ConvergenceInput> = {}): ConvergenceInput {
  return {
    namespace: 'liqo-test',
    namespaceExists: true,
    pods: [aPod({name: 'web-1', nodeName: 'worker-1'}), aPod({name: 'web-2', nodeName: 'liqo-turin'})],
    nodes: [worker, vnMilan, vnTurin],
    fcs: [milan, turin],
    // Given pods of their own, tests that are not about owners leave them out.
    workloads: i.pods && !i.workloads ? [] : [deploy, rs],
    ...i,
  }
}
const kinds = (i: ConvergenceInput) => evaluateConvergence(i).blockers.map((b) => b.kind)

describe('evaluateConvergence', () => {
  it('is converged when every pod is ready on an enabled cluster and owners are satisfied', () => {
    const s = evaluateConvergence(input({awayFrom: {clusterId: 'id-milan', name: 'milan'}}))
    expect(s.blockers).toEqual([])
    expect(s.converged).toBe(true)
    expect(s.readyPods).toBe(2)
    expect(s.totalPods).toBe(2)
    expect(s.placement.clusters.map((c) => [c.cluster.name, c.pods])).toEqual([
      ['local', 1],
      ['turin', 1],
    ])
  })

  it('a pod still on the leaving cluster blocks (awayFrom)', () => {
    const s = evaluateConvergence(
      input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], awayFrom: {clusterId: 'id-milan', name: 'milan'}}),
    )
    expect(s.converged).toBe(false)
    expect(s.blockers).toEqual([{kind: 'on-leaving-cluster', subject: 'pod/web-1', detail: 'still on milan'}])
  })

  it('without awayFrom, a pod on an enabled remote cluster is fine', () => {
    expect(kinds(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})]}))).toEqual([])
  })

  it('a pod on a cluster whose outgoing peering is disabled blocks', () => {
    const off = aForeignCluster({...milan, outgoingEnabled: 'No'})
    const s = evaluateConvergence(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], fcs: [off, turin]}))
    expect(s.blockers).toEqual([
      {
        kind: 'on-disabled-cluster',
        subject: 'pod/web-1',
        detail: 'on milan, whose peering is Established (outgoing No)',
      },
    ])
  })

  it.each(['None', 'Disconnecting'])('a pod on a cluster whose peering is %s blocks', (phase) => {
    const fc = aForeignCluster({...milan, outgoingPhase: phase})
    expect(kinds(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], fcs: [fc, turin]}))).toContain(
      'on-disabled-cluster',
    )
  })

  it('a pod on a virtual node whose ForeignCluster is gone blocks', () => {
    const s = evaluateConvergence(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], fcs: [turin]}))
    expect(s.blockers[0]).toEqual({
      kind: 'on-disabled-cluster',
      subject: 'pod/web-1',
      detail: 'on id-milan, whose peering is gone',
    })
  })

  it('a pod on a virtual node being deleted blocks', () => {
    const dying = aVirtualNode('liqo-milan', 'id-milan', {deletionTimestamp: '2024-01-01T11:00:00Z'})
    expect(
      kinds(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], nodes: [worker, dying, vnTurin]})),
    ).toEqual(['on-disabled-cluster'])
  })

  it('a pod on a vanished node blocks', () => {
    const s = evaluateConvergence(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-gone'})]}))
    expect(s.blockers).toEqual([
      {kind: 'on-vanished-node', subject: 'pod/web-1', detail: 'on node liqo-gone, which no longer exists'},
    ])
  })

  it('a Pending pod blocks, with the scheduler message when unscheduled', () => {
    const s = evaluateConvergence(
      input({
        pods: [
          aPod({
            name: 'a',
            phase: 'Pending',
            status: 'Pending',
            ready: false,
            unschedulableMessage: '0/3 nodes are available',
          }),
          aPod({name: 'b', phase: 'Pending', status: 'ContainerCreating', ready: false, nodeName: 'worker-1'}),
        ],
      }),
    )
    expect(s.blockers).toEqual([
      {kind: 'pending', subject: 'pod/a', detail: 'Pending, not scheduled: 0/3 nodes are available'},
      {kind: 'pending', subject: 'pod/b', detail: 'Pending (ContainerCreating)'},
    ])
    expect(s.readyPods).toBe(0)
  })

  it('a Terminating pod blocks and is not counted ready', () => {
    const s = evaluateConvergence(
      input({
        pods: [
          aPod({name: 'web-1', nodeName: 'worker-1', deletionTimestamp: '2024-01-01T11:59:00Z', status: 'Terminating'}),
          aPod({name: 'web-2', nodeName: 'worker-1'}),
        ],
      }),
    )
    expect(s.blockers).toEqual([{kind: 'terminating', subject: 'pod/web-1', detail: 'Terminating'}])
    expect(s.readyPods).toBe(1)
    expect(s.totalPods).toBe(2)
  })

  it('a pod that is not Ready blocks, bare or owned (the status of an owner can lag behind)', () => {
    const s = evaluateConvergence(
      input({
        pods: [
          aBarePod({name: 'bare', nodeName: 'worker-1', ready: false, status: 'CrashLoopBackOff'}),
          aPod({name: 'owned', nodeName: 'worker-1', ready: false}),
        ],
      }),
    )
    expect(s.blockers).toEqual([
      {kind: 'not-ready', subject: 'pod/bare', detail: 'CrashLoopBackOff, not Ready'},
      {kind: 'not-ready', subject: 'pod/owned', detail: 'Running, not Ready'},
    ])
  })

  it('counts the pods themselves: a ReplicaSet whose status still says 2/2 with one pod gone blocks', () => {
    const s = evaluateConvergence(input({pods: [aPod({name: 'web-1', nodeName: 'worker-1'})], workloads: [deploy, rs]}))
    expect(s.blockers).toEqual([{kind: 'owner-not-ready', subject: 'replicaset/web-abc', detail: '1/2 pods exist'}])
  })

  it('finished pods are ignored', () => {
    const s = evaluateConvergence(
      input({
        pods: [
          aPod({name: 'web-1', nodeName: 'worker-1'}),
          aPod({name: 'job', nodeName: 'liqo-gone', phase: 'Succeeded', ready: false}),
        ],
      }),
    )
    expect(s.converged).toBe(true)
    expect(s.totalPods).toBe(1)
  })

  it('a Deployment not ready blocks once; its ReplicaSet is not double-counted', () => {
    const d = aWorkload({...deploy, ready: 1, available: 1})
    const r = aWorkload({...rs, ready: 1})
    const s = evaluateConvergence(input({workloads: [d, r]}))
    expect(s.blockers).toEqual([{kind: 'owner-not-ready', subject: 'deployment/web', detail: '1/2 ready'}])
  })

  it('a Deployment needs updated and available replicas too', () => {
    expect(kinds(input({workloads: [aWorkload({...deploy, updated: 1})]}))).toEqual(['owner-not-ready'])
    expect(kinds(input({workloads: [aWorkload({...deploy, available: 1})]}))).toEqual(['owner-not-ready'])
  })

  it('a ReplicaSet or StatefulSet without a Deployment speaks for itself', () => {
    const orphanRs = aWorkload({
      kind: 'ReplicaSet',
      name: 'solo',
      desired: 3,
      ready: 2,
      owner: {kind: 'Deployment', name: 'gone', uid: 'dep-gone'},
    })
    const sts = aWorkload({kind: 'StatefulSet', name: 'db', desired: 1, ready: 0})
    const s = evaluateConvergence(input({workloads: [orphanRs, sts]}))
    expect(s.blockers.map((b) => b.subject)).toEqual(['replicaset/solo', 'statefulset/db'])
  })

  it('observedGeneration behind generation blocks even with all replicas ready', () => {
    const s = evaluateConvergence(
      input({workloads: [aWorkload({...deploy, generation: 3, observedGeneration: 2}), rs]}),
    )
    expect(s.blockers).toEqual([{kind: 'owner-not-ready', subject: 'deployment/web', detail: '2/2 ready'}])
  })

  it('workloads being deleted are ignored', () => {
    expect(
      kinds(input({workloads: [aWorkload({...deploy, ready: 0, deletionTimestamp: '2024-01-01T11:00:00Z'})]})),
    ).toEqual([])
  })

  it('an existing but empty namespace is not converged ("empty")', () => {
    const s = evaluateConvergence(input({pods: [], workloads: []}))
    expect(s.converged).toBe(false)
    expect(s.blockers).toEqual([{kind: 'empty', subject: 'namespace/liqo-test', detail: 'no pods or workloads yet'}])
  })

  it('a missing namespace blocks (and is not also "empty")', () => {
    const s = evaluateConvergence(input({namespaceExists: false, pods: [], workloads: []}))
    expect(s.blockers).toEqual([{kind: 'namespace-missing', subject: 'namespace/liqo-test', detail: 'does not exist'}])
  })

  it.each(['Pending', 'Disconnecting'])(
    'a peering that is %s does not block once no pod of the namespace is on it',
    (phase) => {
      // milan hosts no pod of the namespace; Liqo may still be tearing its peering down.
      const s = evaluateConvergence(
        input({fcs: [aForeignCluster({...milan, outgoingEnabled: 'No', outgoingPhase: phase}), turin]}),
      )
      expect(s.converged).toBe(true)
    },
  )

  it('a pod still on a Disconnecting cluster blocks (the drain is not over)', () => {
    const fc = aForeignCluster({...milan, outgoingEnabled: 'No', outgoingPhase: 'Disconnecting'})
    const s = evaluateConvergence(input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], fcs: [fc, turin]}))
    expect(s.blockers.map((b) => b.kind)).toContain('on-disabled-cluster')
  })
})

describe('evaluateNamespaces', () => {
  it('combines namespaces: blockers of each, one placement and counts over all pods', () => {
    const s = evaluateNamespaces(
      [
        {namespace: 'a', exists: true, pods: [aPod({name: 'p1', namespace: 'a', nodeName: 'worker-1'})], workloads: []},
        {namespace: 'b', exists: true, pods: [], workloads: []},
      ],
      {nodes: [worker], fcs: []},
    )
    expect(s.blockers).toEqual([{kind: 'empty', subject: 'namespace/b', detail: 'no pods or workloads yet'}])
    expect(s.totalPods).toBe(1)
    expect(s.placement.items.map((i) => i.name)).toEqual(['p1'])
  })
})

describe('a DaemonSet pod on the cluster being left (rememberDaemonSetPods)', () => {
  const dsPod = aPod({name: 'probe-1', nodeName: 'liqo-milan', owner: {kind: 'DaemonSet', name: 'probe', uid: 'ds-1'}})
  const away = {clusterId: 'id-milan', name: 'milan'}
  const web = aPod({name: 'web-1', nodeName: 'worker-1', owner: {kind: 'ReplicaSet', name: 'web', uid: 'rs'}})
  const ns = (pods: Parameters<typeof rememberDaemonSetPods>[1], seen: ReturnType<typeof rememberDaemonSetPods>) => ({
    namespace: 'liqo-test',
    exists: true,
    pods,
    workloads: [],
    daemonSetsLeaving: seen,
  })

  it('remembers a DaemonSet with a pod on a node pods must leave, once, and no other pod', () => {
    const c = {nodes: [worker, vnMilan, vnTurin], fcs: [milan, turin], awayFrom: away}
    const onTurin = {...dsPod, name: 'probe-2', nodeName: 'liqo-turin'}
    const seen = rememberDaemonSetPods([], [dsPod, onTurin, web], c)
    expect(seen).toEqual([{namespace: 'liqo-test', daemonSet: 'probe', node: 'liqo-milan'}])
    expect(rememberDaemonSetPods(seen, [dsPod], c)).toEqual(seen)
  })

  it('holds the namespace in the instant between an eviction and the pod its DaemonSet creates again', () => {
    const c = {nodes: [worker, vnMilan, vnTurin], fcs: [milan, turin], awayFrom: away}
    const seen = rememberDaemonSetPods([], [dsPod, web], c)
    // The evicted pod is gone and the new one not yet created: no pod on milan, yet not settled.
    const s = evaluateNamespaces([ns([web], seen)], c)
    expect(s.converged).toBe(false)
    expect(s.blockers).toEqual([
      {
        kind: 'daemonset-node-leaving',
        subject: 'daemonset/probe',
        detail: 'its pod returns to node liqo-milan until Liqo deletes that node',
      },
    ])
    expect(describeConvergence(s, 'liqo-test')).toContain(
      '1 DaemonSet waiting for Liqo to delete the virtual node its pods return to',
    )
  })

  it('lets the namespace settle once Liqo deleted the node', () => {
    const c = {nodes: [worker, vnMilan, vnTurin], fcs: [milan, turin], awayFrom: away}
    const seen = rememberDaemonSetPods([], [dsPod, web], c)
    const gone = {...c, nodes: [worker, vnTurin]}
    expect(evaluateNamespaces([ns([web], seen)], gone).converged).toBe(true)
  })

  it('holds for a disabled peering too (wait without --away-from), not for an enabled one', () => {
    const off = {...milan, outgoingEnabled: 'No', outgoingPhase: 'Disconnecting'}
    const disabled = {nodes: [worker, vnMilan], fcs: [off]}
    expect(rememberDaemonSetPods([], [dsPod], disabled)).toHaveLength(1)
    const enabled = {nodes: [worker, vnMilan], fcs: [milan]}
    expect(rememberDaemonSetPods([], [dsPod], enabled)).toEqual([])
  })
})

describe('describeConvergence', () => {
  it('describes the converged state with counts and placement', () => {
    const s = evaluateConvergence(input())
    expect(describeConvergence(s, 'liqo-test')).toBe('liqo-test converged: 2/2 pods ready (local 1, turin 1)')
  })

  it('returns identical strings for identical states', () => {
    const mk = () =>
      evaluateConvergence(
        input({
          pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'}), aPod({name: 'x', phase: 'Pending', ready: false})],
          awayFrom: {clusterId: 'id-milan', name: 'milan'},
        }),
      )
    const a = describeConvergence(mk(), 'liqo-test')
    expect(describeConvergence(mk(), 'liqo-test')).toBe(a)
    expect(a).toBe('Waiting for liqo-test: 1 pod still on milan, 1 Pending (milan 1, unscheduled 1)')
  })

  it('mentions counts of each kind of blocker', () => {
    const off = aForeignCluster({...turin, outgoingEnabled: 'No'})
    const s = evaluateConvergence(
      input({
        fcs: [milan, off],
        pods: [
          aPod({name: 'a', nodeName: 'liqo-milan'}),
          aPod({name: 'b', nodeName: 'liqo-milan'}),
          aPod({name: 'c', nodeName: 'liqo-turin'}),
          aPod({name: 'd', nodeName: 'gone'}),
          aPod({name: 'e', nodeName: 'worker-1', deletionTimestamp: '2024-01-01T11:59:00Z'}),
          aBarePod({name: 'f', nodeName: 'worker-1', ready: false}),
        ],
        workloads: [aWorkload({...deploy, ready: 1})],
        awayFrom: {clusterId: 'id-milan', name: 'milan'},
      }),
    )
    const text = describeConvergence(s, 'liqo-test')
    expect(text).toMatch(/^Waiting for liqo-test: /)
    expect(text).toContain('2 pods still on milan')
    expect(text).toContain('1 pod on disabled clusters')
    expect(text).toContain('1 pod on vanished nodes')
    expect(text).toContain('1 Terminating')
    expect(text).toContain('1 not Ready')
    expect(text).toContain('web 1/2 ready')
  })

  it('describes a missing or empty namespace and pods on the cluster being left', () => {
    expect(
      describeConvergence(evaluateConvergence(input({namespaceExists: false, pods: [], workloads: []})), 'ns'),
    ).toBe('Waiting for ns: namespace ns does not exist')
    expect(describeConvergence(evaluateConvergence(input({pods: [], workloads: []})), 'ns')).toBe(
      'Waiting for ns: nothing there yet (no pods or workloads)',
    )
    const s = evaluateConvergence(
      input({pods: [aPod({name: 'web-1', nodeName: 'liqo-milan'})], awayFrom: {clusterId: 'id-milan', name: 'milan'}}),
    )
    expect(describeConvergence(s, 'ns')).toBe('Waiting for ns: 1 pod still on milan (milan 1)')
  })
})

describe('describeBlockers', () => {
  it('lists "subject: detail" lines, capped with a count of the rest', () => {
    const pods = Array.from({length: 10}, (_, i) => aPod({name: `p${i}`, phase: 'Pending', ready: false}))
    const s = evaluateConvergence(input({pods}))
    const lines = describeBlockers(s, 3)
    expect(lines).toEqual([
      'pod/p0: Pending, not scheduled',
      'pod/p1: Pending, not scheduled',
      'pod/p2: Pending, not scheduled',
      '… and 7 more',
    ])
    expect(describeBlockers(s)).toHaveLength(9)
    expect(describeBlockers(evaluateConvergence(input()))).toEqual([])
  })

  it('gives one line per object, its details joined', () => {
    const s = evaluateConvergence(input())
    s.blockers = [
      {kind: 'on-disabled-cluster', subject: 'pod/a', detail: 'still on cluster-3'},
      {kind: 'terminating', subject: 'pod/a', detail: 'Terminating'},
      {kind: 'not-ready', subject: 'pod/b', detail: 'not Ready'},
    ] as typeof s.blockers
    expect(describeBlockers(s)).toEqual(['pod/a: still on cluster-3, Terminating', 'pod/b: not Ready'])
  })
})

describe('enableBlockers', () => {
  const nso = aNamespaceOffloading({remoteConditions: {'id-milan': readyCondition('True')}})

  it('is empty when the peering is Established, the node Ready and remote namespaces Ready', () => {
    expect(enableBlockers(milan, [vnMilan], [nso])).toEqual([])
  })

  it('a missing ForeignCluster blocks', () => {
    expect(enableBlockers(undefined, [vnMilan], [])).toEqual([
      {kind: 'peering-transition', subject: 'foreigncluster/?', detail: 'ForeignCluster not found'},
    ])
  })

  it('a peering not Established and a missing node block', () => {
    const fc = aForeignCluster({...milan, outgoingPhase: 'Pending'})
    expect(enableBlockers(fc, [worker], [nso])).toEqual([
      {kind: 'peering-transition', subject: 'foreigncluster/fc-milan', detail: 'outgoing peering Pending'},
      {kind: 'node-missing', subject: 'foreigncluster/fc-milan', detail: 'virtual node not created yet'},
    ])
  })

  it('a node being deleted counts as missing', () => {
    expect(
      enableBlockers(
        milan,
        [aVirtualNode('liqo-milan', 'id-milan', {deletionTimestamp: '2024-01-01T11:00:00Z'})],
        [],
      ).map((b) => b.kind),
    ).toEqual(['node-missing'])
  })

  it('a node not Ready or cordoned blocks', () => {
    expect(
      enableBlockers(milan, [aVirtualNode('liqo-milan', 'id-milan', {ready: false, unschedulable: true})], [nso]),
    ).toEqual([
      {kind: 'node-not-ready', subject: 'node/liqo-milan', detail: 'virtual node not Ready'},
      {kind: 'node-not-ready', subject: 'node/liqo-milan', detail: 'virtual node cordoned'},
    ])
  })

  it('a node Ready that still has the not-ready taint blocks: the scheduler places nothing there yet', () => {
    // Seen on Liqo v1.2: the API server admits the re-created node with node.kubernetes.io/not-ready
    // (its TaintNodesByCondition plugin); the node lifecycle controller lifts it ~100 ms later.
    const liqoTaint = vnMilan.taints[0]!
    const fresh = aVirtualNode('liqo-milan', 'id-milan', {
      taints: [liqoTaint, {key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}],
    })
    expect(enableBlockers(milan, [fresh], [nso])).toEqual([
      {
        kind: 'node-not-ready',
        subject: 'node/liqo-milan',
        detail: 'virtual node Ready, its node.kubernetes.io/not-ready taint not lifted yet',
      },
    ])
    // The NoExecute one alone does not keep pods away (they tolerate it for 300 s by default).
    const evicting = {...fresh, taints: [liqoTaint, {key: 'node.kubernetes.io/unreachable', effect: 'NoExecute'}]}
    expect(enableBlockers(milan, [evicting], [nso])).toEqual([])
  })

  it('a NamespaceOffloading without Ready=True for the cluster ID blocks', () => {
    const notYet = [
      aNamespaceOffloading({namespace: 'a', remoteConditions: {}}),
      aNamespaceOffloading({namespace: 'b', remoteConditions: {'id-milan': readyCondition('False')}}),
      aNamespaceOffloading({namespace: 'c', remoteConditions: {'id-turin': readyCondition('True')}}),
    ]
    expect(enableBlockers(milan, [vnMilan], notYet)).toEqual(
      ['a', 'b', 'c'].map((ns) => ({
        kind: 'remote-namespace-not-ready',
        subject: `namespace/${ns}`,
        detail: 'remote namespace on milan not Ready yet',
      })),
    )
  })

  it(
    'ignores a NamespaceOffloading Liqo does not offload to that cluster (OffloadingRequired False, or no ' +
      'cluster selected at all)',
    () => {
      const notRequired = {type: 'OffloadingRequired', status: 'False', reason: 'ClusterNotSelected'}
      const skipped = [
        aNamespaceOffloading({namespace: 'a', remoteConditions: {'id-milan': [notRequired]}}),
        aNamespaceOffloading({namespace: 'b', phase: 'NoClusterSelected', remoteConditions: {}}),
      ]
      expect(enableBlockers(milan, [vnMilan], skipped)).toEqual([])
    },
  )

  it(
    'ignores a NamespaceOffloading whose clusterSelector does not select the node, not named "offloading", or ' +
      'being deleted',
    () => {
      const selectsTurin = aNamespaceOffloading({
        clusterSelector: {
          nodeSelectorTerms: [
            {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['id-turin']}]},
          ],
        },
      })
      const otherName = aNamespaceOffloading({name: 'custom'})
      const deleting = aNamespaceOffloading({deletionTimestamp: '2024-01-01T11:00:00Z'})
      expect(enableBlockers(milan, [vnMilan], [selectsTurin, otherName, deleting])).toEqual([])
      const selectsMilan = aNamespaceOffloading({
        clusterSelector: {
          nodeSelectorTerms: [
            {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['id-milan']}]},
          ],
        },
      })
      expect(enableBlockers(milan, [vnMilan], [selectsMilan]).map((b) => b.kind)).toEqual([
        'remote-namespace-not-ready',
      ])
    },
  )
})

describe('offloadsTo', () => {
  const selects = (id: string) => ({
    nodeSelectorTerms: [
      {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In' as const, values: [id]}]},
    ],
  })
  it(
    'the NamespaceOffloading Liqo acts on, selecting the cluster or everything, even once its virtual node is ' +
      'gone',
    () => {
      expect(offloadsTo(aNamespaceOffloading({}), 'id-milan', vnMilan)).toBe(true)
      expect(offloadsTo(aNamespaceOffloading({clusterSelector: selects('id-milan')}), 'id-milan', vnMilan)).toBe(true)
      // Liqo v1 deletes the virtual node on a disable: the selector cannot be judged, the namespace counts.
      expect(offloadsTo(aNamespaceOffloading({clusterSelector: selects('id-turin')}), 'id-milan')).toBe(true)
      // Its only cluster's peering off, Liqo v0.x says NoClusterSelected: the namespace still counts.
      expect(
        offloadsTo(
          aNamespaceOffloading({phase: 'NoClusterSelected', clusterSelector: selects('id-milan')}),
          'id-milan',
        ),
      ).toBe(true)
    },
  )
  it('not one Liqo ignores, deletes, or does not offload to that cluster', () => {
    expect(offloadsTo(aNamespaceOffloading({name: 'custom'}), 'id-milan', vnMilan)).toBe(false)
    expect(offloadsTo(aNamespaceOffloading({deletionTimestamp: '2024-01-01T11:00:00Z'}), 'id-milan', vnMilan)).toBe(
      false,
    )
    expect(offloadsTo(aNamespaceOffloading({clusterSelector: selects('id-turin')}), 'id-milan', vnMilan)).toBe(false)
    const notRequired = {type: 'OffloadingRequired', status: 'False', reason: 'ClusterNotSelected'}
    expect(offloadsTo(aNamespaceOffloading({remoteConditions: {'id-milan': [notRequired]}}), 'id-milan')).toBe(false)
    expect(offloadsTo(aNamespaceOffloading({remoteConditions: {'id-turin': [notRequired]}}), 'id-milan')).toBe(true)
  })
})

describe('liqoIdle', () => {
  const off = aForeignCluster({
    name: 'cluster-3',
    clusterId: 'id-3',
    outgoingEnabled: 'No',
    outgoingPhase: 'Disconnecting',
  })
  const v1 = {
    ...off,
    virtualNodes: [
      {
        namespace: 'liqo-tenant-3',
        name: 'vn-3',
        resourceVersion: '1',
        createNode: false,
        nodePresent: true,
        nodeReady: false,
      },
    ],
  }
  it('says nothing within the grace period, nor when the node is cordoned, gone or the switch is on', () => {
    const node = aVirtualNode('vn-3', 'id-3')
    expect(liqoIdle(off, [node], 5_000)).toBeUndefined()
    expect(liqoIdle(off, [{...node, unschedulable: true}], 60_000)).toBeUndefined()
    expect(liqoIdle(off, [], 60_000)).toBeUndefined()
    expect(liqoIdle({...off, outgoingEnabled: 'Yes'}, [node], 60_000)).toBeUndefined()
  })
  it('names the VirtualNode (v1) or the virtual node (v0) that nothing drains', () => {
    expect(liqoIdle(v1, [aVirtualNode('vn-3', 'id-3')], 20_000)).toMatchObject({
      kind: 'liqo-idle',
      subject: 'VirtualNode liqo-tenant-3/vn-3',
    })
    expect(liqoIdle(off, [aVirtualNode('vn-3', 'id-3')], 20_000)?.subject).toBe('virtual node vn-3')
    expect(liqoIdle(off, [aVirtualNode('vn-3', 'id-3')], 20_000)?.detail).toMatch(
      /Liqo has not acted on it for 20s .*controller manager running\?$/,
    )
  })
  it("adds the adapter's advice for a controller manager that runs but does not act", () => {
    expect(
      liqoIdle(v1, [aVirtualNode('vn-3', 'id-3')], 200_000, {advice: 'it may be backing off; restart it'})?.detail,
    ).toMatch(/for 200s .*controller manager running\? If it is: it may be backing off; restart it$/)
    expect(liqoIdle(v1, [aVirtualNode('vn-3', 'id-3')], 20_000, {graceMs: 30_000, advice: 'x'})).toBeUndefined()
  })
  describe('a cordoned node whose pods nobody evicts (a drain refused or waiting to retry)', () => {
    const cordoned = aVirtualNode('vn-3', 'id-3', {unschedulable: true})
    const held = aPod({name: 'web-1', nodeName: 'vn-3'})
    it('says so after the stall period, with the pods it holds, what to check and the advice', () => {
      const b = liqoIdle(v1, [cordoned, aVirtualNode('vn-2', 'id-2')], 61_000, {
        pods: [held, aPod({name: 'web-2', nodeName: 'vn-2'})],
        advice: 'restart it',
      })
      expect(b).toMatchObject({kind: 'liqo-idle', subject: 'VirtualNode liqo-tenant-3/vn-3'})
      expect(b?.detail).toBe(
        'Liqo cordoned its node, but 1 pod(s) are still on it after 61s and none is being evicted: does a ' +
          'PodDisruptionBudget refuse the evictions (kubectl get pdb -A)? If none does any longer: restart it',
      )
      expect(liqoIdle(off, [cordoned], 90_000, {pods: [held]})?.detail).toMatch(/\(kubectl get pdb -A\)\?$/)
    })
    it(
      'says nothing before it, while any of them is Terminating (the drain moves), or for pods elsewhere or ' +
        'finished',
      () => {
        expect(liqoIdle(v1, [cordoned], 59_000, {pods: [held]})).toBeUndefined()
        expect(liqoIdle(v1, [cordoned], 30_000, {pods: [held], stallMs: 20_000})).toBeDefined()
        expect(
          liqoIdle(v1, [cordoned], 90_000, {
            pods: [held, aPod({name: 'web-2', nodeName: 'vn-3', deletionTimestamp: ago(5)})],
          }),
        ).toBeUndefined()
        expect(liqoIdle(v1, [cordoned], 90_000, {pods: [aPod({name: 'web-2', nodeName: 'worker-1'})]})).toBeUndefined()
        expect(liqoIdle(v1, [cordoned], 90_000, {pods: [{...held, phase: 'Succeeded'}]})).toBeUndefined()
        expect(liqoIdle(v1, [cordoned], 90_000)).toBeUndefined()
        expect(liqoIdle(v1, [{...cordoned, deletionTimestamp: ago(1)}], 90_000, {pods: [held]})).toBeUndefined()
        expect(liqoIdle({...v1, outgoingEnabled: 'Yes'}, [cordoned], 90_000, {pods: [held]})).toBeUndefined()
      },
    )
  })
})
