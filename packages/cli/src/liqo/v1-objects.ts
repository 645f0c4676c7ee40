/**
 * Liqo v1's objects as read (core.liqo.io ForeignCluster, offloading.liqo.io VirtualNode and
 * NamespaceOffloading, as typed Kinds) and the pure join of a ForeignCluster with its VirtualNodes
 * and their Nodes into one generation-neutral peering. The adapter (./v1.ts) lists and watches them.
 */
import type {Json} from '../k8s/client.js'
import {Kind} from '../k8s/kind.js'
import {cordonHolders, rebalanceLeases} from '../model/cordon.js'
import type {ForeignCluster, ModuleStatus, Node, PeeringCondition, Taint, VirtualNodeSwitch} from '../model/types.js'
import {byName} from '../toolkit/text.js'
import {FOREIGN_CLUSTER_V1, LABEL_REMOTE_CLUSTER_ID, NAMESPACE_OFFLOADING_V1, VIRTUAL_NODE_V1} from './constants.js'
import {toNamespaceOffloading} from './offloading.js'

/** A core.liqo.io ForeignCluster as read, before it is joined with its VirtualNodes. */
export interface ForeignClusterV1 {
  name: string
  uid: string
  resourceVersion: string
  labels: Record<string, string>
  clusterId: string
  role: string
  modules: {networking: ModuleStatus; authentication: ModuleStatus; offloading: ModuleStatus}
  conditions: PeeringCondition[]
  finalizers: string[]
  createdAt: string
  deletionTimestamp?: string
}

/** A VirtualNode as read. */
export interface VirtualNodeV1 {
  namespace: string
  name: string
  resourceVersion: string
  clusterId: string
  /** spec.createNode; absent means true (the webhook fills it from the VkOptionsTemplate). */
  createNode: boolean
  /** spec.taints: Liqo's virtual kubelet puts them on the Node (and keeps them there). */
  taints: Taint[]
}

const HEALTHY = new Set(['Established', 'Ready'])

function conditionsOf(list: Json[] | undefined): PeeringCondition[] {
  return ((list ?? []) as Json[]).map((c) => ({
    type: c.type,
    status: c.status ?? 'None',
    reason: c.reason,
    message: c.message,
    lastTransitionTime: c.lastTransitionTime,
  }))
}

/** A module's status in liqoctl info's words: Disabled, Healthy, or Unhealthy with what is off. */
export function moduleStatus(raw: Json | undefined): ModuleStatus {
  if (!raw?.enabled) return {enabled: false, status: 'Disabled'}
  const off = conditionsOf(raw.conditions).filter((c) => !HEALTHY.has(c.status))
  return off.length
    ? {
        enabled: true,
        status: 'Unhealthy',
        detail: off.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', '),
      }
    : {enabled: true, status: 'Healthy'}
}

export function toForeignClusterV1(raw: Json): ForeignClusterV1 {
  const md = raw.metadata ?? {}
  const st = raw.status ?? {}
  const labels: Record<string, string> = {...(md.labels ?? {})}
  const fc: ForeignClusterV1 = {
    name: md.name ?? '',
    uid: md.uid ?? '',
    resourceVersion: md.resourceVersion ?? '',
    labels,
    clusterId: raw.spec?.clusterID || labels[LABEL_REMOTE_CLUSTER_ID] || md.name || '',
    role: st.role ?? 'Unknown',
    modules: {
      networking: moduleStatus(st.modules?.networking),
      authentication: moduleStatus(st.modules?.authentication),
      offloading: moduleStatus(st.modules?.offloading),
    },
    conditions: conditionsOf(st.conditions),
    finalizers: [...(md.finalizers ?? [])],
    createdAt: md.creationTimestamp ?? '',
  }
  if (md.deletionTimestamp) fc.deletionTimestamp = md.deletionTimestamp
  return fc
}

