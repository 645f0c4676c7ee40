/**
 * Nodes as Liqo sees them: a virtual node (label liqo.io/type=virtual-node) stands for the remote
 * cluster named by its liqo.io/remote-cluster-id label. Both labels are the same in every Liqo
 * generation liqo-topology knows of, so every adapter shares this kind.
 */
import type {Json} from '../k8s/client.js'
import {Kind} from '../k8s/kind.js'
import {bytes, cpuMilli} from '../model/resources.js'
import type {Node, Taint} from '../model/types.js'
import {LABEL_NODE_TYPE, LABEL_REMOTE_CLUSTER_ID, VIRTUAL_NODE_TYPE} from './constants.js'

export function toNode(raw: Json): Node {
  const md = raw.metadata ?? {}
  const labels: Record<string, string> = {...(md.labels ?? {})}
  const ready = ((raw.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Ready')
  const node: Node = {
    name: md.name ?? '',
    uid: md.uid ?? '',
    labels,
    ready: ready?.status === 'True',
    unschedulable: raw.spec?.unschedulable === true,
    taints: ((raw.spec?.taints ?? []) as Json[]).map((t) => ({key: t.key, value: t.value, effect: t.effect}) as Taint),
    virtual: labels[LABEL_NODE_TYPE] === VIRTUAL_NODE_TYPE,
    createdAt: md.creationTimestamp ?? '',
  }
  if (labels[LABEL_REMOTE_CLUSTER_ID]) node.remoteClusterId = labels[LABEL_REMOTE_CLUSTER_ID]
  if (md.deletionTimestamp) node.deletionTimestamp = md.deletionTimestamp
  const a = raw.status?.allocatable
  if (a) node.allocatable = {cpuMilli: cpuMilli(a.cpu), memoryBytes: bytes(a.memory), pods: Number(a.pods ?? 0) || 0}
  if (ready?.status === 'True' && ready.lastTransitionTime) node.readySince = ready.lastTransitionTime
  return node
}

export const NODES = new Kind({group: '', version: 'v1', plural: 'nodes', kind: 'Node'}, toNode)

/** The label selector of the virtual nodes that stand for one remote cluster. */
export function remoteClusterSelector(clusterId: string): string {
  return `${LABEL_REMOTE_CLUSTER_ID}=${clusterId}`
}
