/**
 * `peer list|disable|enable`: read the peerings, resolve `<cluster>`, preview the impact of a
 * change, flip the outgoing peering through the Liqo adapter, and wait (watch-based) until the
 * topology has converged, recording a timeline of what moved where.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import {POD_DISRUPTION_BUDGETS, PODS} from '../k8s/kinds.js'
import type {LiqoAdapter, OutgoingSetting, SwitchWording} from '../liqo/adapter.js'
import {InterruptedError, UserError} from '../toolkit/errors.js'
import {connectLiqo} from '../liqo/connect.js'
import {NODES} from '../liqo/nodes.js'
import {countVirtualNodePods, describePeers, type PeerInfo} from '../liqo/peers.js'
import {resolveForeignCluster, type MatchKind} from '../liqo/resolve.js'
import {offloadsTo, type ConvergenceState} from '../model/convergence.js'
import {previewDisable, type DisableImpact} from '../model/impact.js'
import {clusterDisplayName, clusterOfNode, indexForeignClusters, type ClusterRef} from '../model/placement.js'
import {NAMESPACE_OFFLOADING_NAME, type ForeignCluster, type Node, type Pod} from '../model/types.js'
import type {MovedPod, TimelineEvent} from '../wait/timeline.js'
import {Waiter, type WaiterOptions} from '../wait/waiter.js'

// --- peer list ------------------------------------------------------------------------------------

export interface PeerListResult {
  context: string
  peers: PeerInfo[]
}

export async function peerList(client: KubeClient): Promise<PeerListResult> {
  const nodesRead = NODES.list(client).then((r) => r.items)
  const [{fcs}, nodes, podsOn] = await Promise.all([listForeignClusters(client, nodesRead), nodesRead, nodesRead.then(async (n) => countVirtualNodePods(client, n))])
  return {context: client.context, peers: describePeers(fcs, nodes, podsOn)}
}

// --- plan ---------------------------------------------------------------------------------------

export type PeerAction = 'disable' | 'enable'

export interface PeerPlan {
  action: PeerAction
  context: string
  /** "Liqo v0.3–v0.10" or "Liqo v1.x". */
  generation: string
  /** What the change writes and what Liqo does then, in the generation's terms. */
  wording: SwitchWording
  fc: ForeignCluster
  matchedBy: MatchKind[]
  cluster: ClusterRef
  /** The outgoing setting is already what the action sets. */
  alreadyDone: boolean
  /** disable: what gets evicted and where it can go. */
  impact?: DisableImpact
  /** disable: namespaces with pods on the cluster (and, once the switch is off, those Liqo offloads there); enable: namespaces offloaded with Liqo. */
  namespaces: string[]
  /** disable: every pod of those namespaces before the change (namespace/name), to tell replacements apart. */
  existingPods: string[]
}

/** The cluster's Liqo adapter and its peerings (the API line is checked first); `nodes`: a list of the nodes already under way. */
export async function listForeignClusters(client: KubeClient, nodes?: Promise<Node[]>): Promise<{liqo: LiqoAdapter; fcs: ForeignCluster[]}> {
  const liqo = await connectLiqo(client)
  return {liqo, fcs: (await liqo.listPeerings(client, nodes ? {nodes} : {})).items}
}

export async function planPeerChange(client: KubeClient, liqo: LiqoAdapter, action: PeerAction, input: string, all: ForeignCluster[]): Promise<PeerPlan> {
  const {fc, matchedBy} = resolveForeignCluster(input, all, client.context)
  if (fc.outgoingEnabled === 'None') {
    throw new UserError(
      `the peering with ${fc.name} has no virtual node to ${action}: offloading to it is not set up (${liqo.generation})`,
      'set it up with: liqoctl peer; see: liqo-topology peer list',
    )
  }
  const target: OutgoingSetting = action === 'disable' ? 'No' : 'Yes'
  const nodes = (await NODES.list(client)).items
  const vnodes = nodes.filter((n) => n.virtual && n.remoteClusterId === fc.clusterId)
  const cluster: ClusterRef = vnodes[0]
    ? clusterOfNode(vnodes[0].name, new Map(nodes.map((n) => [n.name, n])), indexForeignClusters(all))
    : {kind: 'remote', name: clusterDisplayName(fc), id: fc.clusterId, foreignCluster: fc.name}
  const alreadyDone = fc.outgoingEnabled === target
  const base = {action, context: client.context, generation: liqo.generation, fc, matchedBy, cluster, alreadyDone}
  const disabling = {fc, nodes, vnodes, all, alreadyDone}
  const scope = action === 'disable' ? await disableScope(client, liqo, disabling) : await enableScope(client, liqo)
  const virtualNodes = scope.impact?.virtualNodes ?? []
  const wording = liqo.switchWording(fc, target, {cluster: cluster.name, virtualNodes, namespaces: scope.namespaces})
  return {...base, wording, ...scope}
}

