/**
 * The adapter for Liqo v1.x (core.liqo.io/v1beta1, offloading.liqo.io/v1beta1), checked against
 * the code of v1.0–v1.2. A peering is its ForeignCluster (named after the remote cluster ID; role
 * and networking / authentication / offloading modules) plus the VirtualNodes that offloading to
 * the cluster goes through, one per ResourceSlice, in the tenant namespace. The switch is
 * VirtualNode.spec.createNode: false makes Liqo's virtualnode controller cordon, drain and delete
 * the Node while the VirtualNode, the virtual kubelet, the remote namespaces and the peering stay;
 * true brings the Node back. Where offloading stands is read from the switches and the Nodes
 * (the VirtualNode's own conditions lag and repeat).
 */
import type {AccessCheck} from '../k8s/access.js'
import type {Json, KubeClient, ListResult} from '../k8s/client.js'
import {Kind, type WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import {CORDON_HOLDERS, cordonHolders} from '../model/cordon.js'
import type {ForeignCluster, ModuleStatus, Node, PeeringCondition, Taint, VirtualNodeSwitch} from '../model/types.js'
import {UserError} from '../toolkit/errors.js'
import type {CordonAdapter, LiqoAdapter, OutgoingSetting, PeeringList, PeeringsWatch} from './adapter.js'
import {editCordonTaints} from './cordon.js'
import {FOREIGN_CLUSTER_V1, LABEL_REMOTE_CLUSTER_ID, LIQO_CONTROLLER_MANAGER, LIQO_NAMESPACE, NAMESPACE_OFFLOADING_V1, VIRTUAL_NODE_V1} from './constants.js'
import {guardedPatch} from './guarded-patch.js'
import {NODES} from './nodes.js'
import {toNamespaceOffloading} from './offloading.js'
import {UNPEER_ACCESS, unpeerStages} from './v1-unpeer.js'
import {byName} from '../toolkit/text.js'

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
  return ((list ?? []) as Json[]).map((c) => ({type: c.type, status: c.status ?? 'None', reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime}))
}

