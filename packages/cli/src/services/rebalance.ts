/**
 * `rebalance`: read where a namespace's pods run and what may run where, plan the moves (pure,
 * src/model/rebalance.ts), and carry them out: per controller, keep new pods off the clusters
 * that receive nothing (a cordon, always undone), evict through the Eviction API a batch at a
 * time, and wait for the replacements to be Ready before the next batch.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient, ListResult} from '../k8s/client.js'
import {evictPod} from '../k8s/evict.js'
import {POD_DISRUPTION_BUDGETS, PODS, requireNamespace} from '../k8s/kinds.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {NODES} from '../liqo/nodes.js'
import type {ClusterCordon, HeldCordon} from '../liqo/steer.js'
import {cordonByKey} from '../model/cordon.js'
import {clusterOfNode, indexForeignClusters} from '../model/placement.js'
import {planRebalance, type ControllerPlan, type RebalancePlan} from '../model/rebalance.js'
import type {ForeignCluster, Node, Pod} from '../model/types.js'
import type {Clock} from '../toolkit/clock.js'
import {ApiError, LeaseLostError} from '../toolkit/errors.js'
import {cordonApplied, replacementsReady, type MoveRecord} from '../wait/rebalance.js'
import type {TimelineEvent} from '../wait/timeline.js'

/**
 * Why a plan is refused as it stands: a budget keeps a controller from moving (--force moves the others), the cordon
 * would hold other namespaces' Pending pods (--force does it anyway), or no move is left at all.
 */
export type RebalanceRefusal = 'budget' | 'held-back' | 'blocked'

export interface RebalanceScope {
  namespace: string
  allNamespaces: boolean
  stableForMs: number
  maxUnavailable: number
}

export interface RebalanceView {
  context: string
  generation: string
  scope: RebalanceScope
  plan: RebalancePlan
  /**
   * Other runs' cordons: `dead` those whose lease ran out (a run killed before it could lift them), `live` those of
   * runs still vouching for them (or killed within the lease).
   */
  held: {dead: HeldCordon[]; live: HeldCordon[]}
  nodes: Node[]
  fcs: ForeignCluster[]
}

export interface RebalanceRead {
  liqo: LiqoAdapter
  scope: RebalanceScope
  /** This run's cordon, which tells other runs' cordons from it. */
  cordon: ClusterCordon
  clock: Clock
}

export async function readRebalance(client: KubeClient, r: RebalanceRead): Promise<RebalanceView> {
  const {liqo, scope, cordon, clock} = r
  const ns = scope.allNamespaces ? {} : {namespace: scope.namespace}
  const [nodes, pods, nsos, pdbs, pendingElsewhere] = await Promise.all([
    NODES.list(client).then((r) => r.items),
    PODS.list(client, ns).then((r) => r.items),
    liqo.namespaceOffloadings.list(client, ns).then((r) => r.items),
    POD_DISRUPTION_BUDGETS.list(client, ns).then((r) => r.items),
    scope.allNamespaces ? Promise.resolve([]) : pendingOutside(client, scope.namespace),
  ])
  if (!pods.length && !scope.allNamespaces) await requireNamespace(client, scope.namespace)
  const fcs = (await liqo.listPeerings(client, {nodes})).items
  const plan = planRebalance({
    pods,
    nodes,
    fcs,
    offloadings: nsos,
    pdbs,
    pendingElsewhere,
    now: clock.now(),
    stableForMs: scope.stableForMs,
    maxUnavailable: scope.maxUnavailable,
  })
  return {
    context: client.context,
    generation: liqo.generation,
    scope,
    plan,
    held: cordon.others(fcs, nodes, client.serverNow()),
    nodes,
    fcs,
  }
}

/** Pending pods of the other namespaces (none when the user may not list them cluster-wide). */
async function pendingOutside(client: KubeClient, namespace: string): Promise<Pod[]> {
  try {
    return (await PODS.list(client, {fieldSelector: 'spec.nodeName=,status.phase=Pending'})).items.filter(
      (p) => p.namespace !== namespace,
    )
  } catch (e) {
    if (e instanceof ApiError && e.isForbidden) return []
    throw e
  }
}

/** What the moves need to be allowed to do. */
export function rebalanceAccess(view: RebalanceView, cordon: ClusterCordon): AccessCheck[] {
  const moving = view.plan.controllers.filter((c) => c.moves.length && !c.blocked)
  const evictions = [...new Set(moving.map((c) => c.namespace))].map((namespace) => ({
    verb: 'create',
    group: '',
    resource: 'pods/eviction',
    namespace,
  }))
  const cordoned = [...new Set(moving.flatMap((c) => c.cordon.map((x) => x.id)))]
    .map((id) => view.fcs.find((f) => f.clusterId === id))
    .filter((f) => f !== undefined)
  return [...evictions, ...cordoned.flatMap((fc) => cordon.access(fc, view.nodes))]
}

