/**
 * Where each pod runs, by cluster: pod → spec.nodeName → node label liqo.io/remote-cluster-id →
 * the ForeignCluster with that cluster ID. Node names are never parsed. Pure.
 */
import type {ForeignCluster, Node, Pod} from './types.js'
import {byName} from '../toolkit/text.js'

export type ClusterKind = 'local' | 'remote' | 'unscheduled' | 'unknown'

export interface ClusterRef {
  kind: ClusterKind
  /** "local", the remote cluster's name, "<none>" (not scheduled) or "<unknown>" (node gone). */
  name: string
  /** Remote cluster ID, for remote clusters. */
  id?: string
  /** Name of the ForeignCluster object, when one matches. */
  foreignCluster?: string
}

export interface PlacedPod {
  namespace: string
  name: string
  cluster: ClusterRef
  node?: string
  status: string
  ready: string
  restarts: number
  createdAt: string
  ip?: string
  terminating: boolean
  /** The pod's Ready condition. */
  isReady: boolean
  owner?: string
  /** Why it is not scheduled, when the scheduler said so. */
  message?: string
}

export interface ClusterCount {
  cluster: ClusterRef
  pods: number
  ready: number
}

export interface Placement {
  items: PlacedPod[]
  clusters: ClusterCount[]
}

export const LOCAL: ClusterRef = {kind: 'local', name: 'local'}
export const UNSCHEDULED: ClusterRef = {kind: 'unscheduled', name: '<none>'}

/** A human name for a ForeignCluster: its cluster name, else its object name. */
/** A pod that still holds its place on a node: neither Succeeded nor Failed. */
export function isLive(p: Pod): boolean {
  return p.phase !== 'Succeeded' && p.phase !== 'Failed'
}

export function clusterDisplayName(fc: ForeignCluster): string {
  return fc.clusterName || fc.name
}

export function indexForeignClusters(fcs: ForeignCluster[]): Map<string, ForeignCluster> {
  const byId = new Map<string, ForeignCluster>()
  for (const fc of fcs) if (fc.clusterId) byId.set(fc.clusterId, fc)
  return byId
}

export function clusterOfNode(
  nodeName: string | undefined,
  nodes: Map<string, Node>,
  fcsById: Map<string, ForeignCluster>,
): ClusterRef {
  if (!nodeName) return UNSCHEDULED
  const node = nodes.get(nodeName)
  if (!node) return {kind: 'unknown', name: '<unknown>'}
  if (!node.virtual || !node.remoteClusterId) return LOCAL
  const fc = fcsById.get(node.remoteClusterId)
  return fc
    ? {kind: 'remote', name: clusterDisplayName(fc), id: node.remoteClusterId, foreignCluster: fc.name}
    : {kind: 'remote', name: node.remoteClusterId, id: node.remoteClusterId}
}

const KIND_ORDER: Record<ClusterKind, number> = {local: 0, remote: 1, unscheduled: 2, unknown: 3}

export function compareClusters(a: ClusterRef, b: ClusterRef): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || byName(a.name, b.name)
}

export function clusterKey(c: ClusterRef): string {
  return `${c.kind}/${c.id ?? c.name}`
}

const sameTaints = (a: Node['taints'], b: Node['taints']) =>
  a.length === b.length &&
  a.every((t, i) => t.key === b[i]!.key && t.value === b[i]!.value && t.effect === b[i]!.effect)

/**
 * Whether a Node's change can change where a pod shows or what the peerings show (their state, their cordons): the
 * cluster it stands for, its readiness, cordon, taints or deletion. A status heartbeat changes none of them.
 */
export function nodeShapeChanged(a: Node, b: Node): boolean {
  return (
    a.ready !== b.ready ||
    a.unschedulable !== b.unschedulable ||
    a.virtual !== b.virtual ||
    a.remoteClusterId !== b.remoteClusterId ||
    !!a.deletionTimestamp !== !!b.deletionTimestamp ||
    !sameTaints(a.taints, b.taints)
  )
}

