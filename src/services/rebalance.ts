/**
 * `rebalance`: read where a namespace's pods run and what may run where, plan the moves (pure,
 * src/model/rebalance.ts), and carry them out: per controller, keep new pods off the clusters
 * that receive nothing (a cordon, always undone), evict through the Eviction API a batch at a
 * time, and wait for the replacements to be Ready before the next batch.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import {evictPod} from '../k8s/evict.js'
import {POD_DISRUPTION_BUDGETS, PODS, requireNamespace} from '../k8s/kinds.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {NODES} from '../liqo/nodes.js'
import type {ClusterCordon} from '../liqo/steer.js'
import {clusterOfNode, indexForeignClusters} from '../model/placement.js'
import {planRebalance, type ControllerPlan, type RebalancePlan} from '../model/rebalance.js'
import type {ForeignCluster, Node, Pod} from '../model/types.js'
import type {Clock} from '../toolkit/clock.js'
import {ApiError} from '../toolkit/errors.js'
import {replacementsReady, type MoveRecord} from '../wait/rebalance.js'
import type {TimelineEvent} from '../wait/timeline.js'

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
  /** Cordons an interrupted rebalance left (node, by). */
  leftovers: Array<{node: string; clusterId: string; by: string}>
  nodes: Node[]
  fcs: ForeignCluster[]
}

/** What a cordon of this rebalance is marked with (a taint value: a namespace, or all-namespaces). */
export function cordonMark(scope: RebalanceScope): string {
  return scope.allNamespaces ? 'all-namespaces' : scope.namespace
}

export async function readRebalance(client: KubeClient, liqo: LiqoAdapter, scope: RebalanceScope, cordon: ClusterCordon, clock: Clock): Promise<RebalanceView> {
  const ns = scope.allNamespaces ? {} : {namespace: scope.namespace}
  const [nodes, pods, nsos, pdbs, pendingElsewhere, leftovers] = await Promise.all([
    NODES.list(client).then((r) => r.items),
    PODS.list(client, ns).then((r) => r.items),
    liqo.namespaceOffloadings.list(client, ns).then((r) => r.items),
    POD_DISRUPTION_BUDGETS.list(client, ns).then((r) => r.items),
    scope.allNamespaces ? Promise.resolve([]) : pendingOutside(client, scope.namespace),
    cordon.leftovers(client),
  ])
  if (!pods.length && !scope.allNamespaces) await requireNamespace(client, scope.namespace)
  const fcs = (await liqo.listPeerings(client, {nodes})).items
  const plan = planRebalance({pods, nodes, fcs, offloadings: nsos, pdbs, pendingElsewhere, now: clock.now(), stableForMs: scope.stableForMs, maxUnavailable: scope.maxUnavailable})
  return {context: client.context, generation: liqo.generation, scope, plan, leftovers, nodes, fcs}
}

/** Pending pods of the other namespaces (none when the user may not list them cluster-wide). */
async function pendingOutside(client: KubeClient, namespace: string): Promise<Pod[]> {
  try {
    return (await PODS.list(client, {fieldSelector: 'spec.nodeName=,status.phase=Pending'})).items.filter((p) => p.namespace !== namespace)
  } catch (e) {
    if (e instanceof ApiError && e.isForbidden) return []
    throw e
  }
}

/** What the moves need to be allowed to do. */
export function rebalanceAccess(view: RebalanceView): AccessCheck[] {
  const namespaces = [...new Set(view.plan.controllers.filter((c) => c.moves.length).map((c) => c.namespace))]
  return [...namespaces.map((namespace) => ({verb: 'create', group: '', resource: 'pods/eviction', namespace})), {verb: 'patch', group: '', resource: 'nodes'}]
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
  /** Called as the cluster changes: what a signal would leave (the flow's stage). */
  onState?: (state: string) => void
}

