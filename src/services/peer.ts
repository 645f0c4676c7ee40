/**
 * `peer list|disable|enable`: read the peerings, resolve `<cluster>`, preview the impact of a
 * change, patch spec.outgoingPeeringEnabled with a JSON merge patch, and wait (watch-based) until
 * the topology has converged, recording a timeline of what moved where.
 */
import type {Clock} from '../toolkit/clock.js'
import {ApiError, UserError} from '../toolkit/errors.js'
import type {Json, KubeClient} from '../k8s/client.js'
import {toForeignCluster, toNamespaceOffloading, toNode, toPod} from '../k8s/map.js'
import {Reflector, type Change} from '../k8s/reflector.js'
import {sleep} from '../toolkit/clock.js'
import {FOREIGN_CLUSTER, fcPath, nsOffloadingPath} from '../liqo/constants.js'
import {detectLiqo, requirePeeringApi} from '../liqo/detect.js'
import {describeBlockers, enableBlockers} from '../model/convergence.js'
import {previewDisable, type DisableImpact, type PodDisruptionBudget} from '../model/impact.js'
import {clusterDisplayName, clusterOfNode, indexForeignClusters, type ClusterRef} from '../model/placement.js'
import {resolveForeignCluster, type MatchKind} from '../model/resolve.js'
import type {ForeignCluster, NamespaceOffloading, Node, Pod} from '../model/types.js'
import {retryConnectionErrors, waitFor} from '../wait/wait-for.js'
import type {AccessCheck} from './access.js'
import {clusterSources, describeAll, namespaceSources, reflectorsOf, snapshotOf} from './convergence.js'
import {evaluateNamespaces, type ConvergenceState} from '../model/convergence.js'

// --- peer list ------------------------------------------------------------------------------------

export interface PeerInfo {
  name: string
  clusterId: string
  clusterName: string
  outgoingEnabled: string
  outgoingPhase: string
  outgoingReason?: string
  incomingPhase: string
  virtualNode?: {name: string; ready: boolean; schedulable: boolean}
  pods: number
  createdAt: string
}

export interface PeerListResult {
  context: string
  peers: PeerInfo[]
}

export async function peerList(client: KubeClient): Promise<PeerListResult> {
  const [fcs, nodes] = await Promise.all([listForeignClusters(client), client.list('/api/v1/nodes', {}, toNode)])
  return {context: client.context, peers: await describePeers(client, fcs, nodes.items)}
}

/** Each ForeignCluster with its virtual node and the pods it hosts (callers have checked the API). */
export async function describePeers(client: KubeClient, fcs: ForeignCluster[], nodes: Node[]): Promise<PeerInfo[]> {
  const peers = await Promise.all(
    fcs.map(async (fc): Promise<PeerInfo> => {
      const node = nodes.find((n) => n.virtual && n.remoteClusterId === fc.clusterId)
      // One field-selected list per virtual node: the server filters, nothing is fetched per pod.
      const pods = node ? (await client.list('/api/v1/pods', {fieldSelector: `spec.nodeName=${node.name}`}, () => 0)).items.length : 0
      return {
        name: fc.name,
        clusterId: fc.clusterId,
        clusterName: fc.clusterName,
        outgoingEnabled: fc.outgoingEnabled,
        outgoingPhase: fc.outgoingPhase,
        ...(fc.outgoingReason ? {outgoingReason: fc.outgoingReason} : {}),
        incomingPhase: fc.incomingPhase,
        ...(node ? {virtualNode: {name: node.name, ready: node.ready, schedulable: !node.unschedulable && !node.deletionTimestamp}} : {}),
        pods,
        createdAt: fc.createdAt,
      }
    }),
  )
  return peers.sort((a, b) => a.name.localeCompare(b.name))
}

// --- plan ---------------------------------------------------------------------------------------

export type PeerAction = 'disable' | 'enable'

