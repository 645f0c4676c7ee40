/**
 * `pods where`: every pod with the cluster it runs on. One paged list per kind (pods, nodes,
 * ForeignClusters), in parallel; never a request per pod.
 */
import {ApiError, UserError} from '../toolkit/errors.js'
import type {KubeClient} from '../k8s/client.js'
import {podFromTableRow, toForeignCluster, toNode, toPod} from '../k8s/map.js'
import {fcPath} from '../liqo/constants.js'
import {detectLiqo, type LiqoLine} from '../liqo/detect.js'
import {place, type PlacedPod, type Placement} from '../model/placement.js'
import type {ForeignCluster, Pod} from '../model/types.js'
import {Reflector} from '../k8s/reflector.js'

export interface PodsWhereOptions {
  namespace: string
  allNamespaces: boolean
  labelSelector?: string
}

export interface PodsWhereResult extends Placement {
  namespace?: string
  allNamespaces: boolean
  context: string
  liqo: LiqoLine
  warnings: string[]
}

/** ForeignClusters, or [] with a warning when this cluster has no v0.x Liqo API. */
export async function listForeignClustersTolerant(client: KubeClient): Promise<{fcs: ForeignCluster[]; liqo: LiqoLine; warnings: string[]}> {
  try {
    return {fcs: (await client.list(fcPath(), {}, toForeignCluster)).items, liqo: 'v0', warnings: []}
  } catch (e) {
    if (!(e instanceof ApiError && e.isNotFound)) throw e
  }
  const info = await detectLiqo(client)
  const warnings =
    info.line === 'none'
      ? [`no Liqo API on context "${client.context}": every scheduled pod is shown as local`]
      : [`${info.description} on context "${client.context}": remote clusters are shown by cluster ID`]
  return {fcs: [], liqo: info.line, warnings}
}

export async function assertNamespaceExists(client: KubeClient, namespace: string): Promise<void> {
  const ns = await client.getOrNull(`/api/v1/namespaces/${encodeURIComponent(namespace)}`)
  if (!ns) {
    throw new UserError(`namespace "${namespace}" not found on context "${client.context}"`, 'check the name with: kubectl get namespaces')
  }
}

export async function podsWhere(client: KubeClient, o: PodsWhereOptions): Promise<PodsWhereResult> {
  const podsPath = o.allNamespaces ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods`
  // Pods in the Table form (as kubectl), in big pages: 10,000 pods are a few requests.
  const [pods, nodes, fcs] = await Promise.all([
    client.listTable(podsPath, {labelSelector: o.labelSelector, limit: 2000}, podFromTableRow),
    client.list('/api/v1/nodes', {}, toNode),
    listForeignClustersTolerant(client),
  ])
  // An empty list from a namespace that does not exist is a typo, not "no pods".
  if (pods.items.length === 0 && !o.allNamespaces) await assertNamespaceExists(client, o.namespace)
  // The table has no scheduler message; fetch it for the unscheduled pods only (one more list).
  if (pods.items.some((p) => !p.nodeName && !p.deletionTimestamp)) {
    const unscheduled = await client.list(podsPath, {labelSelector: o.labelSelector, fieldSelector: 'spec.nodeName='}, toPod)
    const why = new Map(unscheduled.items.map((p) => [`${p.namespace}/${p.name}`, p.unschedulableMessage]))
    for (const p of pods.items) {
      const m = why.get(`${p.namespace}/${p.name}`)
      if (m) p.unschedulableMessage = m
    }
  }
  return {
    ...place(pods.items, nodes.items, fcs.fcs),
    ...(o.allNamespaces ? {} : {namespace: o.namespace}),
    allNamespaces: o.allNamespaces,
    context: client.context,
    liqo: fcs.liqo,
    warnings: fcs.warnings,
  }
}

export interface PlacementEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  item: PlacedPod
}

/**
 * `pods where -w`: the current placement once, then every change of a pod (including the cluster
 * it lands on) until the signal aborts. Watches pods, nodes and ForeignClusters; no polling.
 */
export async function watchPlacement(
  client: KubeClient,
  o: PodsWhereOptions,
  signal: AbortSignal,
  onInitial: (r: PodsWhereResult) => void,
  onEvent: (e: PlacementEvent) => void,
): Promise<void> {
  const liqo = await listForeignClustersTolerant(client)
  const podsPath = o.allNamespaces ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods`
  const pods = new Reflector(client, podsPath, {labelSelector: o.labelSelector, map: toPod})
  const nodes = new Reflector(client, '/api/v1/nodes', {map: toNode})
  const fcs = liqo.liqo === 'v0' ? new Reflector(client, fcPath(), {map: toForeignCluster}) : undefined
  const ctl = new AbortController()
  const stop = () => ctl.abort()
  signal.addEventListener('abort', stop, {once: true})
  let ready = false
  const current = () => ({nodes: [...nodes.store.values()], fcs: fcs ? [...fcs.store.values()] : []})
  const placeOne = (p: Pod): PlacedPod => {
    const {nodes: n, fcs: f} = current()
    return place([p], n, f).items[0]!
  }
  const fingerprint = (item: PlacedPod, type: string) => JSON.stringify([item.cluster, item.status, item.ready, item.restarts, item.node, type])
  const last = new Map<string, string>()
  const runs = [
    nodes.run(ctl.signal, () => {}),
    ...(fcs ? [fcs.run(ctl.signal, () => {})] : []),
    pods.run(ctl.signal, (changes) => {
      if (!ready) return
      for (const c of changes) {
        const item = placeOne(c.obj)
        const fp = fingerprint(item, c.type)
        if (last.get(c.key) === fp) continue
        last.set(c.key, fp)
        onEvent({type: c.type, item})
      }
    }),
  ]
  try {
    await Promise.race([Promise.all([pods.whenSynced(), nodes.whenSynced(), ...(fcs ? [fcs.whenSynced()] : [])]), Promise.race(runs)])
    if (pods.store.size === 0 && !o.allNamespaces) await assertNamespaceExists(client, o.namespace)
    const {nodes: n, fcs: f} = current()
    const initial = place([...pods.store.values()], n, f)
    for (const it of initial.items) last.set(`${it.namespace}/${it.name}`, fingerprint(it, 'ADDED'))
    onInitial({
      ...initial,
      ...(o.allNamespaces ? {} : {namespace: o.namespace}),
      allNamespaces: o.allNamespaces,
      context: client.context,
      liqo: liqo.liqo,
      warnings: liqo.warnings,
    })
    ready = true
    // Runs until Ctrl-C; a watch that fails for good (e.g. Forbidden) ends it with that error.
    await Promise.race([new Promise<void>((r) => ctl.signal.addEventListener('abort', () => r(), {once: true})), Promise.race(runs)])
  } finally {
    ctl.abort()
    await Promise.allSettled(runs)
    signal.removeEventListener('abort', stop)
  }
}