export function place(pods: Pod[], nodes: Node[], fcs: ForeignCluster[]): Placement {
  const nodeMap = new Map(nodes.map((n) => [n.name, n]))
  const byId = indexForeignClusters(fcs)
  const items: PlacedPod[] = pods.map((p) => {
    const item: PlacedPod = {
      namespace: p.namespace,
      name: p.name,
      cluster: clusterOfNode(p.nodeName, nodeMap, byId),
      status: p.status,
      ready: `${p.readyContainers}/${p.totalContainers}`,
      restarts: p.restarts,
      createdAt: p.createdAt,
      terminating: !!p.deletionTimestamp,
      isReady: p.ready,
    }
    if (p.nodeName) item.node = p.nodeName
    if (p.podIP) item.ip = p.podIP
    if (p.owner) item.owner = `${p.owner.kind}/${p.owner.name}`
    if (p.unschedulableMessage) item.message = p.unschedulableMessage
    return item
  })
  items.sort(
    (a, b) => compareClusters(a.cluster, b.cluster) || byName(a.namespace, b.namespace) || byName(a.name, b.name),
  )
  const counts = new Map<string, ClusterCount>()
  for (const it of items) {
    const k = clusterKey(it.cluster)
    const c = counts.get(k) ?? {cluster: it.cluster, pods: 0, ready: 0}
    c.pods++
    if (it.isReady && !it.terminating) c.ready++
    counts.set(k, c)
  }
  return {items, clusters: [...counts.values()].sort((a, b) => compareClusters(a.cluster, b.cluster))}
}

/** What --sort-by accepts: a column, or the JSONPath kubectl users write for it. */
const SORT_KEYS: Record<string, (p: PlacedPod) => string | number> = {
  name: (p) => p.name,
  namespace: (p) => p.namespace,
  cluster: (p) => (p.cluster.kind === 'local' ? '' : p.cluster.name),
  node: (p) => p.node ?? '',
  status: (p) => p.status,
  restarts: (p) => p.restarts,
  age: (p) => p.createdAt,
}
const SORT_PATHS: Record<string, string> = {
  '.metadata.name': 'name',
  '.metadata.namespace': 'namespace',
  '.metadata.creationTimestamp': 'age',
  '.spec.nodeName': 'node',
  '.status.phase': 'status',
}

export const SORT_BY_CHOICES = [...Object.keys(SORT_KEYS), ...Object.keys(SORT_PATHS)]

/** The key a --sort-by value names, or undefined when it names none (kubectl's `{.x.y}` braces allowed). */
export function sortKey(by: string): string | undefined {
  const bare = by.trim().replace(/^\{(.*)\}$/, '$1')
  const key = SORT_PATHS[bare] ?? bare.toLowerCase()
  return key in SORT_KEYS ? key : undefined
}

/**
 * The pods in the order a user asked for: by `key` (stable; ties by namespace and name), or, across
 * namespaces, by namespace first as kubectl does; otherwise as placed (by cluster). Pure.
 */
export function orderPods(items: PlacedPod[], o: {sortBy?: string; allNamespaces: boolean}): PlacedPod[] {
  const tie = (a: PlacedPod, b: PlacedPod) => byName(a.namespace, b.namespace) || byName(a.name, b.name)
  if (o.sortBy) {
    const get = SORT_KEYS[o.sortBy]!
    return [...items].sort((a, b) => {
      const x = get(a)
      const y = get(b)
      return (typeof x === 'number' && typeof y === 'number' ? x - y : byName(String(x), String(y))) || tie(a, b)
    })
  }
  if (o.allNamespaces)
    return [...items].sort(
      (a, b) => byName(a.namespace, b.namespace) || compareClusters(a.cluster, b.cluster) || byName(a.name, b.name),
    )
  return items
}
