/**
 * When has rescheduling really converged? A pure predicate over one snapshot of a namespace,
 * its nodes and ForeignClusters, plus the wording of progress and timeout messages (a pure
 * function of the state, in the spirit of kubectl's rollout status viewers).
 *
 * Converged means: no pod on a cluster whose peering is disabled or vanished (or on the cluster
 * being left), none Pending or Terminating, every owner's ready replicas equal to desired. A
 * peering is settled for a namespace once none of its pods remain on a cluster being disabled:
 * Liqo's own teardown that follows (virtual node, remote namespaces) moves no pod, so waits do not
 * hold for it (cleanup, which must leave nothing behind, waits for the peering to reach None).
 */
import {clusterDisplayName, indexForeignClusters, isLive, place, type Placement} from './placement.js'
import {matchesTerms, notReadyTaint} from './scheduling.js'
import {daemonSetsHolding, nodeOff, type ClusterSnapshot, type DaemonSetOnNode} from './leaving.js'
import {
  NAMESPACE_OFFLOADING_NAME,
  type ForeignCluster,
  type NamespaceOffloading,
  type Node,
  type Pod,
  type Workload,
} from './types.js'

export type {ClusterSnapshot, DaemonSetOnNode} from './leaving.js'
export {rememberDaemonSetPods} from './leaving.js'

export type BlockerKind =
  | 'namespace-missing'
  | 'empty'
  | 'on-disabled-cluster'
  | 'on-vanished-node'
  | 'on-leaving-cluster'
  | 'daemonset-node-leaving'
  | 'pending'
  | 'terminating'
  | 'not-ready'
  | 'owner-not-ready'
  | 'peering-transition'
  | 'node-missing'
  | 'node-not-ready'
  | 'remote-namespace-not-ready'
  | 'liqo-idle'

export interface Blocker {
  kind: BlockerKind
  /** What is not there yet: a pod, a workload, a ForeignCluster, a node. */
  subject: string
  detail: string
}

export interface ConvergenceInput {
  namespace: string
  namespaceExists: boolean
  pods: Pod[]
  nodes: Node[]
  fcs: ForeignCluster[]
  workloads: Workload[]
  /** The cluster pods must leave (peer disable / wait --away-from). */
  awayFrom?: {clusterId: string; name: string}
}

export interface ConvergenceState {
  converged: boolean
  blockers: Blocker[]
  placement: Placement
  readyPods: number
  totalPods: number
}

/** Why a pod's cluster is not a place it may stay on, if so. */
function offCluster(
  p: Pod,
  nodes: Map<string, Node>,
  fcsById: Map<string, ForeignCluster>,
  awayFrom?: {clusterId: string; name: string},
): Blocker | undefined {
  if (!p.nodeName) return undefined
  const node = nodes.get(p.nodeName)
  if (!node)
    return {kind: 'on-vanished-node', subject: `pod/${p.name}`, detail: `on node ${p.nodeName}, which no longer exists`}
  const off = nodeOff(node, fcsById, awayFrom)
  return off && {...off, subject: `pod/${p.name}`}
}

function workloadReady(w: Workload): boolean {
  if (w.observedGeneration < w.generation) return false
  if (w.kind === 'Deployment') return w.ready === w.desired && w.updated === w.desired && w.available === w.desired
  return w.ready === w.desired
}

export interface NamespaceSnapshot {
  namespace: string
  exists: boolean
  pods: Pod[]
  workloads: Workload[]
  /** DaemonSets of the namespace seen with a pod on a node pods must leave (rememberDaemonSetPods). */
  daemonSetsLeaving?: DaemonSetOnNode[]
}

