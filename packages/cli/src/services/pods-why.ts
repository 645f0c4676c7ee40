/**
 * `pods why`: for one pod, or every Pending pod of a namespace, the cluster it runs on and why it
 * may run there and not elsewhere (./model/why.ts), with the scheduler's own FailedScheduling
 * event of a Pending pod. Reads once: the pod(s), nodes, peerings, the NamespaceOffloading, the
 * pods bound to each node (for its room) and the events; never a request per pod.
 */
import type {KubeClient} from '../k8s/client.js'
import {EVENTS, PODS, requireNamespace} from '../k8s/kinds.js'
import {peeringsOrWarning} from '../liqo/connect.js'
import type {LiqoLine} from '../liqo/detect.js'
import {NODES} from '../liqo/nodes.js'
import {clusterOfNode, indexForeignClusters, type ClusterRef} from '../model/placement.js'
import type {OffloadingRule} from '../model/scheduling.js'
import {NAMESPACE_OFFLOADING_NAME, type KubeEvent, type Node, type Pod, type PodScheduling} from '../model/types.js'
import {checkAgainstScheduler, clusterVerdicts, type ClusterVerdict, type SchedulerCheck} from '../model/why.js'
import {ApiError} from '../toolkit/errors.js'

export interface PodsWhyOptions {
  namespace: string
  /** One pod; without it, every Pending pod of the namespace. */
  pod?: string
}

export interface PodWhy {
  namespace: string
  name: string
  status: string
  /** The cluster it runs on ("<none>" while Pending). */
  cluster: ClusterRef
  node?: string
  /** Where it is not scheduled yet, the scheduler's condition message. */
  unschedulableMessage?: string
  scheduling: PodScheduling
  clusters: ClusterVerdict[]
  /** For a pod not scheduled: its last FailedScheduling event compared with our reasoning. */
  scheduler?: SchedulerCheck
}

export interface PodsWhyResult {
  namespace: string
  context: string
  liqo: LiqoLine
  /** The namespace's NamespaceOffloading, as a rule on nodes; absent when the namespace is not offloaded. */
  offloading?: OffloadingRule
  pods: PodWhy[]
  warnings: string[]
}

export async function explainPods(client: KubeClient, o: PodsWhyOptions): Promise<PodsWhyResult> {
  const nodesRead = NODES.list(client).then((r) => r.items)
  const [pods, nodes, liqo, events] = await Promise.all([
    readSubjects(client, o),
    nodesRead,
    peeringsOrWarning(client, nodesRead),
    failedScheduling(client, o),
  ])
  const nso = liqo.adapter
    ? await liqo.adapter.namespaceOffloadings.get(client, NAMESPACE_OFFLOADING_NAME, {namespace: o.namespace})
    : undefined
  const offloading: OffloadingRule | undefined =
    nso && !nso.deletionTimestamp
      ? {
          ref: `${nso.namespace}/${nso.name}`,
          podStrategy: nso.podStrategy,
          ...(nso.clusterSelector ? {clusterSelector: nso.clusterSelector} : {}),
        }
      : undefined
  const bound = await podsByNode(client, pods.length ? nodes : [])
  const nodeMap = new Map(nodes.map((n) => [n.name, n]))
  const byId = indexForeignClusters(liqo.fcs)
  const items = pods.map((p): PodWhy => {
    const clusters = clusterVerdicts(p, {nodes, fcs: liqo.fcs, offloading, podsOnNode: (n) => bound.get(n) ?? []})
    const w: PodWhy = {
      namespace: p.namespace,
      name: p.name,
      status: p.status,
      cluster: clusterOfNode(p.nodeName, nodeMap, byId),
      scheduling: p.scheduling,
      clusters,
    }
    if (p.nodeName) w.node = p.nodeName
    if (p.unschedulableMessage) w.unschedulableMessage = p.unschedulableMessage
    const event = p.nodeName ? undefined : events.get(p.uid)
    if (event) w.scheduler = checkAgainstScheduler(clusters, event)
    return w
  })
  return {
    namespace: o.namespace,
    context: client.context,
    liqo: liqo.liqo,
    ...(offloading ? {offloading} : {}),
    pods: items,
    warnings: liqo.warnings,
  }
}

/** The pod named, or every Pending pod of the namespace not being deleted; kubectl's NotFound for an unknown pod. */
async function readSubjects(client: KubeClient, o: PodsWhyOptions): Promise<Pod[]> {
  if (o.pod) {
    const pod = await PODS.get(client, o.pod, {namespace: o.namespace})
    if (pod) return [pod]
    await requireNamespace(client, o.namespace)
    throw new ApiError(
      404,
      'NotFound',
      `pods "${o.pod}" not found`,
      `get pods ${o.pod}`,
      `list the pods of namespace "${o.namespace}" with: liqo-topology pods where -n ${o.namespace}`,
    )
  }
  const pending = (await PODS.list(client, {namespace: o.namespace, fieldSelector: 'spec.nodeName='})).items.filter(
    (p) => !p.deletionTimestamp && p.phase === 'Pending',
  )
  if (pending.length === 0) await requireNamespace(client, o.namespace)
  return pending
}

/** The last FailedScheduling event of each pod of the namespace, by pod UID. */
async function failedScheduling(client: KubeClient, o: PodsWhyOptions): Promise<Map<string, KubeEvent>> {
  const fieldSelector = [
    'involvedObject.kind=Pod',
    'reason=FailedScheduling',
    ...(o.pod ? [`involvedObject.name=${o.pod}`] : []),
  ].join(',')
  const last = new Map<string, KubeEvent>()
  for (const e of (await EVENTS.list(client, {namespace: o.namespace, fieldSelector})).items) {
    const seen = last.get(e.involvedUid)
    if (!seen || Date.parse(e.lastSeen) >= Date.parse(seen.lastSeen)) last.set(e.involvedUid, e)
  }
  return last
}

/**
 * The pods bound to each node with an allocatable that have not finished (what the scheduler counts against it): one
 * field-selected list of every bound pod, whatever the number of nodes.
 */
async function podsByNode(client: KubeClient, nodes: Node[]): Promise<Map<string, Pod[]>> {
  const withRoom = new Map(nodes.filter((n) => n.allocatable).map((n) => [n.name, [] as Pod[]]))
  if (!withRoom.size) return withRoom
  const fieldSelector = 'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed'
  for (const p of (await PODS.list(client, {fieldSelector})).items) if (p.nodeName) withRoom.get(p.nodeName)?.push(p)
  return withRoom
}