/** A module's status in liqoctl info's words: Disabled, Healthy, or Unhealthy with what is off. */
export function moduleStatus(raw: Json | undefined): ModuleStatus {
  if (!raw?.enabled) return {enabled: false, status: 'Disabled'}
  const off = conditionsOf(raw.conditions).filter((c) => !HEALTHY.has(c.status))
  return off.length ? {enabled: true, status: 'Unhealthy', detail: off.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ')} : {enabled: true, status: 'Healthy'}
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
    modules: {networking: moduleStatus(st.modules?.networking), authentication: moduleStatus(st.modules?.authentication), offloading: moduleStatus(st.modules?.offloading)},
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
  if (on.some((v) => !v.nodePresent || !v.nodeReady)) return {phase: 'Pending', reason: on.some((v) => !v.nodePresent) ? 'VirtualNodeCreating' : 'VirtualNodeNotReady'}
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
      return {
        namespace: v.namespace,
        name: v.name,
        resourceVersion: v.resourceVersion,
        createNode: v.createNode,
        nodePresent: !!node,
        nodeReady: usable,
        ...(cordons.length ? {cordons} : {}),
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

/** The three lists a v1 peering list is joined from (a watch starts from them instead of listing again). */
interface V1Sources {
  fcs: ListResult<ForeignClusterV1>
  vns: ListResult<VirtualNodeV1>
  /** Absent when the caller gave the nodes. */
  nodes?: ListResult<Node>
}

async function listV1(client: KubeClient, o: {nodes?: Node[] | Promise<Node[]>} = {}): Promise<PeeringList> {
  const [fcs, vns, listed, given] = await Promise.all([FOREIGN_CLUSTERS_V1.list(client), VIRTUAL_NODES.list(client), o.nodes ? undefined : NODES.list(client), o.nodes])
  const sources: V1Sources = {fcs, vns, ...(listed ? {nodes: listed} : {})}
  return {items: fcs.items.map((fc) => assemblePeering(fc, vns.items, given ?? listed!.items)), resourceVersion: fcs.resourceVersion, sources}
}

async function getV1(client: KubeClient, name: string): Promise<ForeignCluster | undefined> {
  const fc = await FOREIGN_CLUSTERS_V1.get(client, name)
  if (!fc) return undefined
  const selector = `${LABEL_REMOTE_CLUSTER_ID}=${fc.clusterId}`
  const [vns, nodes] = await Promise.all([VIRTUAL_NODES.list(client), NODES.list(client, {labelSelector: selector})])
  return assemblePeering(fc, vns.items, nodes.items)
}

function watchV1(client: KubeClient, policy: WatchPolicy, nodes: Reflector<Node>, o: {name?: string} = {}): PeeringsWatch {
  const fcs = FOREIGN_CLUSTERS_V1.reflector(client, {...policy, ...(o.name ? {name: o.name} : {})})
  const vns = VIRTUAL_NODES.reflector(client, policy)
  const assemble = (fc: ForeignClusterV1) => assemblePeering(fc, [...vns.store.values()], [...nodes.store.values()])
  return {
    reflectors: [fcs, vns],
    current: () => [...fcs.store.values()].map(assemble),
    get: (name) => {
      const fc = fcs.store.get(name)
      return fc && assemble(fc)
    },
    synced: () => fcs.synced && vns.synced && nodes.synced,
    seed: (list) => {
      const src = list.sources as V1Sources | undefined
      if (!src) return
      fcs.seed(
        src.fcs.items.map((fc) => ({key: fc.name, obj: fc})),
        src.fcs.resourceVersion,
      )
      vns.seed(
        src.vns.items.map((v) => ({key: `${v.namespace}/${v.name}`, obj: v})),
        src.vns.resourceVersion,
      )
      if (src.nodes && !o.name)
        nodes.seed(
          src.nodes.items.map((n) => ({key: n.name, obj: n})),
          src.nodes.resourceVersion,
        )
    },
  }
}

const vnRef = (v: {namespace: string; name: string}) => `${v.namespace}/${v.name}`

function requireVirtualNodes(fc: ForeignCluster): VirtualNodeSwitch[] {
  if (!fc.virtualNodes?.length) {
    throw new UserError(
      `the peering with ${fc.name} has no VirtualNode: offloading to it is not set up (offloading module ${fc.modules?.offloading.status ?? 'unknown'})`,
      `set it up with: liqoctl peer (or liqoctl create resourceslice); see: liqo-topology peer list`,
    )
  }
  return fc.virtualNodes
}

/** createNode set on every VirtualNode of the cluster that differs, each write guarded. */
async function setCreateNode(client: KubeClient, fc: ForeignCluster, value: OutgoingSetting): Promise<{changed: boolean; attempts: number}> {
  const want = value === 'Yes'
  let changed = false
  let attempts = 0
  for (const vn of requireVirtualNodes(fc)) {
    if (vn.createNode === want) continue
    const r = await guardedPatch(client, {
      path: VIRTUAL_NODES.path({namespace: vn.namespace, name: vn.name}),
      what: `${VIRTUAL_NODE_V1.plural}.${VIRTUAL_NODE_V1.group} ${vnRef(vn)}`,
      resourceVersion: vn.resourceVersion,
      body: {spec: {createNode: want}},
      done: (fresh) => (fresh.spec?.createNode !== false) === want,
    })
    changed ||= r.changed
    attempts += r.attempts
  }
  return {changed, attempts}
}

/**
 * Cordons go into VirtualNode.spec.taints. Liqo v1.2's virtual kubelet merges them into its Node's
 * taints on every VirtualNode event (liqoNodeProvider: desiredVirtualNodeMetadata, patchTaints), and a
 * Node it creates again after createNode went false → true gets them too; the controller manager's
 * CreateOrUpdate of a VirtualNode from its ResourceSlice (forge.MutateVirtualNode) and the webhook
 * leave spec.taints alone. A taint written on the Node itself would not last: the virtual kubelet
 * patches the Node's taints from its own copy of the Node, index by index.
 */
const cordonsV1: CordonAdapter = {
  set: (client, fc, _nodes, holder, on) =>
    editCordonTaints(
      client,
      requireVirtualNodes(fc).map((v) => ({path: VIRTUAL_NODES.path({namespace: v.namespace, name: v.name}), what: `${VIRTUAL_NODE_V1.plural}.${VIRTUAL_NODE_V1.group} ${vnRef(v)}`})),
      holder,
      on,
    ),
  holders: (fc) => CORDON_HOLDERS.filter((h) => (fc.virtualNodes ?? []).some((v) => v.cordons?.includes(h))),
  targets: (fc) => (fc.virtualNodes ?? []).map((v) => `VirtualNode ${vnRef(v)}`),
  access: (fc) => requireVirtualNodes(fc).flatMap((v) => ['get', 'patch'].map((verb) => VIRTUAL_NODES.access(verb, {namespace: v.namespace, name: v.name}))),
  lasting: `the taint is kept in the VirtualNodes' spec.taints, which Liqo's virtual kubelet applies to its Node (also to one it re-creates after "peer enable")`,
}

export const liqoV1: LiqoAdapter = {
  unpeer: {stages: unpeerStages, access: UNPEER_ACCESS},
  cordons: cordonsV1,
  line: 'v1',
  generation: 'Liqo v1.x',
  // A VirtualNode's drain is a work item of the controller manager's deletion routine: one that
  // failed (an eviction a PodDisruptionBudget refused, a conflict on the VirtualNode's status) is
  // retried after a delay doubling up to 1000s, reset only by a success (client-go's
  // DefaultControllerRateLimiter); a restart empties the queue.
  stalledDrainAdvice: `Liqo's controller manager may be waiting to retry an earlier failed drain (up to ~17 min); restarting it (kubectl -n ${LIQO_NAMESPACE} rollout restart deployment ${LIQO_CONTROLLER_MANAGER}) retries at once`,
  listPeerings: listV1,
  getPeering: getV1,
  watchPeerings: watchV1,
  peeringRef: (name) => FOREIGN_CLUSTERS_V1.ref(name),
  namespaceOffloadings: NAMESPACE_OFFLOADINGS_V1,
  setOutgoing: setCreateNode,
  describeOutgoing: (fc, value) => `createNode set to ${value === 'Yes'} on VirtualNode ${(fc.virtualNodes ?? []).map(vnRef).join(', ')}`,
  outgoingAccess: (fc): AccessCheck[] => requireVirtualNodes(fc).map((v) => VIRTUAL_NODES.access('patch', {namespace: v.namespace, name: v.name})),
  switchWording: (fc, value, o) => {
    const want = value === 'Yes'
    const vns = fc.virtualNodes ?? []
    const nodes = vns.map((v) => v.name).join(', ')
    return {
      writes: vns.map((v) => `patch VirtualNode ${vnRef(v)} spec.createNode: ${v.createNode} → ${want}`),
      effect: want
        ? `Liqo's virtual kubelet re-creates the virtual node${vns.length > 1 ? 's' : ''} ${nodes}${o.namespaces.length ? `; the remote namespaces of ${o.namespaces.join(', ')} stayed in place` : ''}.`
        : `Liqo cordons and drains virtual node${vns.length > 1 ? 's' : ''} ${o.virtualNodes.join(', ') || nodes} and deletes ${vns.length > 1 ? 'them' : 'it'}.`,
      keeps: `Unlike Liqo v0.x, the remote namespaces on ${o.cluster} and the peering itself stay (liqoctl info still shows it); "peer enable" resumes offloading.`,
      stillDoing: 'Liqo is still draining and deleting its virtual node',
    }
  },
}