export interface PeerPlan {
  action: PeerAction
  context: string
  fc: ForeignCluster
  matchedBy: MatchKind[]
  cluster: ClusterRef
  /** spec.outgoingPeeringEnabled is already what the action sets. */
  alreadyDone: boolean
  /** disable: what gets evicted and where it can go. */
  impact?: DisableImpact
  /** disable: namespaces with pods on the cluster; enable: namespaces offloaded with Liqo. */
  namespaces: string[]
  /** disable: every pod of those namespaces before the change (namespace/name), to tell replacements apart. */
  existingPods: string[]
}

export async function listForeignClusters(client: KubeClient): Promise<ForeignCluster[]> {
  requirePeeringApi(await detectLiqo(client), client.context)
  return (await client.list(fcPath(), {}, toForeignCluster)).items
}

function toPdb(raw: Json): PodDisruptionBudget {
  return {
    namespace: raw.metadata?.namespace ?? '',
    name: raw.metadata?.name ?? '',
    matchLabels: raw.spec?.selector?.matchLabels ?? {},
    matchExpressions: raw.spec?.selector?.matchExpressions ?? [],
    disruptionsAllowed: raw.status?.disruptionsAllowed ?? 0,
  }
}

export async function planPeerChange(client: KubeClient, action: PeerAction, input: string, fcs?: ForeignCluster[]): Promise<PeerPlan> {
  const all = fcs ?? (await listForeignClusters(client))
  const {fc, matchedBy} = resolveForeignCluster(input, all, client.context)
  const target = action === 'disable' ? 'No' : 'Yes'
  const nodes = (await client.list('/api/v1/nodes', {}, toNode)).items
  const vnode = nodes.find((n) => n.virtual && n.remoteClusterId === fc.clusterId)
  const cluster: ClusterRef = vnode
    ? clusterOfNode(vnode.name, new Map(nodes.map((n) => [n.name, n])), indexForeignClusters(all))
    : {kind: 'remote', name: clusterDisplayName(fc), id: fc.clusterId, foreignCluster: fc.name}
  const plan: PeerPlan = {action, context: client.context, fc, matchedBy, cluster, alreadyDone: fc.outgoingEnabled === target, namespaces: [], existingPods: []}
  if (action === 'disable') {
    const pods: Pod[] = vnode ? (await client.list('/api/v1/pods', {fieldSelector: `spec.nodeName=${vnode.name}`}, toPod)).items : []
    const namespaces = [...new Set(pods.map((p) => p.namespace))].sort()
    const pdbs = (
      await Promise.all(namespaces.map((ns) => client.list(`/apis/policy/v1/namespaces/${encodeURIComponent(ns)}/poddisruptionbudgets`, {}, toPdb)))
    ).flatMap((r) => r.items)
    plan.impact = previewDisable(fc, pods, nodes, all, pdbs)
    plan.namespaces = namespaces
    const existing = await Promise.all(namespaces.map((ns) => client.list(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, {}, (raw) => `${ns}/${raw.metadata?.name}`)))
    plan.existingPods = existing.flatMap((r) => r.items).sort()
  } else {
    const nsos = (await client.list(nsOffloadingPath(), {}, toNamespaceOffloading)).items
    plan.namespaces = nsos.filter((n) => n.name === 'offloading' && !n.deletionTimestamp).map((n) => n.namespace).sort()
  }
  return plan
}

/** What the change needs to be allowed to do. */
export function peerAccessChecks(plan: PeerPlan): AccessCheck[] {
  return [{verb: 'patch', group: FOREIGN_CLUSTER.group, resource: FOREIGN_CLUSTER.plural, name: plan.fc.name}]
}

// --- apply + wait -------------------------------------------------------------------------------

export interface TimelineEvent {
  /** Milliseconds since the patch. */
  at: number
  kind: 'patched' | 'peering' | 'evicted' | 'deleted' | 'replacement-scheduled' | 'replacement-ready' | 'node' | 'remote-namespace' | 'converged'
  text: string
  pod?: string
  cluster?: string
}

export interface MovedPod {
  namespace: string
  pod: string
  from: string
  evictedAt?: number
  goneAt?: number
  replacement?: {pod: string; cluster: string; scheduledAt?: number; readyAt?: number; readySince?: string}
}

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