/** Pods and owners of one namespace: where they are, and whether they are all ready. */
export function namespaceBlockers(ns: NamespaceSnapshot, c: ClusterSnapshot): Blocker[] {
  const nodes = new Map(c.nodes.map((n) => [n.name, n]))
  const fcsById = indexForeignClusters(c.fcs)
  const blockers: Blocker[] = []
  const livePods = ns.pods.filter(isLive)
  if (!ns.exists)
    blockers.push({kind: 'namespace-missing', subject: `namespace/${ns.namespace}`, detail: 'does not exist'})
  for (const p of livePods) {
    const off = offCluster(p, nodes, fcsById, c.awayFrom)
    if (off) blockers.push(off)
    if (p.deletionTimestamp) blockers.push({kind: 'terminating', subject: `pod/${p.name}`, detail: 'Terminating'})
    else if (p.phase === 'Pending') {
      blockers.push({
        kind: 'pending',
        subject: `pod/${p.name}`,
        detail: p.nodeName
          ? `Pending (${p.status})`
          : `Pending, not scheduled${p.unschedulableMessage ? `: ${p.unschedulableMessage}` : ''}`,
      })
    } else if (!p.ready) blockers.push({kind: 'not-ready', subject: `pod/${p.name}`, detail: `${p.status}, not Ready`})
  }
  // Owners: a Deployment speaks for its ReplicaSets; other owners for themselves.
  const deploymentUids = new Set(ns.workloads.filter((w) => w.kind === 'Deployment').map((w) => w.uid))
  const owners = ns.workloads.filter(
    (w) => !w.deletionTimestamp && !(w.kind === 'ReplicaSet' && w.owner && deploymentUids.has(w.owner.uid)),
  )
  // Controllers' status can lag (say, a controller manager reconnecting after an API server
  // restart still reports 3/3 while one pod is gone): the pods themselves are counted too.
  const podsOf = new Map<string, number>()
  for (const p of livePods)
    if (p.owner && !p.deletionTimestamp) podsOf.set(p.owner.uid, (podsOf.get(p.owner.uid) ?? 0) + 1)
  const short = new Set<string>()
  for (const w of ns.workloads) {
    if (w.kind === 'Deployment' || w.deletionTimestamp) continue
    const have = podsOf.get(w.uid) ?? 0
    if (have < w.desired) {
      short.add(w.uid)
      blockers.push({
        kind: 'owner-not-ready',
        subject: `${w.kind.toLowerCase()}/${w.name}`,
        detail: `${have}/${w.desired} pods exist`,
      })
    }
  }
  for (const w of owners) {
    if (!short.has(w.uid) && !workloadReady(w))
      blockers.push({
        kind: 'owner-not-ready',
        subject: `${w.kind.toLowerCase()}/${w.name}`,
        detail: `${w.ready}/${w.desired} ready`,
      })
  }

  blockers.push(...daemonSetsHolding(ns.daemonSetsLeaving ?? [], nodes, fcsById, c.awayFrom))

  if (ns.exists && livePods.length === 0 && owners.length === 0) {
    blockers.push({kind: 'empty', subject: `namespace/${ns.namespace}`, detail: 'no pods or workloads yet'})
  }
  return blockers
}

/** Convergence of several namespaces at once (peer disable waits on every namespace it touched). */
export function evaluateNamespaces(namespaces: NamespaceSnapshot[], c: ClusterSnapshot): ConvergenceState {
  const blockers = namespaces.flatMap((ns) => namespaceBlockers(ns, c))
  const pods = namespaces.flatMap((ns) => ns.pods)
  const live = pods.filter(isLive)
  return {
    converged: blockers.length === 0,
    blockers,
    placement: place(pods, c.nodes, c.fcs),
    readyPods: live.filter((p) => p.ready && !p.deletionTimestamp).length,
    totalPods: live.length,
  }
}

export function evaluateConvergence(i: ConvergenceInput): ConvergenceState {
  return evaluateNamespaces(
    [{namespace: i.namespace, exists: i.namespaceExists, pods: i.pods, workloads: i.workloads}],
    {
      nodes: i.nodes,
      fcs: i.fcs,
      ...(i.awayFrom ? {awayFrom: i.awayFrom} : {}),
    },
  )
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
}

function placementSummary(s: ConvergenceState): string {
  return s.placement.clusters
    .map((c) => `${c.cluster.kind === 'unscheduled' ? 'unscheduled' : c.cluster.name} ${c.pods}`)
    .join(', ')
}

