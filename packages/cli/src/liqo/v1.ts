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
import type {KubeClient, ListResult} from '../k8s/client.js'
import type {WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import {CORDON_HOLDERS, mergeLeases} from '../model/cordon.js'
import type {ForeignCluster, Node, VirtualNodeSwitch} from '../model/types.js'
import {UserError} from '../toolkit/errors.js'
import type {CordonAdapter, LiqoAdapter, OutgoingSetting, PeeringList, PeeringsWatch} from './adapter.js'
import {editCordonTaints} from './cordon.js'
import {LABEL_REMOTE_CLUSTER_ID, LIQO_CONTROLLER_MANAGER, LIQO_NAMESPACE, VIRTUAL_NODE_V1} from './constants.js'
import {guardedPatch} from './guarded-patch.js'
import {NODES} from './nodes.js'
import {
  assemblePeering,
  FOREIGN_CLUSTERS_V1,
  NAMESPACE_OFFLOADINGS_V1,
  VIRTUAL_NODES,
  type ForeignClusterV1,
  type VirtualNodeV1,
} from './v1-objects.js'
import {unpeeringV1} from './v1-unpeer.js'
import {readDrainBehaviour} from './versions.js'

/** The three lists a v1 peering list is joined from (a watch starts from them instead of listing again). */
interface V1Sources {
  fcs: ListResult<ForeignClusterV1>
  vns: ListResult<VirtualNodeV1>
  /** Absent when the caller gave the nodes. */
  nodes?: ListResult<Node>
}

async function listV1(client: KubeClient, o: {nodes?: Node[] | Promise<Node[]>} = {}): Promise<PeeringList> {
  const [fcs, vns, listed, given] = await Promise.all([
    FOREIGN_CLUSTERS_V1.list(client),
    VIRTUAL_NODES.list(client),
    o.nodes ? undefined : NODES.list(client),
    o.nodes,
  ])
  const sources: V1Sources = {fcs, vns, ...(listed ? {nodes: listed} : {})}
  return {
    items: fcs.items.map((fc) => assemblePeering(fc, vns.items, given ?? listed!.items)),
    resourceVersion: fcs.resourceVersion,
    sources,
  }
}

async function getV1(client: KubeClient, name: string): Promise<ForeignCluster | undefined> {
  const fc = await FOREIGN_CLUSTERS_V1.get(client, name)
  if (!fc) return undefined
  const selector = `${LABEL_REMOTE_CLUSTER_ID}=${fc.clusterId}`
  const [vns, nodes] = await Promise.all([VIRTUAL_NODES.list(client), NODES.list(client, {labelSelector: selector})])
  return assemblePeering(fc, vns.items, nodes.items)
}

function watchV1(
  client: KubeClient,
  policy: WatchPolicy,
  nodes: Reflector<Node>,
  o: {name?: string} = {},
): PeeringsWatch {
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
      `the peering with ${fc.name} has no VirtualNode: offloading to it is not set up (offloading ` +
        `module ${fc.modules?.offloading.status ?? 'unknown'})`,
      `set it up with: liqoctl peer (or liqoctl create resourceslice); see: liqo-topology peer list`,
    )
  }
  return fc.virtualNodes
}