export interface ApplyOptions {
  wait: boolean
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onProgress?: (m: string) => void
  onConnection?: (connected: boolean, detail: string) => void
}

/**
 * JSON merge patch of spec.outgoingPeeringEnabled, guarded by the resourceVersion the plan was
 * made from; on 409 Conflict it re-reads the ForeignCluster and retries (or stops if someone
 * already set the value).
 */
export async function patchOutgoing(client: KubeClient, fc: ForeignCluster, value: 'Yes' | 'No'): Promise<{changed: boolean; attempts: number}> {
  let rv = fc.resourceVersion
  const attempts = 10
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await client.patch(fcPath(fc.name), {metadata: {resourceVersion: rv}, spec: {outgoingPeeringEnabled: value}}, 'merge', {
        what: `patch ${FOREIGN_CLUSTER.plural}.${FOREIGN_CLUSTER.group} ${fc.name}`,
      })
      return {changed: true, attempts: attempt}
    } catch (e) {
      if (!(e instanceof ApiError && e.isConflict)) throw e
      // Jittered backoff, as client-go's RetryOnConflict (20ms, 40ms, … up to ~1s), then a fresh
      // read right before the next attempt, so the guard is as current as it can be.
      await sleep(Math.min(20 * 2 ** (attempt - 1), 1000) * (0.75 + Math.random() / 2))
      const fresh = await client.getOrNull(fcPath(fc.name))
      if (!fresh) throw new UserError(`ForeignCluster "${fc.name}" was deleted while changing it`)
      if (fresh.spec?.outgoingPeeringEnabled === value) return {changed: false, attempts: attempt}
      rv = fresh.metadata?.resourceVersion
    }
  }
  throw new UserError(`ForeignCluster "${fc.name}" kept changing under us (${attempts} conflicts in a row)`, 'something else is updating it; try again')
}

export async function applyPeerChange(client: KubeClient, plan: PeerPlan, o: ApplyOptions): Promise<PeerChangeResult> {
  const start = o.clock.now()
  const value = plan.action === 'disable' ? 'No' : 'Yes'
  const since = () => o.clock.now() - start
  const timeline: TimelineEvent[] = []
  let patched = false
  if (!plan.alreadyDone) {
    patched = (await patchOutgoing(client, plan.fc, value)).changed
    timeline.push({at: 0, kind: 'patched', text: `outgoingPeeringEnabled set to "${value}" on ForeignCluster ${plan.fc.name}`, cluster: plan.cluster.name})
  }
  const result: PeerChangeResult = {plan, patched, waited: false, converged: false, elapsedMs: 0, timeline, moved: []}
  if (!o.wait) return result
  result.waited = true
  const r = plan.action === 'disable' ? await waitDisabled(client, plan, o, start, timeline, result) : await waitEnabled(client, plan, o, start, timeline)
  result.converged = true
  result.elapsedMs = r
  timeline.push({at: r, kind: 'converged', text: plan.action === 'disable' ? 'rescheduling converged' : 'peering ready'})
  return result
}

/** Records each change of the peering's phase (or its reason) on the timeline. */
function peeringPhaseTracker(plan: PeerPlan, timeline: TimelineEvent[]): (changes: Array<Change<ForeignCluster>>, at: number) => void {
  let last = `${plan.fc.outgoingPhase}/${plan.fc.outgoingReason}`
  return (changes, at) => {
    const fc = changes.find((c) => c.obj.name === plan.fc.name)?.obj
    if (!fc || `${fc.outgoingPhase}/${fc.outgoingReason}` === last) return
    last = `${fc.outgoingPhase}/${fc.outgoingReason}`
    timeline.push({at, kind: 'peering', text: `peering with ${plan.cluster.name}: ${fc.outgoingPhase}${fc.outgoingReason ? ` (${fc.outgoingReason})` : ''}`, cluster: plan.cluster.name})
  }
}

