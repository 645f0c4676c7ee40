/**
 * Watch-based convergence of namespaces after a topology change: reflectors on pods, Deployments,
 * ReplicaSets, StatefulSets and the namespace itself (per namespace), plus nodes and
 * ForeignClusters, fed to the pure predicate of src/model/convergence.ts.
 */
import type {Clock} from '../toolkit/clock.js'
import type {KubeClient} from '../k8s/client.js'
import {toForeignCluster, toNamespace, toNode, toPod, toWorkload} from '../k8s/map.js'
import {Reflector, type ReflectorOptions} from '../k8s/reflector.js'
import {fcPath} from '../liqo/constants.js'
import {
  describeBlockers,
  describeConvergence,
  evaluateNamespaces,
  type ClusterSnapshot,
  type ConvergenceState,
} from '../model/convergence.js'
import type {ForeignCluster, Namespace, Node, Pod, Workload} from '../model/types.js'
import {retryConnectionErrors, waitFor, type WaitOptions} from '../wait/wait-for.js'

type Policy = Pick<ReflectorOptions<unknown>, 'onError' | 'onConnection'>

export interface NamespaceSources {
  namespace: string
  pods: Reflector<Pod>
  deployments: Reflector<Workload>
  replicasets: Reflector<Workload>
  statefulsets: Reflector<Workload>
  ns: Reflector<Namespace>
}

export interface ClusterSources {
  nodes: Reflector<Node>
  fcs: Reflector<ForeignCluster>
}

export function namespaceSources(client: KubeClient, namespace: string, policy: Policy): NamespaceSources {
  const ns = encodeURIComponent(namespace)
  return {
    namespace,
    pods: new Reflector(client, `/api/v1/namespaces/${ns}/pods`, {...policy, map: toPod}),
    deployments: new Reflector(client, `/apis/apps/v1/namespaces/${ns}/deployments`, {...policy, map: (r) => toWorkload(r, 'Deployment')}),
    replicasets: new Reflector(client, `/apis/apps/v1/namespaces/${ns}/replicasets`, {...policy, map: (r) => toWorkload(r, 'ReplicaSet')}),
    statefulsets: new Reflector(client, `/apis/apps/v1/namespaces/${ns}/statefulsets`, {...policy, map: (r) => toWorkload(r, 'StatefulSet')}),
    ns: new Reflector(client, '/api/v1/namespaces', {...policy, fieldSelector: `metadata.name=${namespace}`, map: toNamespace}),
  }
}

export function clusterSources(client: KubeClient, policy: Policy): ClusterSources {
  return {
    nodes: new Reflector(client, '/api/v1/nodes', {...policy, map: toNode}),
    fcs: new Reflector(client, fcPath(), {...policy, map: toForeignCluster}),
  }
}

export function reflectorsOf(ns: NamespaceSources[], c: ClusterSources): Array<Reflector<any>> {
  return [c.nodes, c.fcs, ...ns.flatMap((s) => [s.pods, s.deployments, s.replicasets, s.statefulsets, s.ns])]
}

export function snapshotOf(ns: NamespaceSources[], c: ClusterSources, extra: Omit<ClusterSnapshot, 'nodes' | 'fcs'> = {}) {
  const cluster: ClusterSnapshot = {nodes: [...c.nodes.store.values()], fcs: [...c.fcs.store.values()], ...extra}
  const namespaces = ns.map((s) => ({
    namespace: s.namespace,
    exists: [...s.ns.store.values()].some((n) => !n.deletionTimestamp),
    pods: [...s.pods.store.values()],
    workloads: [...s.deployments.store.values(), ...s.replicasets.store.values(), ...s.statefulsets.store.values()],
  }))
  return {cluster, namespaces}
}

export interface ConvergenceWaitOptions {
  namespaces: string[]
  awayFrom?: {clusterId: string; name: string}
  /** ForeignClusters the caller already listed (no second list). */
  foreignClusters?: {items: ForeignCluster[]; resourceVersion: string}
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onProgress?: (message: string) => void
  onChange?: WaitOptions<ConvergenceState>['onChange']
  onConnection?: (connected: boolean, detail: string) => void
}

export function describeAll(state: ConvergenceState, namespaces: string[], awayFrom?: {name: string}): string {
  const label = namespaces.length ? namespaces.join(', ') : `peering with ${awayFrom?.name ?? 'the cluster'}`
  return describeConvergence(state, label)
}

/** Waits until the namespaces have converged; resolves with the final state. */
export async function waitForConvergence(client: KubeClient, o: ConvergenceWaitOptions): Promise<{state: ConvergenceState; elapsedMs: number}> {
  const policy = retryConnectionErrors(o.onConnection)
  const ns = o.namespaces.map((n) => namespaceSources(client, n, policy))
  const cluster = clusterSources(client, policy)
  if (o.foreignClusters) cluster.fcs.seed(o.foreignClusters.items.map((fc) => ({key: fc.name, obj: fc})), o.foreignClusters.resourceVersion)
  const extra = o.awayFrom ? {awayFrom: o.awayFrom} : {}
  const what = o.namespaces.length ? `rescheduling in ${o.namespaces.map((n) => `"${n}"`).join(', ')}` : `the peering with ${o.awayFrom?.name} to settle`
  const r = await waitFor<ConvergenceState>({
    reflectors: reflectorsOf(ns, cluster),
    evaluate: () => {
      const snap = snapshotOf(ns, cluster, extra)
      const state = evaluateNamespaces(snap.namespaces, snap.cluster)
      return {done: state.converged, message: describeAll(state, o.namespaces, o.awayFrom), pending: describeBlockers(state), result: state}
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what,
    hint: 'pods stay Pending when no eligible cluster remains: check "liqo-topology pods where" and "peer list"',
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
    ...(o.onChange ? {onChange: o.onChange} : {}),
  })
  return {state: r.result, elapsedMs: r.elapsedMs}
}
