/**
 * What `rebalance` needs of a cordon (./adapter.ts `cordons`, holder "rebalance"): keep new pods off
 * a cluster's virtual nodes while pods move away from it, let them back, and find the cordons a run
 * that was killed before it could lift them left behind (a rerun lifts them first). Where the taint
 * is written is the generation's business (v0: the Node; v1: the VirtualNode's spec.taints).
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import type {ForeignCluster, Node} from '../model/types.js'
import type {LiqoAdapter} from './adapter.js'

export interface ClusterCordon {
  /** Puts up (`on`) or lifts the rebalance's cordon on every virtual node of `fc`. */
  set(client: KubeClient, fc: ForeignCluster, nodes: Node[], on: boolean): Promise<{changed: boolean}>
  /** The peerings whose virtual nodes still carry a rebalance's cordon. */
  leftovers(fcs: ForeignCluster[], nodes: Node[]): ForeignCluster[]
  /** The permissions set() needs, for the preflight. */
  access(fc: ForeignCluster, nodes: Node[]): AccessCheck[]
}

export function rebalanceCordon(liqo: LiqoAdapter): ClusterCordon {
  return {
    set: (client, fc, nodes, on) => liqo.cordons.set(client, fc, nodes, 'rebalance', on),
    leftovers: (fcs, nodes) => fcs.filter((fc) => liqo.cordons.holders(fc, nodes).includes('rebalance')),
    access: (fc, nodes) => liqo.cordons.access(fc, nodes),
  }
}
