/**
 * Which clusters a namespace's pods may run on, for `rebalance` (./rebalance.ts): the local cluster
 * and each remote one with their nodes, and for each whether it is eligible (the NamespaceOffloading's
 * strategy and clusterSelector, each virtual node Ready for a stabilisation window). Pure.
 */
import {clusterKey, clusterOfNode, compareClusters, indexForeignClusters, type ClusterRef} from './placement.js'
import {matchesTerms, notReadyTaint} from './scheduling.js'
import type {ForeignCluster, NamespaceOffloading, Node} from './types.js'

export type Eligibility = 'eligible' | 'stabilising' | 'excluded'

export interface ClusterEligibility {
  cluster: ClusterRef
  state: Eligibility
  /** Why it is excluded, or how long it has been Ready. */
  reason?: string
  /** Stabilising: milliseconds until it counts. */
  countsInMs?: number
  /** Eligible: the nodes a pod may land on (Ready for the window, not being deleted). */
  nodes: Node[]
}

export interface ClusterNodes {
  ref: ClusterRef
  nodes: Node[]
}

/** The local cluster and each remote one, with their nodes. */
export function clustersOf(nodes: Node[], fcs: ForeignCluster[]): ClusterNodes[] {
  const byName = new Map(nodes.map((n) => [n.name, n]))
  const byId = indexForeignClusters(fcs)
  const out = new Map<string, ClusterNodes>()
  for (const n of nodes) {
    const ref = clusterOfNode(n.name, byName, byId)
    const key = clusterKey(ref)
    const entry = out.get(key) ?? {ref, nodes: []}
    entry.nodes.push(n)
    out.set(key, entry)
  }
  return [...out.values()].sort((a, b) => compareClusters(a.ref, b.ref))
}

const SECOND_MS = 1000

const usable = (n: Node) => n.ready && !n.deletionTimestamp

/** May the namespace's pods run on this cluster (its strategy, clusterSelector, the window)? */
export interface EligibilityInput {
  /** The namespace's NamespaceOffloading (none: not offloaded). */
  nso: NamespaceOffloading | undefined
  /** The cluster's peering (none for the local cluster). */
  fc: ForeignCluster | undefined
  now: number
  /** How long a virtual node must have been Ready for its cluster to count. */
  stableForMs: number
}

export function eligibility(c: ClusterNodes, i: EligibilityInput): ClusterEligibility {
  const {nso, fc, now, stableForMs} = i
  const out = (state: Eligibility, reason?: string, extra: Partial<ClusterEligibility> = {}): ClusterEligibility => ({
    cluster: c.ref,
    state,
    ...(reason ? {reason} : {}),
    nodes: [],
    ...extra,
  })
  const strategy = nso?.podStrategy ?? 'Local'
  if (c.ref.kind === 'local') {
    if (strategy === 'Remote') return out('excluded', 'podOffloadingStrategy Remote')
    const nodes = c.nodes.filter(usable)
    return nodes.length ? out('eligible', undefined, {nodes}) : out('excluded', 'no Ready node')
  }
  if (!nso || nso.deletionTimestamp) return out('excluded', 'the namespace is not offloaded')
  if (strategy === 'Local') return out('excluded', 'podOffloadingStrategy Local')
  if (fc?.outgoingEnabled === 'No') return out('excluded', 'outgoing peering disabled')
  const selected = c.nodes.filter((n) => matchesTerms(n, nso.clusterSelector?.nodeSelectorTerms ?? []))
  if (!selected.length) return out('excluded', 'not selected by the clusterSelector')
  const up = selected.filter(usable)
  if (!up.length) return out('excluded', 'virtual node not Ready')
  const ready = up.filter((n) => !notReadyTaint(n))
  // Ready, but the node lifecycle controller has not lifted its taint yet: the window starts then.
  if (!ready.length)
    return out('stabilising', `virtual node Ready, its ${notReadyTaint(up[0]!)!.key} taint not lifted yet`, {
      countsInMs: Math.max(stableForMs, SECOND_MS),
    })
  // lastTransitionTime has whole seconds: the node may have turned Ready up to a second after it says.
  const window = stableForMs + SECOND_MS - 1
  const readyFor = (n: Node) => (n.readySince ? now - Date.parse(n.readySince) : Infinity)
  const stable = ready.filter((n) => readyFor(n) >= window)
  if (stable.length) return out('eligible', undefined, {nodes: stable})
  const longest = Math.max(...ready.map(readyFor))
  return out('stabilising', `virtual node Ready for ${Math.floor(longest / 1000)}s`, {
    countsInMs: window - longest,
  })
}
