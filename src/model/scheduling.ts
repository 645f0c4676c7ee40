/**
 * The parts of the scheduler's filtering that decide where an offloaded pod may go: node selector,
 * required node affinity, taints/tolerations, readiness and cordoning. Pure functions, shared by
 * the impact preview of `peer disable` and by the lab's emulator (clusterSelector matching).
 * Resource fit is not modelled: virtual nodes advertise a remote cluster's whole capacity.
 */
import type {Node, NodeSelectorRequirement, NodeSelectorTerm, PodScheduling, Taint, Toleration} from './types.js'

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
  return exprs.every((r) => matchesRequirement(node.labels, r)) && fields.every((r) => r.key === 'metadata.name' && matchesRequirement({'metadata.name': node.name}, r))
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

export type FitResult = {fits: true} | {fits: false; reason: string}

/** Would the scheduler accept this node for a pod with these constraints? */
export function podFitsNode(s: PodScheduling, node: Node): FitResult {
  if (node.deletionTimestamp) return {fits: false, reason: 'node is being deleted'}
  if (!node.ready) return {fits: false, reason: 'node is not Ready'}
  if (node.unschedulable && !tolerates(s.tolerations, {key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'})) {
    return {fits: false, reason: 'node is cordoned'}
  }
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue
    if (!tolerates(s.tolerations, taint)) return {fits: false, reason: `untolerated taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`}
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
