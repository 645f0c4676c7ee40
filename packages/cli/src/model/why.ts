/**
 * Why a pod runs where it does, or why it is Pending: every cluster (local, each peered one) with
 * the first reason it does not take the pod, from the scheduling predicates (./scheduling.ts), and
 * how that reasoning compares with the scheduler's own FailedScheduling event. Pure.
 */
import {
  clusterDisplayName,
  clusterKey,
  clusterOfNode,
  compareClusters,
  indexForeignClusters,
  isLive,
  type ClusterRef,
} from './placement.js'
import {room} from './resources.js'
import {explainFit, offloadingAllows, type FitCause, type OffloadingRule} from './scheduling.js'
import type {ForeignCluster, KubeEvent, Node, Pod, ResourceAmounts, Taint} from './types.js'
import {byName} from '../toolkit/text.js'

export interface NodeVerdict {
  node: string
  fits: boolean
  /** The pod is bound to this node. */
  here: boolean
  cause?: FitCause
  reason?: string
  /** The scheduler's words for the failure (see explainFit). */
  scheduler: string[]
  ready: boolean
  cordoned: boolean
  taints: Taint[]
  /**
   * Allocatable minus the requests of the pods bound to it (the pod itself left out), when the node gives allocatable.
   */
  room?: ResourceAmounts
}

export interface ClusterVerdict {
  cluster: ClusterRef
  /** The pod runs on this cluster. */
  here: boolean
  /** A new pod like this one could be scheduled there now. */
  fits: boolean
  /**
   * Why the cluster does not take the pod: the NamespaceOffloading's when it keeps every node of the
   * cluster out, else the first reason of its first node (by name); or why it has no node.
   */
  cause?: FitCause | 'no-node'
  reason?: string
  nodes: NodeVerdict[]
}

export type Agreement = 'agrees' | 'disagrees' | 'stale' | 'unknown'

export interface SchedulerCheck {
  event: KubeEvent
  agreement: Agreement
  /** What agrees or differs, in a sentence. */
  detail: string
}

/**
 * Each cluster's verdict for pod `p`: the local cluster (every node without a remote cluster), and
 * each peering, also one without a virtual node (offloading disabled or not established).
 * `podsOnNode` gives the pods bound to a node, for its room.
 */
export interface VerdictInput {
  nodes: Node[]
  fcs: ForeignCluster[]
  /** The namespace's NamespaceOffloading, as a rule (none: not offloaded). */
  offloading: OffloadingRule | undefined
  podsOnNode: (node: string) => Pod[]
}

export function clusterVerdicts(p: Pod, i: VerdictInput): ClusterVerdict[] {
  const {nodes, fcs, offloading, podsOnNode} = i
  const nodeMap = new Map(nodes.map((n) => [n.name, n]))
  const byId = indexForeignClusters(fcs)
  const clusters = new Map<string, ClusterVerdict>()
  for (const n of [...nodes].sort((a, b) => byName(a.name, b.name))) {
    const others = podsOnNode(n.name).filter((q) => q.uid !== p.uid && isLive(q))
    const free = n.allocatable ? room(n.allocatable, others) : undefined
    const fit = explainFit(p.scheduling, n, {offloading, ...(free ? {free} : {})})
    const v: NodeVerdict = {
      node: n.name,
      fits: fit.fits,
      here: p.nodeName === n.name,
      scheduler: fit.scheduler,
      ready: n.ready,
      cordoned: n.unschedulable,
      taints: n.taints,
    }
    if (fit.cause) v.cause = fit.cause
    if (fit.reason) v.reason = fit.reason
    if (free) v.room = free
    const cluster = clusterOfNode(n.name, nodeMap, byId)
    const key = clusterKey(cluster)
    const c = clusters.get(key) ?? {cluster, here: false, fits: false, nodes: []}
    c.nodes.push(v)
    clusters.set(key, c)
  }
  for (const c of clusters.values()) {
    c.here = c.nodes.some((n) => n.here)
    c.fits = c.nodes.some((n) => n.fits)
    // A NamespaceOffloading that keeps every node of the cluster out is the cluster's reason, even
    // where a node fails an earlier filter (a control-plane taint); otherwise the first node's.
    const rules = c.nodes.map((n) => offloadingAllows(offloading, nodeMap.get(n.node)!))
    const first = c.nodes.find((n) => !n.fits)
    const rule = rules[0]
    if (c.fits || !first?.cause) continue
    if (rule && !rule.allowed && rules.every((r) => !r.allowed && r.reason === rule.reason)) {
      c.cause = rule.cause
      c.reason = rule.reason
    } else {
      c.cause = first.cause
      c.reason = first.reason!
    }
  }
  for (const fc of fcs) {
    const cluster: ClusterRef = {
      kind: 'remote',
      name: clusterDisplayName(fc),
      id: fc.clusterId,
      foreignCluster: fc.name,
    }
    if (clusters.has(clusterKey(cluster))) continue
    const why =
      fc.outgoingEnabled === 'No'
        ? `offloading to ${cluster.name} is disabled`
        : `offloading to ${cluster.name} is ${fc.outgoingPhase || 'not established'}`
    clusters.set(clusterKey(cluster), {
      cluster,
      here: false,
      fits: false,
      cause: 'no-node',
      reason: `no virtual node: ${why}`,
      nodes: [],
    })
  }
  return [...clusters.values()].sort((a, b) => compareClusters(a.cluster, b.cluster))
}

