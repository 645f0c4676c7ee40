/**
 * Liqo API names, labels and values, per ../shared/reference/liqo-api.md (v0.3 – v0.10 line,
 * `discovery.liqo.io/v1alpha1`, the one with the outgoingPeeringEnabled switch) and liqo-v1.md
 * (v1.x, core.liqo.io). Only src/liqo/ and the lab, which runs or imitates Liqo, use them.
 */
import {resourcePath} from '../k8s/kind.js'
import {NAMESPACE_OFFLOADING_NAME} from '../model/types.js'

export const FOREIGN_CLUSTER = {
  group: 'discovery.liqo.io',
  version: 'v1alpha1',
  plural: 'foreignclusters',
  kind: 'ForeignCluster',
} as const
export const NAMESPACE_OFFLOADING = {
  group: 'offloading.liqo.io',
  version: 'v1alpha1',
  plural: 'namespaceoffloadings',
  kind: 'NamespaceOffloading',
} as const
/**
 * Liqo v1.x (../shared/reference/liqo-v1.md): the ForeignCluster, the VirtualNode with the createNode switch, the
 * NamespaceOffloading.
 */
export const FOREIGN_CLUSTER_V1 = {
  group: 'core.liqo.io',
  version: 'v1beta1',
  plural: 'foreignclusters',
  kind: 'ForeignCluster',
} as const
export const VIRTUAL_NODE_V1 = {
  group: 'offloading.liqo.io',
  version: 'v1beta1',
  plural: 'virtualnodes',
  kind: 'VirtualNode',
} as const
export const NAMESPACE_OFFLOADING_V1 = {
  group: 'offloading.liqo.io',
  version: 'v1beta1',
  plural: 'namespaceoffloadings',
  kind: 'NamespaceOffloading',
} as const

export {NAMESPACE_OFFLOADING_NAME}
export const NAMESPACE_OFFLOADING_FINALIZER = 'namespaceoffloading-controller.liqo.io/finalizer'

export const LABEL_FC_CLUSTER_ID = 'discovery.liqo.io/cluster-id'
export const LABEL_DISCOVERY_TYPE = 'discovery.liqo.io/discovery-type'
export const LABEL_NODE_TYPE = 'liqo.io/type'
export const VIRTUAL_NODE_TYPE = 'virtual-node'
export const LABEL_REMOTE_CLUSTER_ID = 'liqo.io/remote-cluster-id'
export const LABEL_PROVIDER = 'liqo.io/provider'
export const LABEL_REGION = 'topology.liqo.io/region'
export const LABEL_SCHEDULING_ENABLED = 'liqo.io/scheduling-enabled'
export const ANNOTATION_REMOTE_NAMESPACE = 'liqo.io/remote-namespace'
export const VIRTUAL_NODE_TAINT = {key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute'} as const

/** Labels the virtual kubelet puts on the remote twin of an offloaded pod (v0.3.2 – v0.10). */
export const LABEL_TWIN_ORIGIN = 'virtualkubelet.liqo.io/origin'
export const LABEL_TWIN_DESTINATION = 'virtualkubelet.liqo.io/destination'

/** Local cluster identity ConfigMap (in the Liqo namespace). */
export const CLUSTER_ID_CONFIGMAP_SELECTOR = 'app.kubernetes.io/name=clusterid-configmap'
export const LIQO_NAMESPACE = 'liqo'
/** The Deployment of Liqo's controller manager in a default install (liqoctl, the Helm chart). */
export const LIQO_CONTROLLER_MANAGER = 'liqo-controller-manager'

export function fcPath(name?: string): string {
  return resourcePath(FOREIGN_CLUSTER, {name})
}

export function nsOffloadingPath(namespace?: string, name?: string): string {
  return resourcePath(NAMESPACE_OFFLOADING, {namespace, name})
}
