/**
 * The peerings as `peer list` and `status` show them: each ForeignCluster with its virtual node and the pods it hosts.
 */
import type {KubeClient} from '../k8s/client.js'
import {PODS} from '../k8s/kinds.js'
import {
  CORDON_HOLDERS,
  clusterVirtualNodes,
  cordonHolders,
  leaseExpired,
  mergeLeases,
  rebalanceLeases,
  type CordonHolder,
} from '../model/cordon.js'
import type {ForeignCluster, Node, PeeringModules} from '../model/types.js'
import {byName} from '../toolkit/text.js'

export interface PeerVirtualNode {
  name: string
  /** Liqo v1: the VirtualNode's createNode switch. */
  createNode?: boolean
  /** The Node exists now. */
  present: boolean
  ready: boolean
  schedulable: boolean
}

export interface PeerInfo {
  name: string
  clusterId: string
  clusterName: string
  outgoingEnabled: string
  outgoingPhase: string
  outgoingReason?: string
  incomingPhase: string
  /** The first of virtualNodes that exists (what v0 shows). */
  virtualNode?: {name: string; ready: boolean; schedulable: boolean}
  /** Every virtual node of the cluster (Liqo v1: one per VirtualNode, also switched off). */
  virtualNodes: PeerVirtualNode[]
  /** Liqo v1: the peering's role and module statuses. */
  role?: string
  modules?: PeeringModules
  pods: number
  /** Who keeps new pods off the cluster (../model/cordon.ts): "cordon" is peer cordon's; empty when no one. */
  cordonedBy: CordonHolder[]
  /** The rebalance runs' cordons among them, each with its lease (absent when there is none). */
  rebalanceCordons?: PeerRebalanceCordon[]
  createdAt: string
}

/** A rebalance run's cordon on a peer, as `peer list` tells it. */
export interface PeerRebalanceCordon {
  run: string
  /** The end of its lease, seconds since the epoch on the API server's clock (0: a run from before leases). */
  leaseUntilS: number
  /** Its lease has run out: the run was interrupted or killed before it lifted it; no run holds it any longer. */
  stale: boolean
}

/** The rebalance runs' cordons of the cluster, read where cordonsOf reads the holders; stale as of `nowS`. */
export function rebalanceCordonsOf(fc: ForeignCluster, nodes: Node[], nowS: number): PeerRebalanceCordon[] {
  const leases = mergeLeases([
    ...(fc.virtualNodes ?? []).flatMap((v) => v.leases ?? []),
    ...clusterVirtualNodes(nodes, fc.clusterId).flatMap((n) => rebalanceLeases(n.taints)),
  ])
  return leases.map((l) => ({run: l.run, leaseUntilS: l.untilS, stale: leaseExpired(l, nowS)}))
}

/**
 * The cordons of the cluster: written on its VirtualNodes (Liqo v1) or on its virtual nodes
 * (every generation: where Liqo v0.x keeps them, and where Liqo v1's virtual kubelet copies them).
 */
export function cordonsOf(fc: ForeignCluster, nodes: Node[]): CordonHolder[] {
  const written = new Set([
    ...(fc.virtualNodes ?? []).flatMap((v) => v.cordons ?? []),
    ...clusterVirtualNodes(nodes, fc.clusterId).flatMap((n) => cordonHolders(n.taints)),
  ])
  return CORDON_HOLDERS.filter((h) => written.has(h))
}

/** The cluster's virtual nodes: its VirtualNodes' switches (v1), and the Nodes that stand for it. */
export function peerVirtualNodes(fc: ForeignCluster, nodes: Node[]): PeerVirtualNode[] {
  const present = nodes.filter((n) => n.virtual && n.remoteClusterId === fc.clusterId)
  const seen = (n: Node): PeerVirtualNode => ({
    name: n.name,
    present: true,
    ready: n.ready,
    schedulable: !n.unschedulable && !n.deletionTimestamp,
  })
  const fromSwitches = (fc.virtualNodes ?? []).map((v): PeerVirtualNode => {
    const n = present.find((x) => x.name === v.name)
    return {
      ...(n ? seen(n) : {name: v.name, present: false, ready: false, schedulable: false}),
      createNode: v.createNode,
    }
  })
  const others = present.filter((n) => !fromSwitches.some((v) => v.name === n.name)).map(seen)
  return [...fromSwitches, ...others].sort((a, b) => byName(a.name, b.name))
}

/**
 * How many pods each virtual node hosts: one field-selected list per virtual node (the server
 * filters, nothing is fetched per pod). Needs only the nodes, so it runs beside the peerings' list.
 */
export async function countVirtualNodePods(client: KubeClient, nodes: Node[]): Promise<Map<string, number>> {
  const virtual = nodes.filter((n) => n.virtual)
  const lists = await Promise.all(
    virtual.map((n) => PODS.as(() => 0).list(client, {fieldSelector: `spec.nodeName=${n.name}`})),
  )
  return new Map(virtual.map((n, i) => [n.name, lists[i]!.items.length]))
}

/**
 * Each ForeignCluster with its virtual node and the pods it hosts (countVirtualNodePods), sorted by name; a rebalance's
 * cordon is stale once its lease ended before `nowMs` (the API server's clock).
 */
export function describePeers(
  fcs: ForeignCluster[],
  nodes: Node[],
  podsOn: ReadonlyMap<string, number>,
  nowMs: number,
): PeerInfo[] {
  const peers = fcs.map((fc): PeerInfo => {
    const vns = peerVirtualNodes(fc, nodes)
    const node = vns.find((v) => v.present)
    const rebalances = rebalanceCordonsOf(fc, nodes, Math.floor(nowMs / 1000))
    return {
      name: fc.name,
      clusterId: fc.clusterId,
      clusterName: fc.clusterName,
      outgoingEnabled: fc.outgoingEnabled,
      outgoingPhase: fc.outgoingPhase,
      ...(fc.outgoingReason ? {outgoingReason: fc.outgoingReason} : {}),
      incomingPhase: fc.incomingPhase,
      ...(node ? {virtualNode: {name: node.name, ready: node.ready, schedulable: node.schedulable}} : {}),
      virtualNodes: vns,
      ...(fc.role ? {role: fc.role} : {}),
      ...(fc.modules ? {modules: fc.modules} : {}),
      pods: vns.filter((v) => v.present).reduce((n, v) => n + (podsOn.get(v.name) ?? 0), 0),
      cordonedBy: cordonsOf(fc, nodes),
      ...(rebalances.length ? {rebalanceCordons: rebalances} : {}),
      createdAt: fc.createdAt,
    }
  })
  return peers.sort((a, b) => byName(a.name, b.name))
}
