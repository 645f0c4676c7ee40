/**
 * The flow of `board`: the live placement (the same watches as `pods where -w`) and the peerings
 * feed a store; the full-screen view (src/ui/board.ts, Ink, loaded only here) draws it. From the
 * board, d / e on the selected cluster runs the same plan → preview → confirm → change → wait as
 * `peer disable|enable`, the preview and question shown in the board.
 */
import type {KubeClient} from '../k8s/client.js'
import {NODES} from '../liqo/nodes.js'
import {cordonsOf} from '../liqo/peers.js'
import type {PodsWhereOptions} from '../liqo/placement.js'
import {boardColumns, describeMove, type BoardPeer} from '../render/board.js'
import {needsForce} from '../model/impact.js'
import {clusterDisplayName, type PlacedPod} from '../model/placement.js'
import {renderPlan} from '../render/peer.js'
import {applyPeerChange, listForeignClusters, planPeerChange, type PeerAction, type PeerPlan} from '../services/peer.js'
import {watchPlacement} from '../services/pods-where.js'
import {systemClock} from '../toolkit/clock.js'
import {UsageError} from '../toolkit/errors.js'
import type {IO} from '../toolkit/io.js'
import {reachLine, type Reach} from '../toolkit/rerun.js'
import {BoardStore, type BoardHandlers} from '../ui/board-store.js'

/** How often the column headers (the peerings' state) are read again. */
const PEERS_EVERY_MS = 2000

/** `reach`: how the command reached the cluster, for the command line the board may suggest. */
export async function runBoard(io: IO, client: KubeClient, o: PodsWhereOptions, signal: AbortSignal, reach?: Reach): Promise<void> {
  const to = reach ?? {context: client.context, args: [], leftOut: []}
  if (!io.stdinIsTTY || !io.stderrIsTTY) throw new UsageError('the board needs a terminal (stdin and stderr)', 'for a stream of changes use: liqo-topology pods where -w')
  const store = new BoardStore({context: client.context, scope: o.allNamespaces ? 'all namespaces' : `namespace ${o.namespace}`})
  const pods = new Map<string, PlacedPod>()
  let peers: BoardPeer[] = []
  const redraw = () => store.set({columns: boardColumns([...pods.values()], peers)})
  const readPeers = async () => {
    const nodes = NODES.list(client).then((r) => r.items)
    const {fcs} = await listForeignClusters(client, nodes)
    const all = await nodes
    peers = fcs.map((fc) => ({
      name: clusterDisplayName(fc),
      foreignCluster: fc.name,
      state: `${fc.outgoingEnabled}/${fc.outgoingPhase}${cordonsOf(fc, all).includes('cordon') ? ', cordoned' : ''}`,
    }))
    redraw()
  }
  const ctl = new AbortController()
  signal.addEventListener('abort', () => ctl.abort(), {once: true})
  await readPeers()
  const timer = setInterval(() => void readPeers().catch((e: unknown) => store.event(`peerings: ${(e as Error).message}`)), PEERS_EVERY_MS)
  const watching = watchPlacement(
    client,
    o,
    ctl.signal,
    (initial) => {
      for (const it of initial.items) pods.set(`${it.namespace}/${it.name}`, it)
      redraw()
    },
    (ev) => {
      const key = `${ev.item.namespace}/${ev.item.name}`
      const before = pods.get(key)
      if (ev.type === 'DELETED') pods.delete(key)
      else pods.set(key, ev.item)
      const line = describeMove(before, ev.type === 'DELETED' ? undefined : ev.item)
      if (line) store.event(line)
      redraw()
    },
  ).catch((e: unknown) => {
    if (!ctl.signal.aborted) store.event(`watch ended: ${(e as Error).message}`)
  })
  const handlers: BoardHandlers = {
    quit: () => ctl.abort(),
    act: (action, foreignCluster) => void changePeering(client, store, action, foreignCluster, ctl.signal, to),
  }
  try {
    const {showBoard} = await import('../ui/board.js')
    await showBoard(store, handlers, ctl.signal)
  } finally {
    ctl.abort()
    clearInterval(timer)
    await watching
  }
}

/** d / e from the board: the plan as a preview, a y/N question, then the change and its wait. */
async function changePeering(client: KubeClient, store: BoardStore, action: PeerAction, foreignCluster: string, signal: AbortSignal, reach: Reach): Promise<void> {
  let plan: PeerPlan
  try {
    const {liqo, fcs} = await listForeignClusters(client)
    plan = await planPeerChange(client, liqo, action, foreignCluster, fcs)
    const verb = action === 'disable' ? 'disabled' : 'enabled'
    if (plan.alreadyDone) return store.event(`peering to ${plan.cluster.name} already ${verb}; nothing to change`)
    const stuck = needsForce(plan.impact?.pods ?? [])
    const question = stuck.length
      ? `${stuck.length} pod(s) would stay Pending or not be replaced: the board does not force it (use: ${reachLine(`peer ${action}`, [plan.cluster.name, '--force'], reach)}). Press any key.`
      : `${action === 'disable' ? 'Disable' : 'Enable'} outgoing peering to "${plan.cluster.name}" on context "${plan.context}"? (y/N)`
    const yes = await store.ask({text: renderPlan(plan).trimEnd(), question, canConfirm: stuck.length === 0})
    if (!yes) return store.event(`aborted: peering to ${plan.cluster.name} left as it was`)
    store.event(`${action} ${plan.cluster.name}: ${plan.wording.writes.join('; ').trim()}`)
    const r = await applyPeerChange(client, liqo, plan, {wait: true, timeoutMs: 120_000, signal, clock: systemClock, onProgress: (m) => store.status(m)})
    store.status('')
    store.event(action === 'disable' ? `rescheduling converged in ${(r.elapsedMs / 1000).toFixed(1)}s` : `${plan.cluster.name} ready in ${(r.elapsedMs / 1000).toFixed(1)}s`)
  } catch (e) {
    store.status('')
    if (!signal.aborted) store.event(`error: ${(e as Error).message}`)
  }
}
