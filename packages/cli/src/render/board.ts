/**
 * The live board's picture, from the placed pods and the peerings: one column per cluster (local,
 * each peer in order, then the pods not scheduled), and a line for each move worth telling. Pure.
 */
import {clusterKey, type ClusterRef, type PlacedPod} from '../model/placement.js'
import type {RebalanceRefusal} from '../services/rebalance.js'
import {byName} from '../toolkit/text.js'

export interface BoardPeer {
  /** The cluster's display name (as PlacedPod.cluster.name). */
  name: string
  /** The ForeignCluster, for peer disable|enable. */
  foreignCluster: string
  /** "Yes/Established", "No/None"… */
  state: string
}

export type PodLook = 'ready' | 'starting' | 'pending' | 'terminating' | 'failed'

export interface BoardCell {
  key: string
  name: string
  namespace: string
  look: PodLook
}

export interface BoardColumn {
  key: string
  title: string
  state: string
  /** The peering behind it, when it is a remote cluster (the target of d/e). */
  foreignCluster?: string
  cells: BoardCell[]
}

/**
 * The hint of a rebalance the board refused: what to do from the board (r again, once the budget allows), and, since
 * the board has no --force, the command line that does it in a terminal, spelled out (`forceCommand`).
 */
export function boardRefusalHint(refusal: RebalanceRefusal, forceCommand: string): string {
  const terminal = `run in a terminal (the board does not force): ${forceCommand}`
  if (refusal === 'budget') return `relax the budget and press r again; to move what the budgets allow, ${terminal}`
  if (refusal === 'held-back') return `to do it anyway, ${terminal}`
  return 'relax the budget and press r again'
}

export function podLook(p: PlacedPod): PodLook {
  if (p.terminating) return 'terminating'
  if (p.status === 'Failed' || /Err|BackOff/.test(p.status)) return 'failed'
  if (p.cluster.kind === 'unscheduled' || p.status === 'Pending') return 'pending'
  return p.isReady ? 'ready' : 'starting'
}

/** The columns: local, each peer (even without pods), other clusters seen on pods, then unscheduled. */
export function boardColumns(pods: PlacedPod[], peers: BoardPeer[]): BoardColumn[] {
  const columns = new Map<string, BoardColumn>()
  columns.set('local', {key: 'local', title: 'local', state: 'this cluster', cells: []})
  for (const p of peers)
    columns.set(`remote:${p.name}`, {
      key: `remote:${p.name}`,
      title: p.name,
      state: p.state,
      foreignCluster: p.foreignCluster,
      cells: [],
    })
  const order = (c: ClusterRef) => (c.kind === 'unscheduled' ? 2 : 1)
  for (const pod of [...pods].sort(
    (a, b) => order(a.cluster) - order(b.cluster) || byName(a.namespace, b.namespace) || byName(a.name, b.name),
  )) {
    const key =
      pod.cluster.kind === 'remote'
        ? `remote:${pod.cluster.name}`
        : pod.cluster.kind === 'local'
          ? 'local'
          : clusterKey(pod.cluster)
    let col = columns.get(key)
    if (!col) {
      col = {key, title: pod.cluster.name, state: pod.cluster.kind === 'unscheduled' ? 'not scheduled' : '', cells: []}
      columns.set(key, col)
    }
    col.cells.push({key: `${pod.namespace}/${pod.name}`, name: pod.name, namespace: pod.namespace, look: podLook(pod)})
  }
  return [...columns.values()]
}

/** What changed for one pod, in a few words (undefined when nothing worth a line did). */
export function describeMove(before: PlacedPod | undefined, after: PlacedPod | undefined): string | undefined {
  if (!before && after)
    return after.cluster.kind === 'unscheduled'
      ? `pod ${after.name} created, Pending`
      : `pod ${after.name} scheduled on ${after.cluster.name}`
  if (before && !after) return `pod ${before.name} gone from ${before.cluster.name}`
  if (!before || !after) return undefined
  if (clusterKey(before.cluster) !== clusterKey(after.cluster))
    return `pod ${after.name} scheduled on ${after.cluster.name}`
  if (!before.terminating && after.terminating) return `pod ${after.name} evicted from ${after.cluster.name}`
  if (!before.isReady && after.isReady) return `pod ${after.name} Ready on ${after.cluster.name}`
  if (before.isReady && !after.isReady && !after.terminating)
    return `pod ${after.name} not Ready on ${after.cluster.name}`
  return undefined
}
