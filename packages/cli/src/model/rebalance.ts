/**
 * The plan of `rebalance`: which clusters a namespace's pods may run on (the NamespaceOffloading's
 * strategy and clusterSelector, each virtual node Ready for a stabilisation window, the pods' own
 * constraints), the spread aimed for per controller (even across those clusters, or the workload's
 * own topologySpreadConstraints), the pods to move and from where, the clusters to keep new pods
 * off during the move, and the PodDisruptionBudgets in the way. Pure. (The clusters' eligibility:
 * ./rebalance-clusters.ts.)
 */
import {selects, type PodDisruptionBudget} from './impact.js'
import {clusterKey, clusterOfNode, indexForeignClusters, isLive, type ClusterRef} from './placement.js'
import {matchesRequirement, podFitsNode} from './scheduling.js'
import {clustersOf, eligibility, type ClusterEligibility} from './rebalance-clusters.js'
import type {ForeignCluster, NamespaceOffloading, Node, OwnerRef, Pod, PodScheduling, TopologySpread} from './types.js'
import {byName} from '../toolkit/text.js'

export interface RebalanceInput {
  /** The pods of the namespaces in scope. */
  pods: Pod[]
  nodes: Node[]
  fcs: ForeignCluster[]
  /** The NamespaceOffloadings of the namespaces in scope (a namespace without one is not offloaded). */
  offloadings: NamespaceOffloading[]
  pdbs: PodDisruptionBudget[]
  /** Pods of other namespaces waiting to be scheduled: a cordon during the move keeps them off too. */
  pendingElsewhere?: Pod[]
  now: number
  stableForMs: number
  maxUnavailable: number
}

export interface SpreadSlot {
  /** The cluster's name, or the topology domain (a node label's value). */
  domain: string
  clusters: string[]
  now: number
  target: number
}

export interface PlannedMove {
  namespace: string
  pod: string
  from: ClusterRef
  /** Where it should go: the clusters (or domains) below their target. */
  to: string[]
}

export interface ControllerPlan {
  namespace: string
  owner: OwnerRef
  pods: number
  /** The spread aimed for, for people: "even across 2 clusters", "topologySpreadConstraints zone maxSkew 1". */
  aim: string
  spread: SpreadSlot[]
  moves: PlannedMove[]
  /** Remote clusters that receive nothing: kept from new pods (cordoned) while its pods move. */
  cordon: ClusterRef[]
  /** How many of its pods are evicted at once. */
  batch: number
  /** The budgets that select its pods (namespace/name). */
  budgets: string[]
  /** A budget that allows no eviction although every pod is Ready: nothing of it can move. */
  blocked?: {budget: string; detail: string}
  /** Left alone, and why (not settled, a single cluster, …). */
  skipped?: string
}

export interface NamespaceClusters {
  namespace: string
  strategy: string
  clusters: ClusterEligibility[]
}

export interface RebalancePlan {
  namespaces: NamespaceClusters[]
  controllers: ControllerPlan[]
  /** Pods of other namespaces, Pending, that a cordon of the move would keep off a cluster. */
  heldBack: string[]
  warnings: string[]
}

/** The first of the pods' topologySpreadConstraints that selects them. */
function spreadOf(s: PodScheduling, labels: Record<string, string>): TopologySpread | undefined {
  return s.spread?.find(
    (c) =>
      c.matchExpressions.every((r) => matchesRequirement(labels, r)) &&
      Object.entries(c.matchLabels).every(([k, v]) => labels[k] === v),
  )
}

/**
 * From the counts per domain, the counts aimed for: one pod at a time from the fullest domain to
 * the emptiest until no two differ by more than maxSkew (the fewest moves; ties by name).
 */
export function spreadTargets(counts: Map<string, number>, maxSkew: number): Map<string, number> {
  const t = new Map(counts)
  const names = [...t.keys()].sort(byName)
  for (;;) {
    const full = names.reduce((a, b) => (t.get(b)! > t.get(a)! ? b : a), names[0]!)
    const empty = names.reduce((a, b) => (t.get(b)! < t.get(a)! ? b : a), names[0]!)
    if (names.length < 2 || t.get(full)! - t.get(empty)! <= maxSkew) return t
    t.set(full, t.get(full)! - 1)
    t.set(empty, t.get(empty)! + 1)
  }
}

