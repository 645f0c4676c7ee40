/** The peerings as `peer list` and `status` show them: each ForeignCluster with its virtual node and the pods it hosts. */
import type {KubeClient} from '../k8s/client.js'
import {PODS} from '../k8s/kinds.js'
import type {ForeignCluster, Node} from '../model/types.js'

export interface PeerInfo {
  name: string
  clusterId: string
  clusterName: string
  outgoingEnabled: string
  outgoingPhase: string
  outgoingReason?: string
  incomingPhase: string
  virtualNode?: {name: string; ready: boolean; schedulable: boolean}
  pods: number
  createdAt: string
}

/** Each ForeignCluster with its virtual node and the pods it hosts, sorted by name. */
export async function describePeers(client: KubeClient, fcs: ForeignCluster[], nodes: Node[]): Promise<PeerInfo[]> {
  const peers = await Promise.all(
    fcs.map(async (fc): Promise<PeerInfo> => {
      const node = nodes.find((n) => n.virtual && n.remoteClusterId === fc.clusterId)
      // One field-selected list per virtual node: the server filters, nothing is fetched per pod.
      const pods = node ? (await PODS.as(() => 0).list(client, {fieldSelector: `spec.nodeName=${node.name}`})).items.length : 0
      return {
        name: fc.name,
        clusterId: fc.clusterId,
        clusterName: fc.clusterName,
        outgoingEnabled: fc.outgoingEnabled,
        outgoingPhase: fc.outgoingPhase,
        ...(fc.outgoingReason ? {outgoingReason: fc.outgoingReason} : {}),
        incomingPhase: fc.incomingPhase,
        ...(node ? {virtualNode: {name: node.name, ready: node.ready, schedulable: !node.unschedulable && !node.deletionTimestamp}} : {}),
        pods,
        createdAt: fc.createdAt,
      }
    }),
  )
  return peers.sort((a, b) => a.name.localeCompare(b.name))
}