async function waitDisabled(client: KubeClient, plan: PeerPlan, o: ApplyOptions, start: number, timeline: TimelineEvent[], result: PeerChangeResult): Promise<number> {
  const policy = retryConnectionErrors(o.onConnection)
  const ns = plan.namespaces.map((n) => namespaceSources(client, n, policy))
  const cluster = clusterSources(client, policy)
  const awayFrom = {clusterId: plan.fc.clusterId, name: plan.cluster.name}
  const leaving = new Map<string, MovedPod>()
  for (const p of plan.impact?.pods ?? []) {
    leaving.set(`${p.namespace}/${p.name}`, {namespace: p.namespace, pod: p.name, from: plan.cluster.name})
  }
  const ownersOfLeaving = new Map<string, string[]>() // owner uid → leaving pod keys (filled on first sight)
  const replacements = new Map<string, {pod: Pod; scheduledAt?: number; readyAt?: number}>()
  const existing = new Set(plan.existingPods)
  const peering = peeringPhaseTracker(plan, timeline)
  const clusterName = (nodeName?: string) => clusterOfNode(nodeName, new Map([...cluster.nodes.store.values()].map((n) => [n.name, n])), indexForeignClusters([...cluster.fcs.store.values()])).name

  const onPods = (changes: Array<Change<Pod>>, at: number) => {
    for (const c of changes) {
      const k = c.key
      const moved = leaving.get(k)
      if (moved) {
        if (c.obj.owner) ownersOfLeaving.set(c.obj.owner.uid, [...(ownersOfLeaving.get(c.obj.owner.uid) ?? []).filter((x) => x !== k), k])
        if (c.obj.deletionTimestamp && moved.evictedAt === undefined) {
          moved.evictedAt = at
          timeline.push({at, kind: 'evicted', text: `pod ${c.obj.name} evicted from ${moved.from}`, pod: c.obj.name, cluster: moved.from})
        }
        if (c.type === 'DELETED' && moved.goneAt === undefined) moved.goneAt = at
        continue
      }
      if (existing.has(k) || c.type === 'DELETED') continue
      const rep = replacements.get(k) ?? {pod: c.obj}
      rep.pod = c.obj
      if (c.obj.nodeName && rep.scheduledAt === undefined) {
        rep.scheduledAt = at
        timeline.push({at, kind: 'replacement-scheduled', text: `pod ${c.obj.name} scheduled on ${clusterName(c.obj.nodeName)}`, pod: c.obj.name, cluster: clusterName(c.obj.nodeName)})
      }
      if (c.obj.ready && rep.readyAt === undefined) {
        rep.readyAt = at
        timeline.push({at, kind: 'replacement-ready', text: `pod ${c.obj.name} Ready on ${clusterName(c.obj.nodeName)}`, pod: c.obj.name, cluster: clusterName(c.obj.nodeName)})
      }
      replacements.set(k, rep)
    }
  }

  const r = await waitFor<ConvergenceState>({
    reflectors: reflectorsOf(ns, cluster),
    evaluate: () => {
      const snap = snapshotOf(ns, cluster, {awayFrom})
      const state = evaluateNamespaces(snap.namespaces, snap.cluster)
      return {done: state.converged, message: describeAll(state, plan.namespaces, awayFrom), pending: describeBlockers(state), result: state}
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `the topology to converge after disabling ${plan.cluster.name}`,
    hint: 'run "liqo-topology pods where" to see what is left; Pending pods mean no eligible cluster remains',
    onChange: (source, changes, at) => {
      const t = at - start
      if (ns.some((s) => s.pods === source)) onPods(changes as Array<Change<Pod>>, t)
      if (source === cluster.fcs) peering(changes as Array<Change<ForeignCluster>>, t)
      if (source === cluster.nodes) {
        for (const c of changes as Array<Change<Node>>) {
          if (c.type === 'DELETED' && c.obj.remoteClusterId === plan.fc.clusterId) timeline.push({at: t, kind: 'node', text: `virtual node ${c.obj.name} deleted`, cluster: plan.cluster.name})
        }
      }
    },
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
  result.final = r.result
  result.peeringPhase = cluster.fcs.store.get(plan.fc.name)?.outgoingPhase ?? 'None'
  // Pair each pod that left with a replacement of the same owner, in order.
  const reps = [...replacements.values()].sort((a, b) => a.pod.createdAt.localeCompare(b.pod.createdAt) || a.pod.name.localeCompare(b.pod.name))
  const used = new Set<string>()
  for (const moved of [...leaving.values()].sort((a, b) => (a.evictedAt ?? 0) - (b.evictedAt ?? 0))) {
    const ownerUid = [...ownersOfLeaving.entries()].find(([, keys]) => keys.includes(`${moved.namespace}/${moved.pod}`))?.[0]
    const rep = reps.find((x) => !used.has(x.pod.name) && x.pod.namespace === moved.namespace && x.pod.owner?.uid === ownerUid)
    if (rep) {
      used.add(rep.pod.name)
      moved.replacement = {
        pod: rep.pod.name,
        cluster: clusterName(rep.pod.nodeName),
        ...(rep.scheduledAt !== undefined ? {scheduledAt: rep.scheduledAt} : {}),
        ...(rep.readyAt !== undefined ? {readyAt: rep.readyAt} : {}),
        ...(rep.pod.readySince ? {readySince: rep.pod.readySince} : {}),
      }
    }
    result.moved.push(moved)
  }
  timeline.sort((a, b) => a.at - b.at)
  return o.clock.now() - start
}

async function waitEnabled(client: KubeClient, plan: PeerPlan, o: ApplyOptions, start: number, timeline: TimelineEvent[]): Promise<number> {
  const policy = retryConnectionErrors(o.onConnection)
  const cluster = clusterSources(client, policy)
  const nsos = new Reflector(client, nsOffloadingPath(), {...policy, map: toNamespaceOffloading})
  const peering = peeringPhaseTracker(plan, timeline)
  let nodeReady = false
  const readyNs = new Set<string>()
  await waitFor<null>({
    reflectors: [cluster.fcs, cluster.nodes, nsos],
    evaluate: () => {
      const fc = cluster.fcs.store.get(plan.fc.name)
      const blockers = enableBlockers(fc, [...cluster.nodes.store.values()], [...nsos.store.values()] as NamespaceOffloading[])
      const message = blockers.length
        ? `Waiting for ${plan.cluster.name}: ${blockers.map((b) => b.detail).join(', ')}`
        : `${plan.cluster.name} ready: peering Established, virtual node Ready${plan.namespaces.length ? `, remote namespaces Ready (${plan.namespaces.join(', ')})` : ''}`
      return {done: blockers.length === 0, message, pending: blockers.map((b) => `${b.subject}: ${b.detail}`), result: null}
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `the peering with ${plan.cluster.name} to be ready`,
    hint: 'check "liqo-topology peer list" and the Liqo controller logs',
    onChange: (source, changes, at, initial) => {
      if (initial) return // the state we started from, not something that happened
      const t = at - start
      if (source === cluster.fcs) peering(changes as Array<Change<ForeignCluster>>, t)
      if (source === cluster.nodes) {
        const n = (changes as Array<Change<Node>>).find((c) => c.obj.remoteClusterId === plan.fc.clusterId && c.type !== 'DELETED')?.obj
        if (n && n.ready && !n.unschedulable && !nodeReady) {
          nodeReady = true
          timeline.push({at: t, kind: 'node', text: `virtual node ${n.name} Ready`, cluster: plan.cluster.name})
        }
      }
      if (source === nsos) {
        for (const c of changes as Array<Change<NamespaceOffloading>>) {
          const ok = (c.obj.remoteConditions[plan.fc.clusterId] ?? []).some((x) => x.type === 'Ready' && x.status === 'True')
          if (ok && !readyNs.has(c.obj.namespace)) {
            readyNs.add(c.obj.namespace)
            timeline.push({at: t, kind: 'remote-namespace', text: `remote namespace for ${c.obj.namespace} Ready on ${plan.cluster.name}`, cluster: plan.cluster.name})
          }
        }
      }
    },
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
  timeline.sort((a, b) => a.at - b.at)
  return o.clock.now() - start
}
