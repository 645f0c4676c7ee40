/**
 * The parts of the scheduler's filtering that decide where an offloaded pod may go: node selector,
 * required node affinity, taints/tolerations, readiness and cordoning. Pure functions, shared by
 * the impact preview of `peer disable` and by the lab's emulator (clusterSelector matching).
 * `podFitsNode` leaves resources out (virtual nodes advertise a remote cluster's whole capacity);
 * `explainFit` (pods why) adds them, and says which of the NamespaceOffloading's rules decides.
 */
import {formatAmounts, insufficient, NO_RESOURCES} from './resources.js'
import type {
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodScheduling,
  ResourceAmounts,
  Taint,
  Toleration,
} from './types.js'

export function matchesRequirement(labels: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key)
  const v = labels[r.key]
  const values = r.values ?? []
  switch (r.operator) {
    case 'In':
      return has && values.includes(v!)
    case 'NotIn':
      return !has || !values.includes(v!)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
    case 'Lt': {
      // Like Kubernetes: the whole value must be an integer, or the requirement does not match.
      if (!has || values.length !== 1 || !/^-?\d+$/.test(v!) || !/^-?\d+$/.test(values[0]!)) return false
      const a = Number(v)
      const b = Number(values[0])
      return r.operator === 'Gt' ? a > b : a < b
    }
    default:
      return false
  }
}

/** A term matches when all its requirements do; an empty term matches nothing (as in Kubernetes). */
export function matchesTerm(node: Pick<Node, 'name' | 'labels'>, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (exprs.length === 0 && fields.length === 0) return false
  return (
    exprs.every((r) => matchesRequirement(node.labels, r)) &&
    fields.every((r) => r.key === 'metadata.name' && matchesRequirement({'metadata.name': node.name}, r))
  )
}

/** Terms are ORed. An empty list means "no constraint" here (no required affinity at all). */
export function matchesTerms(node: Pick<Node, 'name' | 'labels'>, terms: NodeSelectorTerm[]): boolean {
  return terms.length === 0 || terms.some((t) => matchesTerm(node, t))
}

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false
    if (t.operator === 'Exists') return !t.key || t.key === taint.key
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '')
  })
}

/**
 * The taints Kubernetes' node lifecycle controller puts on a node whose Ready condition is not True
 * (TaintNodesByCondition). It lifts them a moment after it has seen the node Ready; until then the
 * scheduler places nothing there, whatever the condition says. A virtual node re-created by Liqo
 * starts with its conditions Unknown, so it carries one of these for that moment.
 */
const NOT_READY_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'])

/** The not-ready taint a node still carries (none: the node lifecycle controller has seen it Ready). */
export function notReadyTaint(node: Pick<Node, 'taints'>): Taint | undefined {
  return node.taints.find((t) => NOT_READY_TAINTS.has(t.key) && t.effect === 'NoSchedule')
}

export type FitResult = {fits: true} | {fits: false; reason: string}

/** Would the scheduler accept this node for a pod with these constraints? */
export function podFitsNode(s: PodScheduling, node: Node): FitResult {
  if (node.deletionTimestamp) return {fits: false, reason: 'node is being deleted'}
  if (!node.ready) return {fits: false, reason: 'node is not Ready'}
  if (
    node.unschedulable &&
    !tolerates(s.tolerations, {key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'})
  ) {
    return {fits: false, reason: 'node is cordoned'}
  }
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue
    if (!tolerates(s.tolerations, taint))
      return {
        fits: false,
        reason: `untolerated taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`,
      }
  }
  for (const [k, v] of Object.entries(s.nodeSelector)) {
    if (node.labels[k] !== v) return {fits: false, reason: `nodeSelector ${k}=${v} does not match`}
  }
  if (!matchesTerms(node, s.requiredTerms)) return {fits: false, reason: 'required node affinity does not match'}
  return {fits: true}
}

/**
 * Kubernetes' way of combining two required node affinities (Liqo's MergeNodeSelector): every term
 * of one ANDed with every term of the other. An empty side leaves the other unchanged.
 */
export function crossTerms(a: NodeSelectorTerm[], b: NodeSelectorTerm[]): NodeSelectorTerm[] {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out: NodeSelectorTerm[] = []
  for (const x of a) {
    for (const y of b) {
      const t: NodeSelectorTerm = {}
      const exprs = [...(x.matchExpressions ?? []), ...(y.matchExpressions ?? [])]
      const fields = [...(x.matchFields ?? []), ...(y.matchFields ?? [])]
      if (exprs.length) t.matchExpressions = exprs
      if (fields.length) t.matchFields = fields
      out.push(t)
    }
  }
  return out
}

/** What a namespace's NamespaceOffloading asks of its pods' nodes (Liqo's webhook turns it into node affinity). */
export interface OffloadingRule {
  /** namespace/name of the NamespaceOffloading. */
  ref: string
  podStrategy: string
  clusterSelector?: {nodeSelectorTerms: NodeSelectorTerm[]}
}

/** Why a node is not acceptable, first reason first. */
export type FitCause =
  'cordoned' | 'taint' | 'strategy' | 'cluster-selector' | 'node-selector' | 'node-affinity' | 'resources'

export interface NodeFit {
  fits: boolean
  cause?: FitCause
  /**
   * Our words for the first reason, naming what decides it (the strategy, the clusterSelector, the pod's own
   * affinity…).
   */
  reason?: string
  /** The scheduler's own words for that failure (one filter plugin's; NodeResourcesFit may give several). */
  scheduler: string[]
}

/** A node selector's terms in one line: requirements ANDed, terms ORed. */
export function describeTerms(terms: NodeSelectorTerm[]): string {
  const req = (r: NodeSelectorRequirement) =>
    r.values?.length ? `${r.key} ${r.operator} [${r.values.join(', ')}]` : `${r.key} ${r.operator}`
  const term = (t: NodeSelectorTerm) =>
    [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])].map(req).join(' AND ') || '(empty term)'
  return terms.length > 1 ? terms.map((t) => `(${term(t)})`).join(' OR ') : terms.map(term).join('')
}

