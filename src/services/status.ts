/**
 * `status`: one screen about the home cluster: the Liqo API detected, this cluster's identity,
 * the peerings, the namespace's offloading and its remote namespaces per cluster, pods per cluster.
 */
import type {KubeClient} from '../k8s/client.js'
import {NAMESPACES} from '../k8s/kinds.js'
import {adapterFor} from '../liqo/connect.js'
import {detectLiqo, localClusterIdentity, type LiqoInfo} from '../liqo/detect.js'
import {NODES} from '../liqo/nodes.js'
import {describePeers, type PeerInfo} from '../liqo/peers.js'
import {readPlacement, type PodsWhereResult} from '../liqo/placement.js'
import {NAMESPACE_OFFLOADING_NAME, type NamespaceOffloading, type RemoteNamespaceCondition} from '../model/types.js'
import {byName} from '../toolkit/text.js'

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
  const adapter = adapterFor(liqo, client.context)
  // The API line is checked once, above; the peers are read without checking it again.
  const [local, peers, nsExists, nsos] = await Promise.all([
    localClusterIdentity(client),
    NODES.list(client).then(async (n) => describePeers(client, (await adapter.listPeerings(client, {nodes: n.items})).items, n.items)),
    client.getOrNull(NAMESPACES.path({name: namespace})).then((n) => !!n),
    adapter.namespaceOffloadings.list(client, {namespace}),
  ])
  const offloading = nsos.items.find((n) => n.name === NAMESPACE_OFFLOADING_NAME)
  const byId = new Map(peers.map((p) => [p.clusterId, p]))
  const remoteNamespaces = Object.entries(offloading?.remoteConditions ?? {})
    .map(([id, conditions]) => ({cluster: byId.get(id)?.clusterName || byId.get(id)?.name || id, clusterId: id, conditions}))
    .sort((a, b) => byName(a.cluster, b.cluster))
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
    ...(nsExists ? {pods: await readPlacement(client, {namespace, allNamespaces: false})} : {}),
  }
}
