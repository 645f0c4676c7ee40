/**
 * The NamespaceOffloading, whose fields are the same in every Liqo generation (v0.x
 * offloading.liqo.io/v1alpha1, v1.x v1beta1): strategies, cluster selector, phase and the remote
 * namespaces' conditions keyed by remote cluster ID.
 */
import type {Json} from '../k8s/client.js'
import type {NamespaceOffloading} from '../model/types.js'

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