/**
 * Does the NamespaceOffloading let its pods onto this node? Local keeps them off virtual nodes,
 * Remote off local ones; a virtual node must also match the clusterSelector (empty: every one).
 * `rule` undefined: the namespace is not offloaded, its pods stay local.
 */
export function offloadingAllows(
  rule: OffloadingRule | undefined,
  node: Pick<Node, 'name' | 'labels' | 'virtual'>,
): {allowed: true} | {allowed: false; cause: 'strategy' | 'cluster-selector'; reason: string} {
  if (!rule)
    return node.virtual
      ? {
          allowed: false,
          cause: 'strategy',
          reason: 'the namespace has no NamespaceOffloading: its pods are not offloaded',
        }
      : {allowed: true}
  if (rule.podStrategy === 'Local' && node.virtual)
    return {
      allowed: false,
      cause: 'strategy',
      reason: `podOffloadingStrategy Local (NamespaceOffloading ${rule.ref}): its pods stay on the local cluster`,
    }
  if (rule.podStrategy === 'Remote' && !node.virtual)
    return {
      allowed: false,
      cause: 'strategy',
      reason: `podOffloadingStrategy Remote (NamespaceOffloading ${rule.ref}): its pods run on remote clusters only`,
    }
  const terms = rule.clusterSelector?.nodeSelectorTerms ?? []
  if (node.virtual && terms.length && !matchesTerms(node, terms)) {
    return {
      allowed: false,
      cause: 'cluster-selector',
      reason: `not selected by the clusterSelector of NamespaceOffloading ${rule.ref} (${describeTerms(terms)})`,
    }
  }
  return {allowed: true}
}

function taintText(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`
}

/**
 * Would the scheduler accept this node, and if not, the first reason, in the order of its filter
 * plugins: NodeUnschedulable (cordon), TaintToleration, NodeAffinity (nodeSelector and required
 * affinity, where Liqo's webhook put the strategy and clusterSelector), NodeResourcesFit (when
 * `free`, the node's room, is given). The scheduler stops at a node's first failing plugin, so
 * does this. A failure the NamespaceOffloading explains is worded as the offloading's.
 */
export function explainFit(
  s: PodScheduling,
  node: Node,
  o: {offloading?: OffloadingRule | undefined; free?: ResourceAmounts} = {},
): NodeFit {
  const off = offloadingAllows(o.offloading, node)
  // The strategy keeps pods off virtual nodes by not adding the toleration of Liqo's taint.
  const byStrategy = !off.allowed && off.cause === 'strategy' && node.virtual
  if (
    node.unschedulable &&
    !tolerates(s.tolerations, {key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'})
  ) {
    return {
      fits: false,
      cause: 'cordoned',
      reason: 'the node is cordoned (unschedulable)',
      scheduler: ['node(s) were unschedulable'],
    }
  }
  const taint = node.taints.find((t) => t.effect !== 'PreferNoSchedule' && !tolerates(s.tolerations, t))
  if (taint) {
    const notReady = !node.ready && taint.key.startsWith('node.kubernetes.io/') ? ' (the node is not Ready)' : ''
    const reason = `untolerated taint ${taintText(taint)}${notReady}${byStrategy ? `: ${off.reason}` : ''}`
    return {
      fits: false,
      cause: byStrategy ? 'strategy' : 'taint',
      reason,
      scheduler: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`],
    }
  }
  const affinity = ["node(s) didn't match Pod's node affinity/selector"]
  const selector = Object.entries(s.nodeSelector).find(([k, v]) => node.labels[k] !== v)
  if (selector)
    return {
      fits: false,
      cause: 'node-selector',
      reason: `the pod's nodeSelector ${selector[0]}=${selector[1]} does not match`,
      scheduler: affinity,
    }
  if (!matchesTerms(node, s.requiredTerms)) {
    if (!off.allowed) return {fits: false, cause: off.cause, reason: off.reason, scheduler: affinity}
    return {
      fits: false,
      cause: 'node-affinity',
      reason: `the pod's required node affinity does not match (${describeTerms(s.requiredTerms)})`,
      scheduler: affinity,
    }
  }
  if (o.free) {
    const short = insufficient(s.requests ?? NO_RESOURCES, o.free)
    if (short.length)
      return {
        fits: false,
        cause: 'resources',
        reason: `no room: ${short.join(', ')} (${formatAmounts(o.free)} left)`,
        scheduler: short,
      }
  }
  return {fits: true, scheduler: []}
}