/** createNode set on every VirtualNode of the cluster that differs, each write guarded. */
async function setCreateNode(
  client: KubeClient,
  fc: ForeignCluster,
  value: OutgoingSetting,
): Promise<{changed: boolean; attempts: number}> {
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
  set: (client, fc, _nodes, cordon, on) =>
    editCordonTaints(
      client,
      requireVirtualNodes(fc).map((v) => ({
        path: VIRTUAL_NODES.path({namespace: v.namespace, name: v.name}),
        what: `${VIRTUAL_NODE_V1.plural}.${VIRTUAL_NODE_V1.group} ${vnRef(v)}`,
      })),
      cordon,
      on,
    ),
  holders: (fc) => CORDON_HOLDERS.filter((h) => (fc.virtualNodes ?? []).some((v) => v.cordons?.includes(h))),
  leases: (fc) => mergeLeases((fc.virtualNodes ?? []).flatMap((v) => v.leases ?? [])),
  targets: (fc) => (fc.virtualNodes ?? []).map((v) => `VirtualNode ${vnRef(v)}`),
  access: (fc) =>
    requireVirtualNodes(fc).flatMap((v) =>
      ['get', 'patch'].map((verb) => VIRTUAL_NODES.access(verb, {namespace: v.namespace, name: v.name})),
    ),
  lasting:
    `the taint is kept in the VirtualNodes' spec.taints, which Liqo's virtual kubelet applies to its Node (also ` +
    `to one it re-creates after "peer enable")`,
  // liqoNodeProvider.patchTaints diffs against its in-memory Node, index by index, and a restarted
  // virtual kubelet takes the VirtualNode's taints as already applied (hydrate): both observed in the lab.
  stalledAdvice:
    "Liqo's virtual kubelet copies a VirtualNode's taints to its Node from its own copy of the Node: after an " +
    "outside change of the Node's taints (kubectl cordon or taint) or a restart of the virtual kubelet it does " +
    'not; peer disable and enable make Liqo create the Node again, with them',
}

export const liqoV1: LiqoAdapter = {
  unpeer: unpeeringV1,
  cordons: cordonsV1,
  line: 'v1',
  generation: 'Liqo v1.x',
  // A VirtualNode's drain is a work item of the controller manager's deletion routine: one that
  // failed (an eviction a PodDisruptionBudget refused, a conflict on the VirtualNode's status) is
  // retried after a delay doubling up to 1000s, reset only by a success (client-go's
  // DefaultControllerRateLimiter); a restart empties the queue.
  drainBehaviour: readDrainBehaviour,
  stalledDrainAdvice:
    `Liqo's controller manager may be waiting to retry an earlier failed drain (up to ~17 min); restarting it ` +
    `(kubectl -n ${LIQO_NAMESPACE} rollout restart deployment ${LIQO_CONTROLLER_MANAGER}) retries at once`,
  listPeerings: listV1,
  getPeering: getV1,
  watchPeerings: watchV1,
  peeringRef: (name) => FOREIGN_CLUSTERS_V1.ref(name),
  namespaceOffloadings: NAMESPACE_OFFLOADINGS_V1,
  setOutgoing: setCreateNode,
  describeOutgoing: (fc, value) =>
    `createNode set to ${value === 'Yes'} on VirtualNode ${(fc.virtualNodes ?? []).map(vnRef).join(', ')}`,
  outgoingAccess: (fc): AccessCheck[] =>
    requireVirtualNodes(fc).map((v) => VIRTUAL_NODES.access('patch', {namespace: v.namespace, name: v.name})),
  switchWording: (fc, value, o) => {
    const want = value === 'Yes'
    const vns = fc.virtualNodes ?? []
    const nodes = vns.map((v) => v.name).join(', ')
    return {
      writes: vns.map((v) => `patch VirtualNode ${vnRef(v)} spec.createNode: ${v.createNode} → ${want}`),
      effect: want
        ? `Liqo's virtual kubelet re-creates the virtual ` +
          `node${vns.length > 1 ? 's' : ''} ${nodes}` +
          `${o.namespaces.length ? `; the remote namespaces of ${o.namespaces.join(', ')} stayed in place` : ''}.`
        : `Liqo cordons and drains virtual ` +
          `node${vns.length > 1 ? 's' : ''} ${o.virtualNodes.join(', ') || nodes} and ` +
          `deletes ${vns.length > 1 ? 'them' : 'it'}.`,
      keeps:
        `Unlike Liqo v0.x, the remote namespaces on ${o.cluster} and the peering itself stay (liqoctl info ` +
        `still shows it); "peer enable" resumes offloading.`,
      stillDoing: 'Liqo is still draining and deleting its virtual node',
    }
  },
}
