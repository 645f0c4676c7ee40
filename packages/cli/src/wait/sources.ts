/**
 * The watched state a convergence wait evaluates: the pods, Deployments, ReplicaSets and
 * StatefulSets of its namespaces and the namespaces themselves; cluster-wide the nodes and the
 * peerings. One watch per kind whatever the number of namespaces (src/k8s/kind.ts: several
 * namespaces are one watch across the cluster, kept to them), so that a wait over dozens of
 * namespaces leaves the connection to the API server room for everything else.
 * Turned into one snapshot for the pure predicate of src/model/convergence.ts.
 */
import type {KubeClient} from '../k8s/client.js'
import {DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, STATEFUL_SETS} from '../k8s/kinds.js'
import type {WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import type {LiqoAdapter, PeeringsWatch} from '../liqo/adapter.js'
import {NODES} from '../liqo/nodes.js'
import {rememberDaemonSetPods, type ClusterSnapshot, type DaemonSetOnNode} from '../model/convergence.js'
import type {Namespace, Node, Pod, Workload} from '../model/types.js'

export interface NamespaceSources {
  namespaces: string[]
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

/** The sources of these namespaces; undefined for none. */
export function namespaceSources(
  client: KubeClient,
  namespaces: string[],
  policy: WatchPolicy,
): NamespaceSources | undefined {
  if (namespaces.length === 0) return undefined
  const scope = {...policy, namespaces}
  return {
    namespaces,
    pods: PODS.reflector(client, scope),
    deployments: DEPLOYMENTS.reflector(client, scope),
    replicasets: REPLICA_SETS.reflector(client, scope),
    statefulsets: STATEFUL_SETS.reflector(client, scope),
    ns: NAMESPACES.reflector(client, {...policy, names: namespaces}),
  }
}

export function clusterSources(client: KubeClient, liqo: LiqoAdapter, policy: WatchPolicy): ClusterSources {
  const nodes = NODES.reflector(client, policy)
  return {nodes, peerings: liqo.watchPeerings(client, policy, nodes)}
}

export function reflectorsOf(ns: NamespaceSources | undefined, c: ClusterSources): Array<Reflector<unknown>> {
  return [
    c.nodes,
    ...c.peerings.reflectors,
    ...(ns ? [ns.pods, ns.deployments, ns.replicasets, ns.statefulsets, ns.ns] : []),
  ]
}

/** The pods the sources hold (of every namespace of the wait). */
export function podsOf(ns: NamespaceSources | undefined): Pod[] {
  return ns ? [...ns.pods.store.values()] : []
}

export function snapshotOf(
  ns: NamespaceSources | undefined,
  c: ClusterSources,
  extra: Omit<ClusterSnapshot, 'nodes' | 'fcs'> = {},
) {
  const cluster: ClusterSnapshot = {nodes: [...c.nodes.store.values()], fcs: c.peerings.current(), ...extra}
  if (!ns) return {cluster, namespaces: []}
  const byNamespace = <X extends {namespace: string}>(items: Iterable<X>) => {
    const m = new Map<string, X[]>(ns.namespaces.map((n) => [n, []]))
    for (const x of items) m.get(x.namespace)?.push(x)
    return m
  }
  const pods = byNamespace(ns.pods.store.values())
  const workloads = byNamespace([
    ...ns.deployments.store.values(),
    ...ns.replicasets.store.values(),
    ...ns.statefulsets.store.values(),
  ])
  const namespaces = ns.namespaces.map((namespace) => ({
    namespace,
    exists: [...ns.ns.store.values()].some((n) => n.name === namespace && !n.deletionTimestamp),
    pods: pods.get(namespace) ?? [],
    workloads: workloads.get(namespace) ?? [],
  }))
  return {cluster, namespaces}
}

/** What a convergence wait remembers across its snapshots: DaemonSets seen on a node pods must leave. */
export interface WaitMemory {
  daemonSets: DaemonSetOnNode[]
}

/** snapshotOf, with `memory` brought up to date and given to each namespace (src/model/leaving.ts). */
export function rememberingSnapshot(
  ns: NamespaceSources | undefined,
  c: ClusterSources,
  memory: WaitMemory,
  extra: Omit<ClusterSnapshot, 'nodes' | 'fcs'> = {},
) {
  const snap = snapshotOf(ns, c, extra)
  memory.daemonSets = rememberDaemonSetPods(memory.daemonSets, podsOf(ns), snap.cluster)
  const namespaces = snap.namespaces.map((n) => ({
    ...n,
    daemonSetsLeaving: memory.daemonSets.filter((d) => d.namespace === n.namespace),
  }))
  return {cluster: snap.cluster, namespaces}
}
