/**
 * `peer list|disable|enable`: read the peerings, resolve `<cluster>`, preview the impact of a
 * change, flip the outgoing peering through the Liqo adapter, and wait (watch-based) until the
 * topology has converged, recording a timeline of what moved where.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import {evictPod} from '../k8s/evict.js'
import {POD_DISRUPTION_BUDGETS, PODS} from '../k8s/kinds.js'
import type {LiqoAdapter, OutgoingSetting, SwitchWording} from '../liqo/adapter.js'
import {InterruptedError, UserError, WaitTimeoutError} from '../toolkit/errors.js'
import {connectLiqo} from '../liqo/connect.js'
import {NODES, remoteClusterSelector} from '../liqo/nodes.js'
import {clusterVirtualNodes, cordonTaint} from '../model/cordon.js'
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
  const [{fcs}, nodes, podsOn] = await Promise.all([
    listForeignClusters(client, nodesRead),
    nodesRead,
    nodesRead.then(async (n) => countVirtualNodePods(client, n)),
  ])
  return {context: client.context, peers: describePeers(fcs, nodes, podsOn, client.serverNow())}
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
  /**
   * disable: namespaces with pods on the cluster (and, once the switch is off, those Liqo offloads there); enable:
   * namespaces offloaded with Liqo.
   */
  namespaces: string[]
  /** disable: every pod of those namespaces before the change (namespace/name), to tell replacements apart. */
  existingPods: string[]
}

/**
 * The cluster's Liqo adapter and its peerings (the API line is checked first); `nodes`: a list of the nodes already
 * under way.
 */
export async function listForeignClusters(
  client: KubeClient,
  nodes?: Promise<Node[]>,
): Promise<{liqo: LiqoAdapter; fcs: ForeignCluster[]}> {
  const liqo = await connectLiqo(client)
  return {liqo, fcs: (await liqo.listPeerings(client, nodes ? {nodes} : {})).items}
}

/** Which peering to switch which way, against the peerings as listForeignClusters read them. */
export interface PeerChangeRequest {
  liqo: LiqoAdapter
  action: PeerAction
  /** The ForeignCluster's name, cluster ID or cluster name, as given. */
  cluster: string
  fcs: ForeignCluster[]
}

