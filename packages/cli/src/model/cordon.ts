/**
 * Cordons of a remote cluster: a NoSchedule taint of ours on each of its virtual nodes keeps new
 * pods off it while the running ones stay (the scheduler checks NoSchedule taints at binding only).
 * One taint key per holder, so that a holder lifts its own cordon and no other: `peer cordon`'s
 * ("cordon"), the one a `peer disable` puts up while Liqo drains ("disable"), a rebalance's
 * ("rebalance"). How a generation of Liqo gets the taint onto its nodes is the adapter's business
 * (src/liqo/); this is the pure part. Imports nothing but types.
 */
import type {CordonHolder, Node, Taint} from './types.js'

export type {CordonHolder} from './types.js'

export const CORDON_HOLDERS: readonly CordonHolder[] = ['cordon', 'disable', 'rebalance']

/** The prefix of our taint keys (a qualified name's prefix, as Kubernetes validates taint keys). */
export const CORDON_TAINT_PREFIX = 'liqo-topology/'

/** The taint that stands for `holder`'s cordon. */
export function cordonTaint(holder: CordonHolder): Taint {
  return {key: `${CORDON_TAINT_PREFIX}${holder}`, value: 'true', effect: 'NoSchedule'}
}

/** The holders of the cordons among `taints`, in CORDON_HOLDERS' order. */
export function cordonHolders(taints: ReadonlyArray<{key?: string; effect?: string}>): CordonHolder[] {
  return CORDON_HOLDERS.filter((h) => taints.some((t) => t.key === cordonTaint(h).key && t.effect === 'NoSchedule'))
}

/**
 * `taints` with `holder`'s cordon put up (`on`) or lifted, the others kept as they are (raw objects
 * included); undefined when nothing changes.
 */
export function withCordon<T extends {key?: string; effect?: string}>(
  taints: readonly T[],
  holder: CordonHolder,
  on: boolean,
): Array<T | Taint> | undefined {
  const mine = cordonTaint(holder)
  const has = taints.some((t) => t.key === mine.key && t.effect === mine.effect)
  if (has === on) return undefined
  return on ? [...taints, mine] : taints.filter((t) => !(t.key === mine.key && t.effect === mine.effect))
}

/** The virtual nodes that stand for the cluster now (present, not being deleted). */
export function clusterVirtualNodes(nodes: readonly Node[], clusterId: string): Node[] {
  return nodes.filter((n) => n.virtual && n.remoteClusterId === clusterId && !n.deletionTimestamp)
}

/**
 * Whether `holder`'s cordon is in force (`on`) or gone from every virtual node of the cluster: what
 * the scheduler sees. True when the cluster has no virtual node left.
 */
export function cordonInForce(nodes: readonly Node[], clusterId: string, holder: CordonHolder, on: boolean): boolean {
  return clusterVirtualNodes(nodes, clusterId).every((n) => cordonHolders(n.taints).includes(holder) === on)
}

/** The virtual nodes of the cluster where `holder`'s cordon is not yet as wanted (for progress and timeouts). */
export function cordonPending(nodes: readonly Node[], clusterId: string, holder: CordonHolder, on: boolean): string[] {
  return clusterVirtualNodes(nodes, clusterId)
    .filter((n) => cordonHolders(n.taints).includes(holder) !== on)
    .map((n) => n.name)
}
