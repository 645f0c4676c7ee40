/**
 * What disabling a peering will do, before doing it: which pods get evicted from the cluster's
 * virtual node, where their replacements can be scheduled (same constraints, remaining nodes), and
 * which will stay Pending because no eligible cluster remains. Pure.
 */
import {clusterKey, clusterOfNode, compareClusters, indexForeignClusters, isLive, type ClusterRef} from './placement.js'
import {matchesRequirement, podFitsNode} from './scheduling.js'
import type {ForeignCluster, Node, Pod} from './types.js'

/** 'daemonset': a DaemonSet's pod the drain evicts too; its DaemonSet runs pods on its own nodes only. */
export type EvictionOutcome = 'rescheduled' | 'pending' | 'not-replaced' | 'daemonset'

export interface EvictionImpact {
  namespace: string
  name: string
  owner?: string
  outcome: EvictionOutcome
  /** Clusters with at least one node the replacement fits on. */
  destinations: ClusterRef[]
  /** When pending: why each remaining node was rejected (deduplicated). */
  reasons: string[]
}

export interface PodDisruptionBudget {
  namespace: string
  name: string
  matchLabels: Record<string, string>
  matchExpressions: Array<{key: string; operator: string; values?: string[]}>
  disruptionsAllowed: number
  /** The disruption controller's counts (absent in hand-made budgets: treated as unknown). */
  currentHealthy?: number
  desiredHealthy?: number
  expectedPods?: number
}

/** How the Liqo release drains a virtual node, where it shows in a preview (src/liqo/versions.ts). */
export interface DrainBehaviour {
  /** The Liqo release it applies to, e.g. "Liqo v1.0.1" ("Liqo v1 (release not read)" when unknown). */
  release: string
  /** Whether the drain evicts DaemonSet pods too (Liqo v1.0, v1.1) or leaves them to go with the node (v1.2). */
  evictsDaemonSetPods: boolean
}

export interface DisableImpact {
  cluster: ClusterRef
  /** The first of virtualNodes. */
  virtualNode?: string
  /** Every virtual node of the cluster (Liqo v1: one per ResourceSlice). */
  virtualNodes: string[]
  pods: EvictionImpact[]
  /** Clusters that stay available after the change. */
  remaining: ClusterRef[]
  /** What the release's drain does differently (e.g. DaemonSet pods it leaves in place). */
  notes: string[]
  warnings: string[]
}

/** Is this node still usable once `leaving` is disabled? */
function staysAvailable(node: Node, leavingId: string, fcsById: Map<string, ForeignCluster>): boolean {
  if (!node.virtual) return true
  if (node.remoteClusterId === leavingId) return false
  const fc = node.remoteClusterId ? fcsById.get(node.remoteClusterId) : undefined
  return !!fc && fc.outgoingEnabled !== 'No' && fc.outgoingPhase === 'Established'
}

/** Does the budget select a pod with these labels? */
export function selects(pdb: PodDisruptionBudget, labels: Record<string, string>): boolean {
  const exprsOk = pdb.matchExpressions.every((r) => matchesRequirement(labels, r))
  return exprsOk && Object.entries(pdb.matchLabels).every(([k, v]) => labels[k] === v)
}

/** The pods the drain evicts, and notes on the DaemonSet pods it leaves in place (per the release). */
function splitDaemonSetPods(pods: Pod[], drain: DrainBehaviour | undefined): {evicted: Pod[]; notes: string[]} {
  const kept = (p: Pod) => !!drain && !drain.evictsDaemonSetPods && p.owner?.kind === 'DaemonSet'
  return {
    evicted: pods.filter((p) => !kept(p)),
    notes: pods
      .filter(kept)
      .map(
        (p) =>
          `DaemonSet pod ${p.namespace}/${p.name} is not evicted (${drain!.release}'s drain skips DaemonSet pods); ` +
          'it goes when the virtual node is deleted.',
      ),
  }
}

/** What every evicted pod of one preview is checked against. */
interface ImpactContext {
  /** The nodes that stay available. */
  candidates: Node[]
  nodeMap: Map<string, Node>
  byId: Map<string, ForeignCluster>
  drain: DrainBehaviour | undefined
}

/** One evicted pod: where its replacement can go, or why it has none. */
function podImpact(p: Pod, x: ImpactContext): EvictionImpact {
  const {candidates, nodeMap, byId, drain} = x
  const owner = p.owner ? `${p.owner.kind}/${p.owner.name}` : undefined
  const base = {namespace: p.namespace, name: p.name, ...(owner ? {owner} : {})}
  if (drain && p.owner?.kind === 'DaemonSet')
    return {
      ...base,
      outcome: 'daemonset',
      destinations: [],
      reasons: [`${drain.release}'s drain evicts DaemonSet pods too`],
    }
  if (!p.owner) {
    return {
      ...base,
      outcome: 'not-replaced',
      destinations: [],
      reasons: ['no controller owns it: evicted pods are not recreated'],
    }
  }
  const dest = new Map<string, ClusterRef>()
  const reasons = new Set<string>()
  for (const n of candidates) {
    const fit = podFitsNode(p.scheduling, n)
    const cluster = clusterOfNode(n.name, nodeMap, byId)
    if (fit.fits) dest.set(clusterKey(cluster), cluster)
    else reasons.add(`${cluster.name} (${n.name}): ${fit.reason}`)
  }
  const destinations = [...dest.values()].sort(compareClusters)
  return {
    ...base,
    outcome: destinations.length ? 'rescheduled' : 'pending',
    destinations,
    reasons: destinations.length ? [] : candidates.length ? [...reasons].sort() : ['no other node is available'],
  }
}

