/**
 * Where every pod runs, read once: one paged list per kind (pods in the server's Table form,
 * nodes, ForeignClusters), in parallel; never a request per pod. Placed by src/model/placement.ts.
 */
import type {KubeClient} from '../k8s/client.js'
import {PODS, requireNamespace} from '../k8s/kinds.js'
import {podFromTableRow} from '../k8s/map.js'
import {place, type Placement} from '../model/placement.js'
import type {Node, Pod} from '../model/types.js'
import {peeringsOrWarning, type PeeringsOrWarning} from './connect.js'
import type {LiqoLine} from './detect.js'
import {NODES} from './nodes.js'

export interface PodsWhereOptions {
  namespace: string
  allNamespaces: boolean
  labelSelector?: string
  /** Server-side field selector, as kubectl's --field-selector. */
  fieldSelector?: string
}

export interface PodsWhereResult extends Placement {
  namespace?: string
  allNamespaces: boolean
  context: string
  liqo: LiqoLine
  warnings: string[]
}

/** The scope of the pods to place: one namespace, or every namespace. */
export function podScope(o: PodsWhereOptions): {namespace?: string; labelSelector?: string; fieldSelector?: string} {
  return {
    ...(o.allNamespaces ? {} : {namespace: o.namespace}),
    ...(o.labelSelector ? {labelSelector: o.labelSelector} : {}),
    ...(o.fieldSelector ? {fieldSelector: o.fieldSelector} : {}),
  }
}

export async function readPlacement(client: KubeClient, o: PodsWhereOptions): Promise<PodsWhereResult> {
  // The nodes are read once: for the placement, and for the peerings where Liqo v1 needs them.
  const nodesRead = NODES.list(client).then((r) => r.items)
  const [pods, nodes, fcs] = await Promise.all([readPods(client, o), nodesRead, peeringsOrWarning(client, nodesRead)])
  // An empty list from a namespace that does not exist is a typo, not "no pods".
  if (pods.length === 0 && !o.allNamespaces) await requireNamespace(client, o.namespace)
  return placementResult(client, o, pods, nodes, fcs)
}

/**
 * The pods in scope, in the Table form (as kubectl), in big pages: 10,000 pods are a few requests.
 * The table has no scheduler message: for unscheduled pods only, one more list fetches it.
 */
export async function readPods(client: KubeClient, o: PodsWhereOptions): Promise<Pod[]> {
  const scope = podScope(o)
  const pods = (await PODS.listTable(client, {...scope, limit: 2000}, podFromTableRow)).items
  if (pods.some((p) => !p.nodeName && !p.deletionTimestamp)) {
    const unscheduled = await PODS.list(client, {
      ...scope,
      fieldSelector: [scope.fieldSelector, 'spec.nodeName='].filter(Boolean).join(','),
    })
    const why = new Map(unscheduled.items.map((p) => [`${p.namespace}/${p.name}`, p.unschedulableMessage]))
    for (const p of pods) {
      const m = why.get(`${p.namespace}/${p.name}`)
      if (m) p.unschedulableMessage = m
    }
  }
  return pods
}

/** The placement of pods read by readPods, with the nodes and peerings read beside them. */
export function placementResult(
  client: KubeClient,
  o: PodsWhereOptions,
  pods: Pod[],
  nodes: Node[],
  fcs: Pick<PeeringsOrWarning, 'fcs' | 'liqo' | 'warnings'>,
): PodsWhereResult {
  return {
    ...place(pods, nodes, fcs.fcs),
    ...(o.allNamespaces ? {} : {namespace: o.namespace}),
    allNamespaces: o.allNamespaces,
    context: client.context,
    liqo: fcs.liqo,
    warnings: fcs.warnings,
  }
}
