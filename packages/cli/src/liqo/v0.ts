/**
 * The adapter for Liqo v0.3–v0.10 (discovery.liqo.io/v1alpha1, offloading.liqo.io/v1alpha1): the
 * ForeignCluster with its spec.outgoingPeeringEnabled switch, and the NamespaceOffloading.
 */
import type {Json, KubeClient} from '../k8s/client.js'
import {Kind, type WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import {CORDON_HOLDERS, clusterVirtualNodes, cordonHolders, mergeLeases, rebalanceLeases} from '../model/cordon.js'
import type {ForeignCluster, Node} from '../model/types.js'
import type {CordonAdapter, LiqoAdapter, OutgoingSetting, PeeringsWatch} from './adapter.js'
import {editCordonTaints} from './cordon.js'
import {FOREIGN_CLUSTER, LABEL_FC_CLUSTER_ID, NAMESPACE_OFFLOADING} from './constants.js'
import {guardedPatch} from './guarded-patch.js'
import {NODES} from './nodes.js'
import {toNamespaceOffloading} from './offloading.js'

export {toNamespaceOffloading}

export function toForeignCluster(raw: Json): ForeignCluster {
  const md = raw.metadata ?? {}
  const spec = raw.spec ?? {}
  const conditions = ((raw.status?.peeringConditions ?? []) as Json[]).map((c) => ({
    type: c.type,
    status: c.status ?? 'None',
    reason: c.reason,
    message: c.message,
    lastTransitionTime: c.lastTransitionTime,
  }))
  const out = conditions.find((c) => c.type === 'OutgoingPeering')
  const inc = conditions.find((c) => c.type === 'IncomingPeering')
  const labels: Record<string, string> = {...(md.labels ?? {})}
  const fc: ForeignCluster = {
    name: md.name ?? '',
    uid: md.uid ?? '',
    resourceVersion: md.resourceVersion ?? '',
    labels,
    clusterId: spec.clusterIdentity?.clusterID || labels[LABEL_FC_CLUSTER_ID] || '',
    clusterName: spec.clusterIdentity?.clusterName ?? '',
    outgoingEnabled: spec.outgoingPeeringEnabled ?? 'Auto',
    incomingEnabled: spec.incomingPeeringEnabled ?? 'Auto',
    outgoingPhase: out?.status ?? 'None',
    incomingPhase: inc?.status ?? 'None',
    conditions,
    finalizers: [...(md.finalizers ?? [])],
    createdAt: md.creationTimestamp ?? '',
  }
  if (out?.reason) fc.outgoingReason = out.reason
  if (md.deletionTimestamp) fc.deletionTimestamp = md.deletionTimestamp
  return fc
}

export const FOREIGN_CLUSTERS = new Kind(FOREIGN_CLUSTER, toForeignCluster)
export const NAMESPACE_OFFLOADINGS = new Kind(NAMESPACE_OFFLOADING, toNamespaceOffloading)

/** JSON merge patch of spec.outgoingPeeringEnabled, guarded (./guarded-patch.ts). */
function patchOutgoing(
  client: KubeClient,
  fc: ForeignCluster,
  value: OutgoingSetting,
): Promise<{changed: boolean; attempts: number}> {
  return guardedPatch(client, {
    path: FOREIGN_CLUSTERS.path({name: fc.name}),
    what: `${FOREIGN_CLUSTER.plural}.${FOREIGN_CLUSTER.group} ${fc.name}`,
    resourceVersion: fc.resourceVersion,
    body: {spec: {outgoingPeeringEnabled: value}},
    done: (fresh) => fresh.spec?.outgoingPeeringEnabled === value,
  })
}

/** The v0 peerings are the ForeignClusters themselves: one reflector. */
function watchV0(
  client: KubeClient,
  policy: WatchPolicy,
  _nodes: Reflector<Node>,
  o: {name?: string} = {},
): PeeringsWatch {
  const fcs = FOREIGN_CLUSTERS.reflector(client, {...policy, ...(o.name ? {name: o.name} : {})})
  return {
    reflectors: [fcs],
    current: () => [...fcs.store.values()],
    get: (name) => fcs.store.get(name),
    synced: () => fcs.synced,
    seed: (list) =>
      fcs.seed(
        list.items.map((fc) => ({key: fc.name, obj: fc})),
        list.resourceVersion,
      ),
  }
}

/**
 * Cordons go on the virtual Node's own spec.taints. Liqo v0.3's virtual kubelet writes its Node's
 * status (virtual-kubelet v1.6's node controller: a three-way patch of the status subresource) and
 * its labels (liqoNodeProvider.patchLabels: a JSON patch of the labels it changed), and cordons the
 * Node only to drain and delete it when the peering goes: a taint of ours stays as long as the Node.
 * Liqo creates a new Node without it when offloading is enabled again.
 */
const cordonsV0: CordonAdapter = {
  set: (client, fc, nodes, cordon, on) =>
    editCordonTaints(
      client,
      clusterVirtualNodes(nodes, fc.clusterId).map((n) => ({
        path: NODES.path({name: n.name}),
        what: NODES.ref(n.name),
      })),
      cordon,
      on,
    ),
  holders: (fc, nodes) =>
    CORDON_HOLDERS.filter((h) =>
      clusterVirtualNodes(nodes, fc.clusterId).some((n) => cordonHolders(n.taints).includes(h)),
    ),
  leases: (fc, nodes) =>
    mergeLeases(clusterVirtualNodes(nodes, fc.clusterId).flatMap((n) => rebalanceLeases(n.taints))),
  targets: (fc, nodes) => clusterVirtualNodes(nodes, fc.clusterId).map((n) => NODES.ref(n.name)),
  access: (fc, nodes) =>
    clusterVirtualNodes(nodes, fc.clusterId).flatMap((n) =>
      ['get', 'patch'].map((verb) => NODES.access(verb, {name: n.name})),
    ),
  lasting:
    'the taint is on the virtual node itself, which Liqo deletes when the peering is disabled: "peer enable" ' +
    'brings it back uncordoned',
}

export const liqoV0: LiqoAdapter = {
  line: 'v0',
  cordons: cordonsV0,
  generation: 'Liqo v0.3–v0.10',
  listPeerings: (client) => FOREIGN_CLUSTERS.list(client),
  getPeering: (client, name) => FOREIGN_CLUSTERS.get(client, name),
  watchPeerings: watchV0,
  peeringRef: (name) => FOREIGN_CLUSTERS.ref(name),
  namespaceOffloadings: NAMESPACE_OFFLOADINGS,
  setOutgoing: patchOutgoing,
  describeOutgoing: (fc, value) => `outgoingPeeringEnabled set to "${value}" on ForeignCluster ${fc.name}`,
  outgoingAccess: (fc) => [FOREIGN_CLUSTERS.access('patch', {name: fc.name})],
  switchWording: (fc, value, o) => ({
    writes: [`patch spec.outgoingPeeringEnabled: "${fc.outgoingEnabled}" → "${value}"`],
    effect:
      value === 'No'
        ? `Liqo cordons and drains virtual node ${o.virtualNodes.join(', ')}, deletes it, and tears down the ` +
          `remote namespaces on ${o.cluster}.`
        : `Liqo re-creates the virtual ` +
          `node${o.namespaces.length ? ` and the remote namespaces of: ${o.namespaces.join(', ')}` : ''}.`,
    stillDoing: 'Liqo is still removing its virtual node and remote namespaces',
  }),
}