export interface RebalanceRun {
  moved: MoveRecord[]
  refused: Array<{namespace: string; pod: string; budget: string; message: string}>
  timeline: TimelineEvent[]
  elapsedMs: number
}

export interface ApplyRebalanceOptions {
  cordon: ClusterCordon
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onProgress?: (message: string) => void
  onConnection?: (connected: boolean, detail: string) => void
  /** Something the person should know while the moves go on (a lease renewal that failed). */
  onWarning?: (message: string) => void
  /** Called as the cluster changes: what a signal would leave (the flow's stage). */
  onState?: (state: string) => void
}

/** Lifts the cordons killed runs left, and waits until the scheduler sees them gone (before planning again). */
export async function undoLeftovers(
  client: KubeClient,
  cordon: ClusterCordon,
  view: RebalanceView,
  o: Pick<ApplyRebalanceOptions, 'timeoutMs' | 'signal' | 'clock'>,
): Promise<void> {
  for (const h of view.held.dead) await cordon.lift(client, h, view.nodes)
  for (const h of view.held.dead) await cordonApplied(client, h.fc.clusterId, cordonByKey(h.lease.key), false, o)
}

export async function applyRebalance(
  client: KubeClient,
  view: RebalanceView,
  o: ApplyRebalanceOptions,
): Promise<RebalanceRun> {
  const run: RebalanceRun = {moved: [], refused: [], timeline: [], elapsedMs: 0}
  const start = o.clock.now()
  const byId = indexForeignClusters(view.fcs)
  const nodeMap = new Map(view.nodes.map((n) => [n.name, n]))
  const clusterOf = (node?: string) => clusterOfNode(node, nodeMap, byId).name
  for (const c of view.plan.controllers) {
    if (!c.moves.length || c.blocked || o.signal.aborted) continue
    await moveController(client, c, {...o, view, run, start, clusterOf})
  }
  run.elapsedMs = o.clock.now() - start
  run.timeline.sort((a, b) => a.at - b.at)
  return run
}

/** What moving one controller's pods needs besides the options: the view, the run so far, how to name a cluster. */
interface MoveContext extends ApplyRebalanceOptions {
  view: RebalanceView
  run: RebalanceRun
  start: number
  clusterOf: (n?: string) => string
}

async function moveController(client: KubeClient, c: ControllerPlan, outer: MoveContext): Promise<void> {
  const {view, run} = outer
  const at = () => outer.clock.now() - outer.start
  const cordoned: ForeignCluster[] = []
  const mine = cordonByKey(outer.cordon.key)
  // The lease tells other runs this cordon is still wanted (a killed run's runs out): renewed from the first write on,
  // on the clusters cordoned so far, also while a slow one is still being waited for. Once it is about to run out
  // unrenewed, the moves stop: `o` is the outer options with a signal that says so too.
  const lease = guardLease(client, c, cordoned, outer)
  const o: MoveContext = {...outer, signal: lease.signal}
  let refused = false
  try {
    let first: ListResult<Pod> | undefined = await cordonAndList(client, c, cordoned, {
      ...o,
      at,
      timeline: run.timeline,
    })
    o.onState?.(
      `moving pods ` +
        `of ${c.namespace}/${c.owner.name}` +
        (c.cordon.length ? ` (the cordon of ${c.cordon.map((x) => x.name).join(', ')} is lifted on the way out)` : ''),
    )
    for (let i = 0; i < c.moves.length && !o.signal.aborted && !refused; i += c.batch) {
      const before = first ?? (await PODS.list(client, {namespace: c.namespace}))
      first = undefined
      const existing = new Set(before.items.map((p) => `${p.namespace}/${p.name}`))
      const evicted: MoveRecord[] = []
      for (const m of c.moves.slice(i, i + c.batch)) {
        const r = await evictPod(client, m.namespace, m.pod, o.signal)
        if (r.outcome === 'refused') {
          const budget = c.budgets.join(', ') || 'a PodDisruptionBudget'
          run.refused.push({namespace: m.namespace, pod: m.pod, budget, message: r.message})
          run.timeline.push({
            at: at(),
            kind: 'refused',
            text: `eviction of ${m.pod} refused by PodDisruptionBudget ${budget}: ${r.message}`,
            pod: m.pod,
          })
          refused = true
          break
        }
        if (r.outcome === 'gone') continue
        const rec: MoveRecord = {namespace: m.namespace, pod: m.pod, from: m.from.name, evictedAt: at()}
        evicted.push(rec)
        run.moved.push(rec)
        run.timeline.push({
          at: rec.evictedAt!,
          kind: 'evicted',
          text: `pod ${m.pod} evicted from ${m.from.name}`,
          pod: m.pod,
          cluster: m.from.name,
        })
      }
      if (evicted.length) {
        const w = {
          namespace: c.namespace,
          ownerUid: c.owner.uid,
          ready: c.pods,
          evicted,
          existing,
          before,
          start: o.start,
          clusterOf: o.clusterOf,
        }
        await replacementsReady(client, w, run.timeline, o)
      }
    }
  } catch (e) {
    // A wait or an eviction the lost lease stopped: the lease is what the person needs to hear of.
    throw lease.lostError() ?? e
  } finally {
    // Always undone, also when a wait was interrupted or failed; no renewal after the lift.
    await lease.stop()
    for (const fc of cordoned) await outer.cordon.set(client, fc, view.nodes, false)
    // After a signal the lift is written and that is all: the process is about to end.
    if (!outer.signal.aborted) for (const fc of cordoned) await cordonApplied(client, fc.clusterId, mine, false, outer)
    for (const x of c.cordon)
      run.timeline.push({at: at(), kind: 'cordon', text: `${x.name} uncordoned`, cluster: x.name})
  }
  const lost = lease.lostError()
  if (lost) throw lost
}

