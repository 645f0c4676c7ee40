/**
 * The watched state a convergence wait evaluates: per namespace its pods, Deployments,
 * ReplicaSets, StatefulSets and the namespace itself; cluster-wide the nodes and ForeignClusters.
 * Turned into one snapshot for the pure predicate of src/model/convergence.ts.
 */
import type {KubeClient} from '../k8s/client.js'
import {DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, STATEFUL_SETS} from '../k8s/kinds.js'
import type {WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {NODES} from '../liqo/nodes.js'
import type {ClusterSnapshot} from '../model/convergence.js'
import type {ForeignCluster, Namespace, Node, Pod, Workload} from '../model/types.js'

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

export function namespaceSources(client: KubeClient, namespace: string, policy: WatchPolicy): NamespaceSources {
  return {
    namespace,
    pods: PODS.reflector(client, {...policy, namespace}),
    deployments: DEPLOYMENTS.reflector(client, {...policy, namespace}),
    replicasets: REPLICA_SETS.reflector(client, {...policy, namespace}),
    statefulsets: STATEFUL_SETS.reflector(client, {...policy, namespace}),
    ns: NAMESPACES.reflector(client, {...policy, name: namespace}),
  }
}

export function clusterSources(client: KubeClient, liqo: LiqoAdapter, policy: WatchPolicy): ClusterSources {
  return {nodes: NODES.reflector(client, policy), fcs: liqo.foreignClusters.reflector(client, policy)}
}

export function reflectorsOf(ns: NamespaceSources[], c: ClusterSources): Array<Reflector<unknown>> {
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