/** Undoes the cordons an interrupted rebalance left; returns the nodes changed. */
export async function undoLeftovers(client: KubeClient, cordon: ClusterCordon, leftovers: RebalanceView['leftovers']): Promise<string[]> {
  const done: string[] = []
  for (const key of new Set(leftovers.map((l) => `${l.clusterId}\u0000${l.by}`))) {
    const [clusterId, by] = key.split('\u0000') as [string, string]
    done.push(...(await cordon.uncordon(client, clusterId, by)))
  }
  return done
}

export async function applyRebalance(client: KubeClient, view: RebalanceView, o: ApplyRebalanceOptions): Promise<RebalanceRun> {
  const run: RebalanceRun = {moved: [], refused: [], timeline: [], elapsedMs: 0}
  const start = o.clock.now()
  const byId = indexForeignClusters(view.fcs)
  const nodeMap = new Map(view.nodes.map((n) => [n.name, n]))
  const clusterOf = (node?: string) => clusterOfNode(node, nodeMap, byId).name
  for (const c of view.plan.controllers) {
    if (!c.moves.length || c.blocked || o.signal.aborted) continue
    await moveController(client, view, c, run, {...o, start, clusterOf})
  }
  run.elapsedMs = o.clock.now() - start
  run.timeline.sort((a, b) => a.at - b.at)
  return run
}

async function moveController(
  client: KubeClient,
  view: RebalanceView,
  c: ControllerPlan,
  run: RebalanceRun,
  o: ApplyRebalanceOptions & {start: number; clusterOf: (n?: string) => string},
): Promise<void> {
  const mark = cordonMark(view.scope)
  const at = () => o.clock.now() - o.start
  const cordoned: typeof c.cordon = []
  let refused = false
  try {
    for (const x of c.cordon) {
      cordoned.push(x)
      const nodes = await o.cordon.cordon(client, x.id!, mark)
      run.timeline.push({at: at(), kind: 'cordon', text: `${x.name} cordoned for the move (${nodes.join(', ') || 'already'})`, cluster: x.name})
    }
    o.onState?.(`moving pods of ${c.namespace}/${c.owner.name}${c.cordon.length ? `; ${c.cordon.map((x) => x.name).join(', ')} cordoned until the move ends` : ''}`)
    for (let i = 0; i < c.moves.length && !o.signal.aborted && !refused; i += c.batch) {
      const existing = new Set((await PODS.list(client, {namespace: c.namespace})).items.map((p) => `${p.namespace}/${p.name}`))
      const evicted: MoveRecord[] = []
      for (const m of c.moves.slice(i, i + c.batch)) {
        const r = await evictPod(client, m.namespace, m.pod, o.signal)
        if (r.outcome === 'refused') {
          const budget = c.budgets.join(', ') || 'a PodDisruptionBudget'
          run.refused.push({namespace: m.namespace, pod: m.pod, budget, message: r.message})
          run.timeline.push({at: at(), kind: 'refused', text: `eviction of ${m.pod} refused by PodDisruptionBudget ${budget}: ${r.message}`, pod: m.pod})
          refused = true
          break
        }
        if (r.outcome === 'gone') continue
        const rec: MoveRecord = {namespace: m.namespace, pod: m.pod, from: m.from.name, evictedAt: at()}
        evicted.push(rec)
        run.moved.push(rec)
        run.timeline.push({at: rec.evictedAt!, kind: 'evicted', text: `pod ${m.pod} evicted from ${m.from.name}`, pod: m.pod, cluster: m.from.name})
      }
      if (evicted.length) {
        const w = {namespace: c.namespace, ownerUid: c.owner.uid, ready: c.pods, evicted, existing, start: o.start, clusterOf: o.clusterOf}
        await replacementsReady(client, w, run.timeline, o)
      }
    }
  } finally {
    // Always undone, also when a wait was interrupted or failed.
    for (const x of cordoned) {
      const nodes = await o.cordon.uncordon(client, x.id!, mark)
      run.timeline.push({at: at(), kind: 'cordon', text: `${x.name} uncordoned (${nodes.join(', ') || 'nothing left to undo'})`, cluster: x.name})
    }
  }
}