type PlanScope = Pick<PeerPlan, 'impact' | 'namespaces' | 'existingPods'>

interface DisableInput {
  fc: ForeignCluster
  nodes: Node[]
  vnodes: Node[]
  all: ForeignCluster[]
  alreadyDone: boolean
}

/** A disable's reach: the pods it evicts and where they can go, and every namespace to wait on. */
async function disableScope(client: KubeClient, liqo: LiqoAdapter, o: DisableInput): Promise<PlanScope> {
  const {fc, vnodes} = o
  // One field-selected list per virtual node (Liqo v1: one per ResourceSlice).
  const byNode = await Promise.all(vnodes.map((n) => PODS.list(client, {fieldSelector: `spec.nodeName=${n.name}`})))
  const pods: Pod[] = byNode.flatMap((r) => r.items)
  // A rerun after the switch went off (say, after an interrupted disable) may find the pods already
  // evicted, their replacements still starting elsewhere: it waits on every namespace Liqo offloads
  // to that cluster too, so that "already disabled" still ends with rescheduling converged.
  const nsos = o.alreadyDone ? (await liqo.namespaceOffloadings.list(client)).items : []
  const offloaded = nsos.filter((n) => offloadsTo(n, fc.clusterId, vnodes[0])).map((n) => n.namespace)
  const namespaces = [...new Set([...pods.map((p) => p.namespace), ...offloaded])].sort()
  const budgets = await Promise.all(namespaces.map((namespace) => POD_DISRUPTION_BUDGETS.list(client, {namespace})))
  const impact = previewDisable(
    fc,
    pods,
    o.nodes,
    o.all,
    budgets.flatMap((r) => r.items),
  )
  const podNames = (ns: string) => PODS.as((raw) => `${ns}/${raw.metadata?.name}`).list(client, {namespace: ns})
  const existing = await Promise.all(namespaces.map(podNames))
  return {impact, namespaces, existingPods: existing.flatMap((r) => r.items).sort()}
}

/** An enable's reach: the namespaces offloaded with Liqo. */
async function enableScope(client: KubeClient, liqo: LiqoAdapter): Promise<PlanScope> {
  const nsos = (await liqo.namespaceOffloadings.list(client)).items
  const namespaces = nsos
    .filter((n) => n.name === NAMESPACE_OFFLOADING_NAME && !n.deletionTimestamp)
    .map((n) => n.namespace)
    .sort()
  return {namespaces, existingPods: []}
}

/** What the change needs to be allowed to do. */
export function peerAccessChecks(liqo: LiqoAdapter, plan: PeerPlan): AccessCheck[] {
  return liqo.outgoingAccess(plan.fc)
}

// --- apply + wait -------------------------------------------------------------------------------

export interface PeerChangeResult {
  plan: PeerPlan
  patched: boolean
  waited: boolean
  converged: boolean
  elapsedMs: number
  timeline: TimelineEvent[]
  moved: MovedPod[]
  final?: ConvergenceState
  /** The peering's phase when the command returned (Liqo may still be tearing it down). */
  peeringPhase?: string
}

export interface ApplyOptions extends WaiterOptions {
  wait: boolean
  /** Called once the switch is written (or found already set), before the wait. */
  onApplied?: () => void
}

export async function applyPeerChange(client: KubeClient, liqo: LiqoAdapter, plan: PeerPlan, o: ApplyOptions): Promise<PeerChangeResult> {
  const start = o.clock.now()
  const value: OutgoingSetting = plan.action === 'disable' ? 'No' : 'Yes'
  const timeline: TimelineEvent[] = []
  let patched = false
  // A signal that came before the write stops here: nothing is changed after Ctrl-C.
  if (o.signal.aborted) throw new InterruptedError(`interrupted before the change; peering to ${plan.cluster.name} left as it was`)
  if (!plan.alreadyDone) {
    patched = (await liqo.setOutgoing(client, plan.fc, value)).changed
    timeline.push({at: 0, kind: 'patched', text: liqo.describeOutgoing(plan.fc, value), cluster: plan.cluster.name})
  }
  o.onApplied?.()
  const result: PeerChangeResult = {plan, patched, waited: false, converged: false, elapsedMs: 0, timeline, moved: []}
  if (!o.wait) return result
  result.waited = true
  const waiter = new Waiter(client, liqo, o)
  if (plan.action === 'disable') {
    const d = await waiter.disabled(plan, start, timeline)
    Object.assign(result, {final: d.state, peeringPhase: d.peeringPhase, moved: d.moved, elapsedMs: d.elapsedMs})
  } else {
    result.elapsedMs = await waiter.enabled(plan, start, timeline)
  }
  result.converged = true
  timeline.push({at: result.elapsedMs, kind: 'converged', text: plan.action === 'disable' ? 'rescheduling converged' : 'peering ready'})
  return result
}