/** The scheduler's count of nodes and of each reason, from a FailedScheduling message. */
export interface SchedulerCounts {
  total: number
  reasons: Record<string, number>
}

/**
 * Reads "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s)
 * were unschedulable. preemption: …" (and "no nodes available to schedule pods"). Undefined when
 * the message is not of that form. Taints are one kind whatever the wording ("had untolerated
 * taint {k: v}", or "had untolerated taint(s)" in kube-scheduler 1.36).
 */
export function parseFailedScheduling(message: string): SchedulerCounts | undefined {
  if (/^no nodes available to schedule pods/.test(message)) return {total: 0, reasons: {}}
  const m = /^0\/(\d+) nodes are available(?::\s*(.*))?$/s.exec(message.trim())
  if (!m) return undefined
  const reasons: Record<string, number> = {}
  // The reasons end at the first full stop; what follows is about preemption (and, from 1.34, DRA claims).
  const list = (m[2] ?? '').split(/\.(?:\s|$)/)[0]!
  for (const part of list.split(/,\s*(?=\d+ )/)) {
    const r = /^(\d+) (.+?)\.?$/.exec(part.trim())
    if (r) reasons[category(r[2]!)] = (reasons[category(r[2]!)] ?? 0) + Number(r[1])
  }
  return {total: Number(m[1]), reasons}
}

/** The kind of a scheduler reason, so that "had untolerated taint {a: b}" counts with any taint. */
export function category(phrase: string): string {
  if (/untolerated taint/.test(phrase)) return 'untolerated taint'
  if (/were unschedulable/.test(phrase)) return 'unschedulable'
  if (/node affinity\/selector/.test(phrase)) return "didn't match node affinity/selector"
  return phrase
}

/** Compares our verdicts for the cluster's nodes with the scheduler's last FailedScheduling event of the pod. */
export function checkAgainstScheduler(clusters: ClusterVerdict[], event: KubeEvent): SchedulerCheck {
  const nodes = clusters.flatMap((c) => c.nodes)
  const counts = parseFailedScheduling(event.message)
  if (!counts) return {event, agreement: 'unknown', detail: 'the scheduler gives no per-node reasons here'}
  const fit = clusters.filter((c) => c.fits).map((c) => c.cluster.name)
  if (fit.length) {
    return {
      event,
      agreement: 'disagrees',
      detail: `we find room on ${fit.join(', ')}, the scheduler found none (it tries again when a node changes)`,
    }
  }
  const ours: Record<string, number> = {}
  for (const n of nodes) for (const s of n.scheduler) ours[category(s)] = (ours[category(s)] ?? 0) + 1
  const show = (r: Record<string, number>) =>
    Object.entries(r)
      .sort(([a], [b]) => byName(a, b))
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'none'
  const over = Object.entries(ours).filter(([k, v]) => v > (counts.reasons[k] ?? 0))
  const gone = counts.total - nodes.length
  if (gone < 0)
    return {
      event,
      agreement: 'stale',
      detail:
        `the scheduler counted ${counts.total} node(s), there are ${nodes.length} now: it tries again on the ` +
        `new ones`,
    }
  if (over.length)
    return {
      event,
      agreement: 'disagrees',
      detail: `we count ${show(ours)}; the scheduler counted ${show(counts.reasons)}`,
    }
  const extra = Object.entries(counts.reasons).filter(([k]) => !(k in ours))
  if (gone === 0 && extra.length)
    return {
      event,
      agreement: 'disagrees',
      detail: `the scheduler also names ${show(Object.fromEntries(extra))}, which this reasoning does not see`,
    }
  const since = gone > 0 ? `; ${gone} node(s) it counted are gone since` : ''
  return {
    event,
    agreement: 'agrees',
    detail: `same reasons for the ${nodes.length} node(s) there are (${show(ours)})${since}`,
  }
}