/** One progress line; identical states give identical lines. */
export function describeConvergence(s: ConvergenceState, namespace: string): string {
  if (s.converged)
    return `${namespace} converged: ${s.readyPods}/${s.totalPods} pods ready (${placementSummary(s) || 'no pods'})`
  const by = (k: BlockerKind) => s.blockers.filter((b) => b.kind === k)
  const parts: string[] = []
  if (by('namespace-missing').length) parts.push(`namespace ${namespace} does not exist`)
  if (by('empty').length) parts.push('nothing there yet (no pods or workloads)')
  const leaving = by('on-leaving-cluster')
  if (leaving.length)
    parts.push(`${count(leaving.length, 'pod')} still on ${leaving[0]!.detail.replace(/^still on /, '')}`)
  const disabled = by('on-disabled-cluster')
  if (disabled.length) parts.push(`${count(disabled.length, 'pod')} on disabled clusters`)
  const vanished = by('on-vanished-node')
  if (vanished.length) parts.push(`${count(vanished.length, 'pod')} on vanished nodes`)
  const daemonSets = by('daemonset-node-leaving')
  if (daemonSets.length)
    parts.push(
      `${count(daemonSets.length, 'DaemonSet')} waiting for Liqo to delete the virtual node its pods return to`,
    )
  if (by('pending').length) parts.push(`${by('pending').length} Pending`)
  if (by('terminating').length) parts.push(`${by('terminating').length} Terminating`)
  if (by('not-ready').length) parts.push(`${by('not-ready').length} not Ready`)
  for (const b of by('owner-not-ready')) parts.push(`${b.subject.split('/')[1]} ${b.detail}`)
  return `Waiting for ${namespace}: ${parts.join(', ')}${s.totalPods ? ` (${placementSummary(s)})` : ''}`
}

/** The objects and clusters still off, for a timeout message. */
export function describeBlockers(s: ConvergenceState, max = 8): string[] {
  // One line per object: a pod both still on the cluster and Terminating is one item.
  const bySubject = new Map<string, string[]>()
  for (const b of s.blockers) bySubject.set(b.subject, [...(bySubject.get(b.subject) ?? []), b.detail])
  const all = [...bySubject].map(([subject, details]) => `${subject}: ${details.join(', ')}`)
  const lines = all.slice(0, max)
  if (all.length > max) lines.push(`… and ${all.length - max} more`)
  return lines
}

/**
 * Does Liqo offload this namespace to the cluster `clusterId` (or would it, were its peering on)?
 * Only the NamespaceOffloading Liqo acts on, not being deleted; its cluster selector must admit
 * the cluster's virtual node (when there is one to judge: Liqo v1 deletes it on a disable); and
 * Liqo must not have said it does not select the cluster (OffloadingRequired False for its ID; a v1
 * NamespaceOffloading without a cluster selector selects none). The phase is not read: with the only
 * selected cluster's peering off, Liqo v0.x reports NoClusterSelected for a namespace it offloaded.
 */
export function offloadsTo(nso: NamespaceOffloading, clusterId: string, node?: Node): boolean {
  if (nso.name !== NAMESPACE_OFFLOADING_NAME || nso.deletionTimestamp) return false
  const terms = nso.clusterSelector?.nodeSelectorTerms ?? []
  if (node && terms.length && !matchesTerms(node, terms)) return false
  return !(nso.remoteConditions[clusterId] ?? []).some((c) => c.type === 'OffloadingRequired' && c.status === 'False')
}

/** After `peer enable`: peering Established, virtual node Ready and schedulable, remote namespaces Ready. */
export function enableBlockers(fc: ForeignCluster | undefined, nodes: Node[], nsos: NamespaceOffloading[]): Blocker[] {
  if (!fc) return [{kind: 'peering-transition', subject: 'foreigncluster/?', detail: 'ForeignCluster not found'}]
  const blockers: Blocker[] = []
  if (fc.outgoingPhase !== 'Established')
    blockers.push({
      kind: 'peering-transition',
      subject: `foreigncluster/${fc.name}`,
      detail: `outgoing peering ${fc.outgoingPhase}`,
    })
  const node = nodes.find((n) => n.virtual && n.remoteClusterId === fc.clusterId && !n.deletionTimestamp)
  if (!node) {
    blockers.push({kind: 'node-missing', subject: `foreigncluster/${fc.name}`, detail: 'virtual node not created yet'})
    return blockers
  }
  const taint = notReadyTaint(node)
  if (!node.ready)
    blockers.push({kind: 'node-not-ready', subject: `node/${node.name}`, detail: 'virtual node not Ready'})
  else if (taint)
    blockers.push({
      kind: 'node-not-ready',
      subject: `node/${node.name}`,
      detail: `virtual node Ready, its ${taint.key} taint not lifted yet`,
    })
  if (node.unschedulable)
    blockers.push({kind: 'node-not-ready', subject: `node/${node.name}`, detail: 'virtual node cordoned'})
  for (const nso of nsos) {
    if (nso.phase === 'NoClusterSelected' || !offloadsTo(nso, fc.clusterId, node)) continue
    const conditions = nso.remoteConditions[fc.clusterId] ?? []
    const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True')
    if (!ready)
      blockers.push({
        kind: 'remote-namespace-not-ready',
        subject: `namespace/${nso.namespace}`,
        detail: `remote namespace on ${clusterDisplayName(fc)} not Ready yet`,
      })
  }
  return blockers
}