export function toVirtualNodeV1(raw: Json): VirtualNodeV1 {
  const md = raw.metadata ?? {}
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    resourceVersion: md.resourceVersion ?? '',
    clusterId: raw.spec?.clusterID || md.labels?.[LABEL_REMOTE_CLUSTER_ID] || '',
    createNode: raw.spec?.createNode !== false,
    taints: ((raw.spec?.taints ?? []) as Json[]).map((t) => ({key: t.key, value: t.value, effect: t.effect}) as Taint),
  }
}

export const FOREIGN_CLUSTERS_V1 = new Kind(FOREIGN_CLUSTER_V1, toForeignClusterV1)
export const VIRTUAL_NODES = new Kind(VIRTUAL_NODE_V1, toVirtualNodeV1)
export const NAMESPACE_OFFLOADINGS_V1 = new Kind(NAMESPACE_OFFLOADING_V1, toNamespaceOffloading)

/**
 * Where offloading to the cluster stands, from its switches and Nodes: Disconnecting while a
 * switched-off VirtualNode still has its Node, Pending while a switched-on one has none Ready yet,
 * Established when every switched-on one has, None when none is switched on (and no Node is left).
 */
export function offloadingPhase(vns: VirtualNodeSwitch[]): {phase: string; reason?: string} {
  if (vns.some((v) => !v.createNode && v.nodePresent)) return {phase: 'Disconnecting', reason: 'VirtualNodeDeleting'}
  const on = vns.filter((v) => v.createNode)
  if (on.some((v) => !v.nodePresent || !v.nodeReady))
    return {phase: 'Pending', reason: on.some((v) => !v.nodePresent) ? 'VirtualNodeCreating' : 'VirtualNodeNotReady'}
  return on.length ? {phase: 'Established'} : {phase: 'None'}
}

/** The switch of the whole peering: Yes / No when its VirtualNodes agree, Partial when not, None without any. */
export function switchOf(vns: Array<{createNode: boolean}>): string {
  if (!vns.length) return 'None'
  if (vns.every((v) => v.createNode)) return 'Yes'
  return vns.every((v) => !v.createNode) ? 'No' : 'Partial'
}

/** One peering, generation-neutral: the ForeignCluster joined with its VirtualNodes and their Nodes. Pure. */
export function assemblePeering(fc: ForeignClusterV1, vns: VirtualNodeV1[], nodes: Node[]): ForeignCluster {
  const switches: VirtualNodeSwitch[] = vns
    .filter((v) => v.clusterId === fc.clusterId)
    .sort((a, b) => byName(a.name, b.name))
    .map((v) => {
      const node = nodes.find((n) => n.name === v.name && n.virtual && n.remoteClusterId === fc.clusterId)
      // A cordoned or departing Node is not the one offloading can use.
      const usable = !!node && node.ready && !node.unschedulable && !node.deletionTimestamp
      const cordons = cordonHolders(v.taints)
      const leases = rebalanceLeases(v.taints)
      return {
        namespace: v.namespace,
        name: v.name,
        resourceVersion: v.resourceVersion,
        createNode: v.createNode,
        nodePresent: !!node,
        nodeReady: usable,
        ...(cordons.length ? {cordons} : {}),
        ...(leases.length ? {leases} : {}),
      }
    })
  const {phase, reason} = offloadingPhase(switches)
  const consumer = fc.role === 'Consumer' || fc.role === 'ConsumerAndProvider'
  const out: ForeignCluster = {
    name: fc.name,
    uid: fc.uid,
    resourceVersion: fc.resourceVersion,
    labels: fc.labels,
    clusterId: fc.clusterId,
    clusterName: '',
    outgoingEnabled: switchOf(switches),
    incomingEnabled: consumer ? 'Yes' : 'No',
    outgoingPhase: phase,
    incomingPhase: consumer ? 'Established' : 'None',
    conditions: fc.conditions,
    finalizers: fc.finalizers,
    createdAt: fc.createdAt,
    role: fc.role,
    modules: fc.modules,
    virtualNodes: switches,
  }
  if (reason) out.outgoingReason = reason
  if (fc.deletionTimestamp) out.deletionTimestamp = fc.deletionTimestamp
  return out
}