/** What a preview of disabling one peering reads. */
export interface DisablePreviewInput {
  /** The pods of every namespace the preview covers (those on the leaving cluster are evicted). */
  pods: Pod[]
  nodes: Node[]
  /** Every peering, the leaving one included. */
  fcs: ForeignCluster[]
  pdbs?: PodDisruptionBudget[]
  /** How the Liqo release drains (absent: as Liqo v0.x, which evicts every pod). */
  drain?: DrainBehaviour
}

export function previewDisable(fc: ForeignCluster, i: DisablePreviewInput): DisableImpact {
  const {pods: allPods, nodes, fcs, pdbs = [], drain} = i
  const byId = indexForeignClusters(fcs)
  const nodeMap = new Map(nodes.map((n) => [n.name, n]))
  const leavingNodes = nodes.filter((n) => n.virtual && n.remoteClusterId === fc.clusterId)
  const leavingNames = new Set(leavingNodes.map((n) => n.name))
  const candidates = nodes.filter((n) => staysAvailable(n, fc.clusterId, byId))
  const onLeaving = allPods.filter((p) => p.nodeName && leavingNames.has(p.nodeName) && isLive(p))
  const {evicted, notes} = splitDaemonSetPods(onLeaving, drain)
  const pods = evicted.map((p) => podImpact(p, {candidates, nodeMap, byId, drain}))

  const remaining = new Map<string, ClusterRef>()
  for (const n of candidates) {
    const c = clusterOfNode(n.name, nodeMap, byId)
    remaining.set(clusterKey(c), c)
  }

  const warnings: string[] = []
  const pending = pods.filter((p) => p.outcome === 'pending')
  if (pending.length) {
    warnings.push(
      `${pending.length} of ${pods.length} evicted pod(s) would stay Pending: no eligible cluster remains for them`,
    )
  }
  const lost = pods.filter((p) => p.outcome === 'not-replaced')
  if (lost.length)
    warnings.push(
      `${lost.length} pod(s) have no controller and will be deleted without ` +
        `replacement: ${lost.map((p) => `${p.namespace}/${p.name}`).join(', ')}`,
    )
  for (const pdb of pdbs) {
    const hit = evicted.filter((p) => p.namespace === pdb.namespace && selects(pdb, p.labels)).length
    if (hit > pdb.disruptionsAllowed)
      warnings.push(
        `PodDisruptionBudget ${pdb.namespace}/${pdb.name} allows ${pdb.disruptionsAllowed} disruption(s) now; ` +
          `evicting ${hit} of its pods will wait for replacements (or block if none can become Ready)`,
      )
  }

  const cluster = clusterOfNode(leavingNodes[0]?.name, nodeMap, byId)
  return {
    cluster: leavingNodes.length
      ? cluster
      : {kind: 'remote', name: fc.clusterName || fc.name, id: fc.clusterId, foreignCluster: fc.name},
    ...(leavingNodes[0] ? {virtualNode: leavingNodes[0].name} : {}),
    virtualNodes: leavingNodes.map((n) => n.name).sort(),
    pods,
    remaining: [...remaining.values()].sort(compareClusters),
    notes,
    warnings,
  }
}

/** Pods whose eviction needs --force: left Pending, or not replaced at all (a DaemonSet's pod is its own case). */
export function needsForce(pods: EvictionImpact[]): EvictionImpact[] {
  return pods.filter((p) => p.outcome === 'pending' || p.outcome === 'not-replaced')
}

/**
 * What switching several clusters off in turn does to pods outside `namespace` (cleanup's last
 * steps): each cluster's pods are evicted, and their replacements can only go to nodes that stay
 * (the local cluster, and peerings the cleanup does not switch off). Pure.
 */
export interface DisableAllInput {
  namespace: string
  /** The pods on the clusters that leave, of every namespace. */
  pods: Pod[]
  nodes: Node[]
  fcs: ForeignCluster[]
  pdbs?: PodDisruptionBudget[]
}

export function previewDisableAll(leaving: ForeignCluster[], o: DisableAllInput): EvictionImpact[] {
  const {namespace, nodes, fcs, pdbs = []} = o
  const allPods = o.pods
  const ids = new Set(leaving.map((f) => f.clusterId))
  // Every cluster the cleanup switches off counts as gone for the others' replacements.
  const after = fcs.map((f) => (ids.has(f.clusterId) ? {...f, outgoingEnabled: 'No'} : f))
  const others = allPods.filter((p) => p.namespace !== namespace)
  return leaving.flatMap((fc) => previewDisable(fc, {pods: others, nodes, fcs: after, pdbs}).pods)
}