interface Domains {
  aim: string
  maxSkew: number
  /** Domain of a node (undefined: the node is in no domain the spread counts). */
  of: (node: string) => string | undefined
  /** Every domain, with the clusters it spans. */
  all: Map<string, Set<string>>
}

function domainsFor(
  eligible: ClusterEligibility[],
  scheduling: PodScheduling,
  labels: Record<string, string>,
): Domains {
  const fitting = eligible.flatMap((c) =>
    c.nodes.filter((n) => podFitsNode(scheduling, n).fits).map((n) => ({n, cluster: c.cluster.name})),
  )
  const all = new Map<string, Set<string>>()
  const byNode = new Map<string, string>()
  const constraint = spreadOf(scheduling, labels)
  for (const {n, cluster} of fitting) {
    const domain = constraint ? n.labels[constraint.topologyKey] : cluster
    if (domain === undefined) continue
    byNode.set(n.name, domain)
    all.set(domain, (all.get(domain) ?? new Set()).add(cluster))
  }
  const aim = constraint
    ? `topologySpreadConstraints ${constraint.topologyKey} maxSkew ${constraint.maxSkew}`
    : `even across ${all.size} cluster${all.size === 1 ? '' : 's'}`
  return {aim, maxSkew: constraint?.maxSkew ?? 1, of: (node) => byNode.get(node), all}
}

/** One controller's pods: the spread, the moves, the cordons and budgets. */
/** What every controller of a namespace is planned against. */
export interface ControllerContext {
  /** The clusters the namespace's pods may run on now. */
  eligible: ClusterEligibility[]
  pdbs: PodDisruptionBudget[]
  maxUnavailable: number
  clusterOf: (node?: string) => ClusterRef
}

export function planController(pods: Pod[], x: ControllerContext): ControllerPlan {
  const {eligible, pdbs, maxUnavailable, clusterOf} = x
  const first = pods[0]!
  const base = {
    namespace: first.namespace,
    owner: first.owner!,
    pods: pods.length,
    spread: [],
    moves: [],
    cordon: [],
    batch: 0,
    budgets: [],
  }
  const settled = pods.filter((p) => p.nodeName && p.ready && !p.deletionTimestamp).length
  if (settled < pods.length)
    return {...base, aim: '-', skipped: `not settled: ${settled}/${pods.length} pods Ready (run again once they are)`}
  const d = domainsFor(eligible, first.scheduling, first.labels)
  if (d.all.size < 2)
    return {
      ...base,
      aim: d.aim,
      skipped: d.all.size ? 'a single cluster may take its pods' : 'no eligible cluster takes its pods',
    }
  const inDomain = new Map<string, Pod[]>([...d.all.keys()].map((k) => [k, []]))
  for (const p of pods) {
    const domain = d.of(p.nodeName!)
    if (domain !== undefined) inDomain.get(domain)!.push(p)
  }
  const targets = spreadTargets(new Map([...inDomain].map(([k, v]) => [k, v.length])), d.maxSkew)
  const receivers = [...targets].filter(([k, t]) => t > inDomain.get(k)!.length).map(([k]) => k)
  const moves: PlannedMove[] = []
  for (const [domain, here] of inDomain) {
    const extra = here.length - targets.get(domain)!
    // The newest pods go first, as a ReplicaSet scaling down picks them.
    const chosen = [...here]
      .sort((a, b) => byName(b.createdAt, a.createdAt) || byName(a.name, b.name))
      .slice(0, Math.max(0, extra))
    for (const p of chosen)
      moves.push({namespace: p.namespace, pod: p.name, from: clusterOf(p.nodeName), to: receivers})
  }
  moves.sort((a, b) => byName(a.pod, b.pod))
  const spread = [...inDomain]
    .map(([domain, here]) => ({
      domain,
      clusters: [...d.all.get(domain)!].sort(byName),
      now: here.length,
      target: targets.get(domain)!,
    }))
    .sort((a, b) => byName(a.domain, b.domain))
  const receiving = new Set(receivers.flatMap((r) => [...d.all.get(r)!]))
  const cordon = moves.length
    ? eligible
        .filter(
          (c) =>
            c.cluster.kind === 'remote' &&
            d.all.size &&
            !receiving.has(c.cluster.name) &&
            [...d.all.values()].some((s) => s.has(c.cluster.name)),
        )
        .map((c) => c.cluster)
    : []
  const mine = pdbs.filter((b) => b.namespace === first.namespace && pods.some((p) => selects(b, p.labels)))
  const plan: ControllerPlan = {
    ...base,
    aim: d.aim,
    spread,
    moves,
    cordon,
    batch: Math.max(1, Math.min(maxUnavailable, ...mine.map((b) => b.disruptionsAllowed).filter((n) => n > 0))),
    budgets: mine.map((b) => `${b.namespace}/${b.name}`),
  }
  const stop = moves.length ? mine.find((b) => b.disruptionsAllowed < 1) : undefined
  if (stop) plan.blocked = {budget: `${stop.namespace}/${stop.name}`, detail: budgetDetail(stop)}
  return plan
}

