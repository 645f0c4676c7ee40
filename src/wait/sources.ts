/**
 * The watched state a convergence wait evaluates: per namespace its pods, Deployments,
 * ReplicaSets, StatefulSets and the namespace itself; cluster-wide the nodes and the peerings.
 * Turned into one snapshot for the pure predicate of src/model/convergence.ts.
 */
import type {KubeClient} from '../k8s/client.js'
import {DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, STATEFUL_SETS} from '../k8s/kinds.js'
import type {WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import type {LiqoAdapter, PeeringsWatch} from '../liqo/adapter.js'
import {NODES} from '../liqo/nodes.js'
import type {ClusterSnapshot} from '../model/convergence.js'
import type {Namespace, Node, Pod, Workload} from '../model/types.js'

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
  /** The peerings (ForeignClusters, and what else the Liqo generation keeps them in). */
  peerings: PeeringsWatch
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
  const nodes = NODES.reflector(client, policy)
  return {nodes, peerings: liqo.watchPeerings(client, policy, nodes)}
}

export function reflectorsOf(ns: NamespaceSources[], c: ClusterSources): Array<Reflector<unknown>> {
  return [c.nodes, ...c.peerings.reflectors, ...ns.flatMap((s) => [s.pods, s.deployments, s.replicasets, s.statefulsets, s.ns])]
}

export function snapshotOf(ns: NamespaceSources[], c: ClusterSources, extra: Omit<ClusterSnapshot, 'nodes' | 'fcs'> = {}) {
  const cluster: ClusterSnapshot = {nodes: [...c.nodes.store.values()], fcs: c.peerings.current(), ...extra}
  const namespaces = ns.map((s) => ({
    namespace: s.namespace,
    exists: [...s.ns.store.values()].some((n) => !n.deletionTimestamp),
    pods: [...s.pods.store.values()],
    workloads: [...s.deployments.store.values(), ...s.replicasets.store.values(), ...s.statefulsets.store.values()],
  }))
  return {cluster, namespaces}
}
