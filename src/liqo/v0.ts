/**
 * The adapter for Liqo v0.3–v0.10 (discovery.liqo.io/v1alpha1, offloading.liqo.io/v1alpha1): the
 * ForeignCluster with its spec.outgoingPeeringEnabled switch, and the NamespaceOffloading.
 */
import {ApiError, UserError} from '../toolkit/errors.js'
import {sleep} from '../toolkit/clock.js'
import type {Json, KubeClient} from '../k8s/client.js'
import {Kind} from '../k8s/kind.js'
import type {ForeignCluster, NamespaceOffloading} from '../model/types.js'
import type {LiqoAdapter, OutgoingSetting} from './adapter.js'
import {FOREIGN_CLUSTER, LABEL_FC_CLUSTER_ID, NAMESPACE_OFFLOADING} from './constants.js'

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

export function toNamespaceOffloading(raw: Json): NamespaceOffloading {
  const md = raw.metadata ?? {}
  const spec = raw.spec ?? {}
  const st = raw.status ?? {}
  const nso: NamespaceOffloading = {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    uid: md.uid ?? '',
    mappingStrategy: spec.namespaceMappingStrategy ?? 'DefaultName',
    podStrategy: spec.podOffloadingStrategy ?? 'LocalAndRemote',
    remoteConditions: {...(st.remoteNamespacesConditions ?? {})},
    finalizers: [...(md.finalizers ?? [])],
  }
  if (spec.clusterSelector) nso.clusterSelector = {nodeSelectorTerms: spec.clusterSelector.nodeSelectorTerms ?? []}
  if (st.offloadingPhase) nso.phase = st.offloadingPhase
  if (st.remoteNamespaceName) nso.remoteNamespaceName = st.remoteNamespaceName
  if (md.deletionTimestamp) nso.deletionTimestamp = md.deletionTimestamp
  return nso
}

export const FOREIGN_CLUSTERS = new Kind(FOREIGN_CLUSTER, toForeignCluster)
export const NAMESPACE_OFFLOADINGS = new Kind(NAMESPACE_OFFLOADING, toNamespaceOffloading)

/**
 * JSON merge patch of spec.outgoingPeeringEnabled, guarded by the resourceVersion the caller read;
 * on 409 Conflict it re-reads the ForeignCluster and retries (or stops if someone already set the
 * value).
 */
async function patchOutgoing(client: KubeClient, fc: ForeignCluster, value: OutgoingSetting): Promise<{changed: boolean; attempts: number}> {
  let rv = fc.resourceVersion
  const attempts = 10
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await client.patch(FOREIGN_CLUSTERS.path({name: fc.name}), {metadata: {resourceVersion: rv}, spec: {outgoingPeeringEnabled: value}}, 'merge', {
        what: `patch ${FOREIGN_CLUSTER.plural}.${FOREIGN_CLUSTER.group} ${fc.name}`,
      })
      return {changed: true, attempts: attempt}
    } catch (e) {
      if (!(e instanceof ApiError && e.isConflict)) throw e
      // Jittered backoff, as client-go's RetryOnConflict (20ms, 40ms, … up to ~1s), then a fresh
      // read right before the next attempt, so the guard is as current as it can be.
      await sleep(Math.min(20 * 2 ** (attempt - 1), 1000) * (0.75 + Math.random() / 2))
      const fresh = await client.getOrNull(FOREIGN_CLUSTERS.path({name: fc.name}))
      if (!fresh) throw new UserError(`ForeignCluster "${fc.name}" was deleted while changing it`)
      if (fresh.spec?.outgoingPeeringEnabled === value) return {changed: false, attempts: attempt}
      rv = fresh.metadata?.resourceVersion
    }
  }
  throw new UserError(`ForeignCluster "${fc.name}" kept changing under us (${attempts} conflicts in a row)`, 'something else is updating it; try again')
}

export const liqoV0: LiqoAdapter = {
  line: 'v0',
  foreignClusters: FOREIGN_CLUSTERS,
  namespaceOffloadings: NAMESPACE_OFFLOADINGS,
  setOutgoing: patchOutgoing,
  describeOutgoing: (fc, value) => `outgoingPeeringEnabled set to "${value}" on ForeignCluster ${fc.name}`,
  outgoingAccess: (name) => FOREIGN_CLUSTERS.access('patch', {name}),
}
