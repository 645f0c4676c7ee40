/**
 * The adapter for Liqo v0.3–v0.10 (discovery.liqo.io/v1alpha1, offloading.liqo.io/v1alpha1): the
 * ForeignCluster with its spec.outgoingPeeringEnabled switch, and the NamespaceOffloading.
 */
import type {Json, KubeClient} from '../k8s/client.js'
import {Kind, type WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import type {ForeignCluster, Node} from '../model/types.js'
import type {LiqoAdapter, OutgoingSetting, PeeringsWatch} from './adapter.js'
import {FOREIGN_CLUSTER, LABEL_FC_CLUSTER_ID, NAMESPACE_OFFLOADING} from './constants.js'
import {guardedPatch} from './guarded-patch.js'
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
function patchOutgoing(client: KubeClient, fc: ForeignCluster, value: OutgoingSetting): Promise<{changed: boolean; attempts: number}> {
  return guardedPatch(client, {
    path: FOREIGN_CLUSTERS.path({name: fc.name}),
    what: `${FOREIGN_CLUSTER.plural}.${FOREIGN_CLUSTER.group} ${fc.name}`,
    resourceVersion: fc.resourceVersion,
    body: {spec: {outgoingPeeringEnabled: value}},
    done: (fresh) => fresh.spec?.outgoingPeeringEnabled === value,
  })
}

/** The v0 peerings are the ForeignClusters themselves: one reflector. */
function watchV0(client: KubeClient, policy: WatchPolicy, _nodes: Reflector<Node>, o: {name?: string} = {}): PeeringsWatch {
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

export const liqoV0: LiqoAdapter = {
  line: 'v0',
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
        ? `Liqo cordons and drains virtual node ${o.virtualNodes.join(', ')}, deletes it, and tears down the remote namespaces on ${o.cluster}.`
        : `Liqo re-creates the virtual node${o.namespaces.length ? ` and the remote namespaces of: ${o.namespaces.join(', ')}` : ''}.`,
    stillDoing: 'Liqo is still removing its virtual node and remote namespaces',
  }),
}
