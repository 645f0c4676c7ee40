/**
 * `status`: one screen about the home cluster: the Liqo API detected, this cluster's identity,
 * the peerings, the namespace's offloading and its remote namespaces per cluster, pods per cluster.
 */
import type {KubeClient} from '../k8s/client.js'
import {toForeignCluster, toNamespaceOffloading, toNode} from '../k8s/map.js'
import {NAMESPACE_OFFLOADING_NAME, fcPath, nsOffloadingPath} from '../liqo/constants.js'
import {detectLiqo, localClusterIdentity, requirePeeringApi, type LiqoInfo} from '../liqo/detect.js'
import type {NamespaceOffloading, RemoteNamespaceCondition} from '../model/types.js'
import {describePeers, type PeerInfo} from './peer.js'
import {podsWhere, type PodsWhereResult} from './pods-where.js'

export interface RemoteNamespaceState {
  cluster: string
  clusterId: string
  conditions: RemoteNamespaceCondition[]
}

export interface StatusReport {
  context: string
  server: string
  liqo: LiqoInfo
  local?: {id: string; name?: string}
  peers: PeerInfo[]
  namespace: string
  namespaceExists: boolean
  offloading?: NamespaceOffloading
  /** NamespaceOffloadings with another name, which Liqo ignores. */
  ignoredOffloadings: string[]
  remoteNamespaces: RemoteNamespaceState[]
  pods?: PodsWhereResult
}

export async function status(client: KubeClient, namespace: string): Promise<StatusReport> {
  const liqo = await detectLiqo(client, {exactVersion: true})
  requirePeeringApi(liqo, client.context)
  // The API line is checked once, above; the peers are read without checking it again.
  const [local, peers, nsExists, nsos] = await Promise.all([
    localClusterIdentity(client),
    Promise.all([client.list(fcPath(), {}, toForeignCluster), client.list('/api/v1/nodes', {}, toNode)]).then(([f, n]) => describePeers(client, f.items, n.items)),
    client.getOrNull(`/api/v1/namespaces/${encodeURIComponent(namespace)}`).then((n) => !!n),
    client.list(nsOffloadingPath(namespace), {}, toNamespaceOffloading),
  ])
  const offloading = nsos.items.find((n) => n.name === NAMESPACE_OFFLOADING_NAME)
  const byId = new Map(peers.map((p) => [p.clusterId, p]))
  const remoteNamespaces = Object.entries(offloading?.remoteConditions ?? {})
    .map(([id, conditions]) => ({cluster: byId.get(id)?.clusterName || byId.get(id)?.name || id, clusterId: id, conditions}))
    .sort((a, b) => a.cluster.localeCompare(b.cluster))
  return {
    context: client.context,
    server: client.server,
    liqo,
    ...(local ? {local} : {}),
    peers,
    namespace,
    namespaceExists: nsExists,
    ...(offloading ? {offloading} : {}),
    ignoredOffloadings: nsos.items.filter((n) => n.name !== NAMESPACE_OFFLOADING_NAME).map((n) => n.name),
    remoteNamespaces,
    ...(nsExists ? {pods: await podsWhere(client, {namespace, allNamespaces: false})} : {}),
  }
}