/** How long Liqo may take to start acting on a switched-off peering before we say it does not. */
export const LIQO_GRACE_MS = 15_000

/**
 * How long after the switch pods may stay on a cordoned virtual node, none of them evicted, before
 * we say the drain is stalled. Liqo evicts every pod of the node at once; a replacement's start is
 * not waited for, so a drain that still holds pods this long is refused or waiting to retry.
 */
export const LIQO_STALL_MS = 60_000

/**
 * After the switch of a peering went off: is Liqo doing nothing about it? Whatever the generation,
 * Liqo's first move is to cordon the cluster's virtual nodes, then it evicts their pods. Two ways
 * it can stand still, each said with which virtual node (v1: which VirtualNode) and what to check:
 * - after the grace period a node is still schedulable: nothing is draining it;
 * - after the stall period a cordoned node still holds some of `pods`, none Terminating: its
 *   evictions are refused (a PodDisruptionBudget) or Liqo waits to retry them.
 * `advice` (the adapter's) says what else may keep a running Liqo from acting, and what to do.
 */
export function liqoIdle(
  fc: ForeignCluster | undefined,
  nodes: Node[],
  elapsedMs: number,
  o: {graceMs?: number; stallMs?: number; advice?: string; pods?: Pod[]} = {},
): Blocker | undefined {
  const graceMs = o.graceMs ?? LIQO_GRACE_MS
  if (!fc || fc.outgoingEnabled !== 'No' || elapsedMs < graceMs) return undefined
  const live = nodes.filter((n) => n.virtual && n.remoteClusterId === fc.clusterId && !n.deletionTimestamp)
  const subject = (of: Node[]) => {
    const switches = (fc.virtualNodes ?? [])
      .filter((v) => of.some((n) => n.name === v.name))
      .map((v) => `VirtualNode ${v.namespace}/${v.name}`)
    return switches.length ? switches.join(', ') : `virtual node ${of.map((n) => n.name).join(', ')}`
  }
  const seconds = Math.round(elapsedMs / 1000)
  const untouched = live.filter((n) => !n.unschedulable)
  if (untouched.length) {
    return {
      kind: 'liqo-idle',
      subject: subject(untouched),
      detail:
        `Liqo has not acted on it for ${seconds}s (its node is still schedulable, nothing drains it): is Liqo's ` +
        `controller manager running?${o.advice ? ` If it is: ${o.advice}` : ''}`,
    }
  }
  if (elapsedMs < (o.stallMs ?? LIQO_STALL_MS)) return undefined
  const cordoned = new Set(live.map((n) => n.name))
  const held = (o.pods ?? []).filter((p) => p.nodeName && cordoned.has(p.nodeName) && isLive(p))
  if (!held.length || held.some((p) => p.deletionTimestamp)) return undefined
  const stalled = live.filter((n) => held.some((p) => p.nodeName === n.name))
  return {
    kind: 'liqo-idle',
    subject: subject(stalled),
    detail:
      `Liqo cordoned its node, but ${held.length} pod(s) are still on it after ${seconds}s and none is being ` +
      `evicted: does a PodDisruptionBudget refuse the evictions (kubectl get pdb ` +
      `-A)?${o.advice ? ` If none does any longer: ${o.advice}` : ''}`,
  }
}
