/** `pods where -w`: placement as it changes. The one-shot read of `pods where` is src/liqo/placement.ts. */
import type {KubeClient} from '../k8s/client.js'
import {PODS, requireNamespace} from '../k8s/kinds.js'
import {peeringsOrWarning} from '../liqo/connect.js'
import {NODES} from '../liqo/nodes.js'
import {podScope, type PodsWhereOptions, type PodsWhereResult} from '../liqo/placement.js'
import type {Change} from '../k8s/reflector.js'
import {nodeShapeChanged, place, type PlacedPod} from '../model/placement.js'
import type {ForeignCluster, Node, Pod} from '../model/types.js'

export interface PlacementEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  item: PlacedPod
}

/** Which pods to watch, until when, and where each change goes. */
export interface WatchPlacementOptions extends PodsWhereOptions {
  signal: AbortSignal
  onInitial: (r: PodsWhereResult) => void
  onEvent: (e: PlacementEvent) => void
  /**
   * The board's column headers: the peerings and nodes after the initial placement and on every
   * change of them that nodeShapeChanged counts, from the same watches (a Node's other fields, its
   * heartbeat say, may be older than the last event).
   */
  onPeerings?: (fcs: ForeignCluster[], nodes: Node[]) => void
}

/**
 * `pods where -w`: the current placement once, then every change of a pod (including the cluster
 * it lands on) until the signal aborts. Watches pods, nodes and the peerings; no polling.
 */
export async function watchPlacement(client: KubeClient, o: WatchPlacementOptions): Promise<void> {
  const {signal, onInitial, onEvent, onPeerings} = o
  const liqo = await peeringsOrWarning(client)
  const pods = PODS.reflector(client, podScope(o))
  const nodes = NODES.reflector(client)
  const peerings = liqo.adapter?.watchPeerings(client, {}, nodes)
  const ctl = new AbortController()
  const stop = () => ctl.abort()
  signal.addEventListener('abort', stop, {once: true})
  let ready = false
  // The nodes and peerings as placement reads them, built again only after a change that can change them: not on a
  // Node's heartbeat, nor on each pod's event (Liqo v1's peerings are assembled, cordons and leases included).
  let snapshot: {nodes: Node[]; fcs: ForeignCluster[]} | undefined
  const current = () => (snapshot ??= {nodes: [...nodes.store.values()], fcs: peerings ? peerings.current() : []})
  const placeOne = (p: Pod): PlacedPod => {
    const {nodes: n, fcs: f} = current()
    return place([p], n, f).items[0]!
  }
  const fingerprint = (item: PlacedPod, type: string) =>
    JSON.stringify([item.cluster, item.status, item.ready, item.restarts, item.node, type])
  const last = new Map<string, string>()
  const peeringsChanged = () => {
    snapshot = undefined
    if (!ready || !onPeerings) return
    const {nodes: n, fcs: f} = current()
    onPeerings(f, n)
  }
  const nodesChanged = (changes: Change<Node>[]) => {
    if (changes.some((c) => c.type !== 'MODIFIED' || !c.old || nodeShapeChanged(c.old, c.obj))) peeringsChanged()
  }
  const runs = [
    nodes.run(ctl.signal, nodesChanged),
    ...(peerings?.reflectors ?? []).map((r) => r.run(ctl.signal, peeringsChanged)),
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
    await Promise.race([
      Promise.all([pods.whenSynced(), nodes.whenSynced(), ...(peerings?.reflectors ?? []).map((r) => r.whenSynced())]),
      Promise.race(runs),
    ])
    if (pods.store.size === 0 && !o.allNamespaces) await requireNamespace(client, o.namespace)
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
    peeringsChanged()
    // Runs until Ctrl-C; a watch that fails for good (e.g. Forbidden) ends it with that error.
    await Promise.race([
      new Promise<void>((r) => ctl.signal.addEventListener('abort', () => r(), {once: true})),
      Promise.race(runs),
    ])
  } finally {
    ctl.abort()
    await Promise.allSettled(runs)
    signal.removeEventListener('abort', stop)
  }
}