export async function planPeerChange(client: KubeClient, r: PeerChangeRequest): Promise<PeerPlan> {
  const {liqo, action, fcs: all} = r
  const {fc, matchedBy} = resolveForeignCluster(r.cluster, all, client.context)
  if (fc.outgoingEnabled === 'None') {
    throw new UserError(
      `the peering with ${fc.name} has no virtual node to ${action}: offloading to it is not set up ` +
        `(${liqo.generation})`,
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
  const [budgets, drain] = await Promise.all([
    Promise.all(namespaces.map((namespace) => POD_DISRUPTION_BUDGETS.list(client, {namespace}))),
    liqo.drainBehaviour?.(client),
  ])
  const allBudgets = budgets.flatMap((r) => r.items)
  const impact = previewDisable(fc, {pods, nodes: o.nodes, fcs: o.all, pdbs: allBudgets, drain})
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

export async function applyPeerChange(
  client: KubeClient,
  liqo: LiqoAdapter,
  plan: PeerPlan,
  o: ApplyOptions,
): Promise<PeerChangeResult> {
  const start = o.clock.now()
  const value: OutgoingSetting = plan.action === 'disable' ? 'No' : 'Yes'
  const timeline: TimelineEvent[] = []
  let patched = false
  // A signal that came before the write stops here: nothing is changed after Ctrl-C.
  if (o.signal.aborted)
    throw new InterruptedError(`interrupted before the change; peering to ${plan.cluster.name} left as it was`)
  // A disable keeps replacements off every virtual node of the cluster first; an enable lifts what one left.
  const kept =
    plan.action === 'disable'
      ? await keepReplacementsOff(client, {liqo, plan, timeline}, o)
      : await liftDisableCordon(client, liqo, plan, timeline)
  const lift = kept?.lift
  try {
    if (!plan.alreadyDone) {
      patched = (await liqo.setOutgoing(client, plan.fc, value)).changed
      timeline.push({at: 0, kind: 'patched', text: liqo.describeOutgoing(plan.fc, value), cluster: plan.cluster.name})
    }
    if (kept && !o.signal.aborted) await evictAtOnce(client, plan, kept.present, timeline)
  } catch (e) {
    await lift?.()
    throw e
  }
  o.onApplied?.()
  const result: PeerChangeResult = {plan, patched, waited: false, converged: false, elapsedMs: 0, timeline, moved: []}
  // Without a wait, Liqo is still draining: the cordon stays (peer enable lifts it).
  if (!o.wait) return result
  result.waited = true
  const waiter = new Waiter(client, liqo, o)
  if (plan.action === 'disable') {
    try {
      const d = await waiter.disabled(plan, start, timeline)
      Object.assign(result, {final: d.state, peeringPhase: d.peeringPhase, moved: d.moved, elapsedMs: d.elapsedMs})
    } finally {
      // Done, timed out or interrupted: nothing of ours is left behind (Liqo v1 keeps the VirtualNodes).
      await lift?.()
    }
  } else {
    result.elapsedMs = await waiter.enabled(plan, start, timeline)
  }
  result.converged = true
  timeline.push({
    at: result.elapsedMs,
    kind: 'converged',
    text: plan.action === 'disable' ? 'rescheduling converged' : 'peering ready',
  })
  return result
}

// --- a disable that moves each pod once ---------------------------------------------------------

/** How long a disable waits for its cordon to show on the Nodes before it goes on without it. */
const DISABLE_CORDON_WAIT_MS = 5000

/**
 * Before the switch of a cluster with more than one virtual node (Liqo v1: one per ResourceSlice):
 * the "disable" cordon on all of them, so that the replacements of the pods Liqo evicts from one
 * do not land on another that Liqo drains later (and get evicted a second time). With one virtual
 * node there is nothing to do: Liqo cordons it before it evicts. Returns what lifts it and the
 * cluster's virtual nodes as read (evictAtOnce's), or nothing.
 */
async function keepReplacementsOff(
  client: KubeClient,
  disabling: {liqo: LiqoAdapter; plan: PeerPlan; timeline: TimelineEvent[]},
  o: ApplyOptions,
): Promise<{lift: () => Promise<void>; present: Node[]} | undefined> {
  const {liqo, plan, timeline} = disabling
  if (o.signal.aborted) return undefined
  const nodes = (await NODES.list(client, {labelSelector: remoteClusterSelector(plan.fc.clusterId)})).items
  const present = clusterVirtualNodes(nodes, plan.fc.clusterId)
  if (present.length < 2) return undefined
  const change = {clusterId: plan.fc.clusterId, cluster: plan.cluster.name}
  const lift = async () => {
    await liqo.cordons.set(client, plan.fc, nodes, 'disable', false)
  }
  try {
    await liqo.cordons.set(client, plan.fc, nodes, 'disable', true)
    const names = present.map((n) => n.name).join(', ')
    await new Waiter(client, liqo, {...o, timeoutMs: DISABLE_CORDON_WAIT_MS, onProgress: () => {}})
      .cordon(change, 'disable', true)
      .then(
        () =>
          timeline.push({
            at: 0,
            kind: 'node',
            text: `virtual nodes ${names} cordoned (${cordonTaint('disable').key}) to keep replacements off them`,
            cluster: plan.cluster.name,
          }),
        (e: unknown) => {
          if (!(e instanceof WaitTimeoutError)) throw e
          // Not in force in time: the disable goes on as it would without it.
          timeline.push({
            at: 0,
            kind: 'node',
            text:
              `cordon of ${names} not in force after ${DISABLE_CORDON_WAIT_MS / 1000}s: replacements may land ` +
              `there`,
            cluster: plan.cluster.name,
          })
        },
      )
  } catch (e) {
    await lift()
    throw e
  }
  return {lift, present}
}

/** Before an enable: lifts a "disable" cordon an earlier disable left (run with --no-wait, or stopped hard). */
async function liftDisableCordon(
  client: KubeClient,
  liqo: LiqoAdapter,
  plan: PeerPlan,
  timeline: TimelineEvent[],
): Promise<undefined> {
  const nodes = (await NODES.list(client, {labelSelector: remoteClusterSelector(plan.fc.clusterId)})).items
  if (!liqo.cordons.holders(plan.fc, nodes).includes('disable')) return undefined
  await liqo.cordons.set(client, plan.fc, nodes, 'disable', false)
  timeline.push({
    at: 0,
    kind: 'node',
    text: `cordon left by a disable (${cordonTaint('disable').key}) lifted`,
    cluster: plan.cluster.name,
  })
  return undefined
}

/**
 * After the switch of a cluster with several virtual nodes: every pod on them evicted at once, in
 * parallel (Eviction API, PodDisruptionBudgets respected), as Liqo's drain would. Liqo v1.2 drains
 * one VirtualNode at a time and checks each evicted pod's deletion every 10 s before the next
 * (virtualnode-controller drain.go, waitForPodTerminationCheckPeriod), so the pods of the last
 * node would wait for all the others. Best effort: a refused eviction is left to Liqo's drain.
 * `nodes`: the cluster's virtual nodes as keepReplacementsOff read them, not listed again.
 */
async function evictAtOnce(
  client: KubeClient,
  plan: PeerPlan,
  nodes: Node[],
  timeline: TimelineEvent[],
): Promise<void> {
  const pods = (await Promise.all(nodes.map((n) => PODS.list(client, {fieldSelector: `spec.nodeName=${n.name}`}))))
    .flatMap((r) => r.items)
    // DaemonSet pods are left to Liqo's drain, as kubectl drain --ignore-daemonsets does: their
    // controller does not place them elsewhere, and from v1.2 Liqo's drain does not evict them.
    .filter((p) => !p.deletionTimestamp && p.owner?.kind !== 'DaemonSet')
  // Best effort: any refusal (a budget's 429, a missing permission, a server error) is Liqo's drain's to retry.
  const answers = await Promise.all(
    pods.map((p) => evictPod(client, p.namespace, p.name).catch(() => ({outcome: 'refused' as const}))),
  )
  const refused = answers.filter((a) => a.outcome === 'refused').length
  if (pods.length)
    timeline.push({
      at: 0,
      kind: 'node',
      text:
        `${answers.filter((a) => a.outcome === 'evicted').length} pod(s) ` +
        `of ${nodes.map((n) => n.name).join(', ')} evicted at once (Liqo drains one virtual node at a ` +
        `time)${refused ? `; ${refused} refused, left to Liqo's drain` : ''}`,
      cluster: plan.cluster.name,
    })
}
