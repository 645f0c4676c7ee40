/**
 * `status`: one screen about the home cluster: the Liqo API detected, this cluster's identity,
 * the peerings, the namespace's offloading and its remote namespaces per cluster, pods per cluster.
 */
import type {KubeClient} from '../k8s/client.js'
import {NAMESPACES} from '../k8s/kinds.js'
import {adapterFor} from '../liqo/connect.js'
import {detectLiqo, localClusterIdentity, type LiqoInfo} from '../liqo/detect.js'
import {NODES} from '../liqo/nodes.js'
import {countVirtualNodePods, describePeers, type PeerInfo} from '../liqo/peers.js'
import {placementResult, readPods, type PodsWhereResult} from '../liqo/placement.js'
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
  const scope = {namespace, allNamespaces: false}
  // Every read starts as soon as what it needs is known: what does not depend on the Liqo API line
  // starts with its detection, the rest when the line is known (two round trips, not five).
  const liqoRead = detectLiqo(client, {exactVersion: true})
  const nodesRead = NODES.list(client).then((r) => r.items)
  const adapterRead = liqoRead.then((liqo) => adapterFor(liqo, client.context))
  const [liqo, local, nodes, podsOn, fcs, nsExists, nsos, pods] = await Promise.all([
    liqoRead,
    localClusterIdentity(client),
    nodesRead,
    nodesRead.then(async (n) => countVirtualNodePods(client, n)),
    // The API line is checked once, by the detection; the peers are read without checking it again.
    Promise.all([adapterRead, nodesRead]).then(
      async ([adapter, n]) => (await adapter.listPeerings(client, {nodes: n})).items,
    ),
    client.getOrNull(NAMESPACES.path({name: namespace})).then((n) => !!n),
    adapterRead.then(async (adapter) => adapter.namespaceOffloadings.list(client, {namespace})),
    // Read beside the namespace's check; its failure matters only if the namespace exists.
    readPods(client, scope).then(
      (items) => ({items}),
      (error: unknown) => ({error}),
    ),
  ])
  if (nsExists && 'error' in pods) throw pods.error
  const peers = describePeers(fcs, nodes, podsOn, client.serverNow())
  const offloading = nsos.items.find((n) => n.name === NAMESPACE_OFFLOADING_NAME)
  const byId = new Map(peers.map((p) => [p.clusterId, p]))
  const remoteNamespaces = Object.entries(offloading?.remoteConditions ?? {})
    .map(([id, conditions]) => ({
      cluster: byId.get(id)?.clusterName || byId.get(id)?.name || id,
      clusterId: id,
      conditions,
    }))
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
    ...(nsExists
      ? {
          pods: placementResult(client, scope, 'items' in pods ? pods.items : [], nodes, {
            fcs,
            liqo: liqo.line,
            warnings: [],
          }),
        }
      : {}),
  }
}
