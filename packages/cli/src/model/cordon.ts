/**
 * Cordons of a remote cluster: a NoSchedule taint of ours on each of its virtual nodes keeps new
 * pods off it while the running ones stay (the scheduler checks NoSchedule taints at binding only).
 * One taint key per holder, so that a holder lifts its own cordon and no other: `peer cordon`'s
 * ("cordon"), the one a `peer disable` puts up while Liqo drains ("disable"). A rebalance holds one
 * key per run ("rebalance-<run>"), so that two runs at once each lift their own; its value is a
 * lease, the second (of the API server's clock) until which the run vouches for it, renewed while
 * it runs: a taint whose lease has run out is one a killed run left, which a later run lifts.
 * How a generation of Liqo gets the taint onto its nodes is the adapter's business (src/liqo/);
 * this is the pure part. Imports nothing but types.
 */
import type {CordonHolder, Node, RebalanceLease, Taint} from './types.js'

export type {CordonHolder, RebalanceLease} from './types.js'

export const CORDON_HOLDERS: readonly CordonHolder[] = ['cordon', 'disable', 'rebalance']

/** The prefix of our taint keys (a qualified name's prefix, as Kubernetes validates taint keys). */
export const CORDON_TAINT_PREFIX = 'liqo-topology/'

/** How long a rebalance's lease lasts from a write, and how often a running rebalance renews it. */
export const REBALANCE_LEASE_S = 20
export const REBALANCE_RENEW_MS = 5000
/**
 * How long before its lease runs out a run whose renewals all failed gives the cordon up and stops moving pods: from
 * the lease's end on, another run may take the cordon over (and lift it).
 */
export const REBALANCE_LEASE_GUARD_MS = 2000

/** A cordon: one holder's (any of its taints, for a rebalance any run's), or one exact taint. */
export type CordonRef = CordonHolder | Taint

/** The taint that stands for `holder`'s cordon (for "rebalance", the key of runs before leases: no lease). */
export function cordonTaint(holder: CordonHolder): Taint {
  return {key: `${CORDON_TAINT_PREFIX}${holder}`, value: 'true', effect: 'NoSchedule'}
}

/** A rebalance run's taint, its lease running until `untilS` (seconds since the epoch, the API server's clock). */
export function rebalanceTaint(run: string, untilS: number): Taint {
  return {key: `${CORDON_TAINT_PREFIX}rebalance-${run}`, value: String(untilS), effect: 'NoSchedule'}
}

/** A cordon's taint by its key, whatever its value (a rebalance's lease): what a lift or a wait for it matches. */
export function cordonByKey(key: string): Taint {
  return {key, effect: 'NoSchedule'}
}

/** The holder a taint of ours stands for; undefined for anyone else's taint. */
export function holderOf(t: {key?: string; effect?: string}): CordonHolder | undefined {
  if (t.effect !== 'NoSchedule' || !t.key?.startsWith(CORDON_TAINT_PREFIX)) return undefined
  const name = t.key.slice(CORDON_TAINT_PREFIX.length)
  if (name.startsWith('rebalance-')) return 'rebalance'
  return CORDON_HOLDERS.find((h) => h === name)
}

/** The holders of the cordons among `taints`, in CORDON_HOLDERS' order. */
export function cordonHolders(taints: ReadonlyArray<{key?: string; effect?: string}>): CordonHolder[] {
  const held = new Set(taints.map(holderOf))
  return CORDON_HOLDERS.filter((h) => held.has(h))
}

/** The rebalance runs' cordons among `taints`. */
export function rebalanceLeases(
  taints: ReadonlyArray<{key?: string; value?: string; effect?: string}>,
): RebalanceLease[] {
  const out: RebalanceLease[] = []
  for (const t of taints) {
    if (holderOf(t) !== 'rebalance') continue
    const run = t.key!.slice(`${CORDON_TAINT_PREFIX}rebalance-`.length)
    const untilS = /^\d{1,12}$/.test(t.value ?? '') ? Number(t.value) : 0
    out.push({key: t.key!, run: t.key === cordonTaint('rebalance').key ? '' : run, untilS})
  }
  return out
}

/**
 * The leases of the same runs read on several objects, one per key: the latest end wins (a run
 * renews its virtual nodes one after the other).
 */
export function mergeLeases(leases: readonly RebalanceLease[]): RebalanceLease[] {
  const byKey = new Map<string, RebalanceLease>()
  for (const l of leases) if ((byKey.get(l.key)?.untilS ?? -1) < l.untilS) byKey.set(l.key, l)
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key))
}

/** Whether the run that wrote the lease stopped vouching for it by `nowS` (the API server's clock): a dead run's. */
export function leaseExpired(l: RebalanceLease, nowS: number): boolean {
  return l.untilS < nowS
}

const matches = (ref: CordonRef) => (t: {key?: string; effect?: string}) =>
  typeof ref === 'string' ? holderOf(t) === ref : t.key === ref.key && t.effect === ref.effect

/**
 * `taints` with the cordon put up (`on`: the holder's taint, or the taint given, its value renewed
 * when it differs) or lifted (every taint it stands for), the others kept as they are (raw objects
 * included); undefined when nothing changes.
 */
export function withCordon<T extends {key?: string; value?: string; effect?: string}>(
  taints: readonly T[],
  ref: CordonRef,
  on: boolean,
): Array<T | Taint> | undefined {
  const mine = typeof ref === 'string' ? cordonTaint(ref) : ref
  const isMine = matches(typeof ref === 'string' && on ? mine : ref)
  const found = taints.find(isMine)
  if (!on) return found ? taints.filter((t) => !isMine(t)) : undefined
  if (found && (found.value ?? '') === (mine.value ?? '')) return undefined
  return found ? taints.map((t) => (t === found ? mine : t)) : [...taints, mine]
}

/** The virtual nodes that stand for the cluster now (present, not being deleted). */
export function clusterVirtualNodes(nodes: readonly Node[], clusterId: string): Node[] {
  return nodes.filter((n) => n.virtual && n.remoteClusterId === clusterId && !n.deletionTimestamp)
}

/**
 * Whether the cordon is in force (`on`) or gone from every virtual node of the cluster: what the
 * scheduler sees. True when the cluster has no virtual node left.
 */
export function cordonInForce(nodes: readonly Node[], clusterId: string, ref: CordonRef, on: boolean): boolean {
  return cordonPending(nodes, clusterId, ref, on).length === 0
}

/** The virtual nodes of the cluster where the cordon is not yet as wanted (for progress and timeouts). */
export function cordonPending(nodes: readonly Node[], clusterId: string, ref: CordonRef, on: boolean): string[] {
  return clusterVirtualNodes(nodes, clusterId)
    .filter((n) => n.taints.some(matches(ref)) !== on)
    .map((n) => n.name)
}
