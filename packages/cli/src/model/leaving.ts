/**
 * Where pods may not stay: a virtual node of the cluster being left, or of a peering switched off
 * (src/model/convergence.ts judges pods with it), and the DaemonSets whose pods come back there.
 */
import {clusterDisplayName, indexForeignClusters, isLive} from './placement.js'
import type {ForeignCluster, Node, Pod} from './types.js'

export interface ClusterSnapshot {
  nodes: Node[]
  fcs: ForeignCluster[]
  awayFrom?: {clusterId: string; name: string}
}

/** Why a virtual node is not a place pods may stay on, if so: its cluster is being left, or its peering is off. */
export function nodeOff(
  node: Node,
  fcsById: Map<string, ForeignCluster>,
  awayFrom?: {clusterId: string; name: string},
): {kind: 'on-leaving-cluster' | 'on-disabled-cluster'; detail: string} | undefined {
  if (!node.virtual || !node.remoteClusterId) return undefined
  const fc = fcsById.get(node.remoteClusterId)
  const name = fc ? clusterDisplayName(fc) : node.remoteClusterId
  if (awayFrom && node.remoteClusterId === awayFrom.clusterId)
    return {kind: 'on-leaving-cluster', detail: `still on ${awayFrom.name}`}
  if (
    !fc ||
    fc.outgoingEnabled === 'No' ||
    fc.outgoingPhase === 'Disconnecting' ||
    fc.outgoingPhase === 'None' ||
    node.deletionTimestamp
  ) {
    return {
      kind: 'on-disabled-cluster',
      detail: `on ${name}, whose peering is ${fc ? `${fc.outgoingPhase} (outgoing ${fc.outgoingEnabled})` : 'gone'}`,
    }
  }
  return undefined
}

/**
 * A DaemonSet that had a pod on a virtual node pods must leave: its DaemonSet controller creates the
 * pod there again, whoever evicted it (Liqo v1.0's and v1.1's drain does), for as long as the Node
 * exists. Such a namespace has not settled until Liqo deleted the Node, even in the instant between
 * an eviction and the new pod. A wait remembers them (rememberDaemonSetPods) across its snapshots.
 */
export interface DaemonSetOnNode {
  namespace: string
  daemonSet: string
  node: string
}

/** `seen`, plus the DaemonSets of `pods` that run a pod on a node pods must leave. Pure: a new list. */
export function rememberDaemonSetPods(
  seen: readonly DaemonSetOnNode[],
  pods: Pod[],
  c: ClusterSnapshot,
): DaemonSetOnNode[] {
  const nodes = new Map(c.nodes.map((n) => [n.name, n]))
  const fcsById = indexForeignClusters(c.fcs)
  const out = [...seen]
  for (const p of pods) {
    if (p.owner?.kind !== 'DaemonSet' || !p.nodeName || !isLive(p)) continue
    const node = nodes.get(p.nodeName)
    if (!node || !nodeOff(node, fcsById, c.awayFrom)) continue
    const known = out.some((d) => d.namespace === p.namespace && d.daemonSet === p.owner!.name && d.node === node.name)
    if (!known) out.push({namespace: p.namespace, daemonSet: p.owner.name, node: node.name})
  }
  return out
}

/** A blocker per remembered DaemonSet whose node pods must leave is still there. */
export function daemonSetsHolding(
  seen: readonly DaemonSetOnNode[],
  nodes: Map<string, Node>,
  fcsById: Map<string, ForeignCluster>,
  awayFrom?: {clusterId: string; name: string},
): Array<{kind: 'daemonset-node-leaving'; subject: string; detail: string}> {
  return seen
    .filter((d) => {
      const node = nodes.get(d.node)
      return node && nodeOff(node, fcsById, awayFrom)
    })
    .map((d) => ({
      kind: 'daemonset-node-leaving',
      subject: `daemonset/${d.daemonSet}`,
      detail: `its pod returns to node ${d.node} until Liqo deletes that node`,
    }))
}