function budgetDetail(b: PodDisruptionBudget): string {
  const counts = b.expectedPods
    ? `: needs ${b.desiredHealthy} healthy of ${b.expectedPods} pods, ${b.currentHealthy} are`
    : ''
  return `allows ${b.disruptionsAllowed} disruption(s)${counts}`
}

export function planRebalance(i: RebalanceInput): RebalancePlan {
  const clusters = clustersOf(i.nodes, i.fcs)
  const byId = indexForeignClusters(i.fcs)
  const nodeMap = new Map(i.nodes.map((n) => [n.name, n]))
  const clusterOf = (node?: string) => clusterOfNode(node, nodeMap, byId)
  const live = i.pods.filter(isLive)
  const namespaces = [...new Set([...live.map((p) => p.namespace), ...i.offloadings.map((o) => o.namespace)])].sort(
    byName,
  )
  const warnings: string[] = []
  const out: RebalancePlan = {namespaces: [], controllers: [], heldBack: [], warnings}
  for (const ns of namespaces) {
    const nso = i.offloadings.find((o) => o.namespace === ns)
    // A namespace Liqo does not offload runs on the local cluster only: nothing to spread.
    if (!nso) continue
    const elig = clusters.map((c) =>
      eligibility(c, {nso, fc: c.ref.id ? byId.get(c.ref.id) : undefined, now: i.now, stableForMs: i.stableForMs}),
    )
    out.namespaces.push({namespace: ns, strategy: nso.podStrategy, clusters: elig})
    const pods = live.filter((p) => p.namespace === ns)
    const orphans = pods.filter((p) => !p.owner)
    if (orphans.length)
      warnings.push(
        `${orphans.length} pod(s) of ${ns} have no controller and stay where they ` +
          `are: ${orphans.map((p) => p.name).join(', ')}`,
      )
    const groups = new Map<string, Pod[]>()
    for (const p of pods) if (p.owner) groups.set(p.owner.uid, [...(groups.get(p.owner.uid) ?? []), p])
    for (const group of groups.values()) {
      out.controllers.push(
        planController(group, {
          eligible: elig.filter((e) => e.state === 'eligible'),
          pdbs: i.pdbs,
          maxUnavailable: i.maxUnavailable,
          clusterOf,
        }),
      )
    }
  }
  out.controllers.sort((a, b) => byName(a.namespace, b.namespace) || byName(a.owner.name, b.owner.name))
  const cordoned = new Set(out.controllers.flatMap((c) => c.cordon.map((x) => x.id)))
  const cordonedNodes = i.nodes.filter((n) => n.virtual && n.remoteClusterId && cordoned.has(n.remoteClusterId))
  out.heldBack = (i.pendingElsewhere ?? [])
    .filter((p) => !p.nodeName && cordonedNodes.some((n) => podFitsNode(p.scheduling, n).fits))
    .map((p) => `${p.namespace}/${p.name}`)
  return out
}

/** Every move of the plan. */
export function movesOf(plan: RebalancePlan): PlannedMove[] {
  return plan.controllers.flatMap((c) => c.moves)
}

/** The clusters that count later: stabilising, with how long until they do. */
export function stabilising(plan: RebalancePlan): ClusterEligibility[] {
  const seen = new Map<string, ClusterEligibility>()
  for (const ns of plan.namespaces)
    for (const c of ns.clusters) if (c.state === 'stabilising') seen.set(clusterKey(c.cluster), c)
  return [...seen.values()]
}