/** The renewal of a controller's cordon lease, and what stops its moves when the lease is about to run out. */
interface LeaseGuard {
  /** Aborted by the outer signal, or once the lease is about to run out. */
  signal: AbortSignal
  /** Stops the renewals (resolves once none is under way). */
  stop: () => Promise<void>
  /** The error to end the run with, once the lease was lost. */
  lostError: () => LeaseLostError | undefined
}

/** Renews `c`'s cordon lease while its pods move: a failed renewal is a warning, a lease about to run out ends them. */
export function guardLease(
  client: KubeClient,
  c: Pick<ControllerPlan, 'namespace' | 'owner' | 'cordon' | 'moves'>,
  cordoned: ForeignCluster[],
  o: Pick<MoveContext, 'cordon' | 'signal' | 'onWarning' | 'view' | 'run'>,
): LeaseGuard {
  const stopped = new AbortController()
  const signal = AbortSignal.any([o.signal, stopped.signal])
  if (!c.cordon.length) return {signal, stop: async () => {}, lostError: () => undefined}
  let lastError = ''
  let lost: LeaseLostError | undefined
  const stop = o.cordon.keep(client, cordoned, o.view.nodes, {
    failed: (fc, e, untilS) => {
      lastError = e instanceof Error ? e.message : String(e)
      o.onWarning?.(renewalFailed(fc.name, lastError, untilS, client.serverNow()))
    },
    lost: (fc) => {
      const moved = o.run.moved.filter((r) => c.moves.some((m) => m.namespace === r.namespace && m.pod === r.pod))
      lost ??= new LeaseLostError(
        `could not renew the lease of this rebalance's cordon on ${fc.name} before it ran out` +
          `${lastError ? ` (last error: ${lastError})` : ''}: another rebalance may take the cordon over from now ` +
          `on, so this one stopped moving pods of ${c.namespace}/${c.owner.name} (${moved.length} of ` +
          `${c.moves.length} moved) and lifted its cordon`,
        'check that the API server answers and that this user may still write the cordon (peer list shows it); ' +
          'then run the rebalance again to finish the moves',
      )
      stopped.abort()
    },
  })
  return {signal, stop, lostError: () => lost}
}

/** The warning of a failed renewal: which cluster, what failed, and what happens if none gets through. */
export function renewalFailed(cluster: string, error: string, untilS: number, nowMs: number): string {
  const left = Math.max(0, Math.floor(untilS - nowMs / 1000))
  return (
    `could not renew the lease of this rebalance's cordon on ${cluster} (${error}); it runs out in ${left}s: ` +
    `unless a renewal gets through before then, another rebalance may take the cordon over, and this one stops ` +
    `moving pods`
  )
}

/**
 * Puts `c`'s cordon on (each cluster pushed to `cordoned` before its write, for the lift) and waits until it is in
 * force, while listing the pods there before the first eviction; both settle before anything else happens, so that a
 * failed list never lifts a cordon still being written.
 */
async function cordonAndList(
  client: KubeClient,
  c: ControllerPlan,
  cordoned: ForeignCluster[],
  o: MoveContext & {at: () => number; timeline: TimelineEvent[]},
): Promise<ListResult<Pod>> {
  const {view} = o
  const mine = cordonByKey(o.cordon.key)
  const cordoning = (async () => {
    for (const x of c.cordon) {
      const fc = view.fcs.find((f) => f.clusterId === x.id)
      if (!fc) continue
      cordoned.push(fc)
      await o.cordon.set(client, fc, view.nodes, true)
      // Evict only once the scheduler sees it: Liqo v1 copies a VirtualNode's taints to its node.
      await cordonApplied(client, fc.clusterId, mine, true, o)
      o.timeline.push({at: o.at(), kind: 'cordon', text: `${x.name} cordoned for the move`, cluster: x.name})
    }
  })()
  const [cordonDone, listed] = await Promise.allSettled([cordoning, PODS.list(client, {namespace: c.namespace})])
  if (cordonDone.status === 'rejected') throw cordonDone.reason
  if (listed.status === 'rejected') throw listed.reason
  return listed.value
}
