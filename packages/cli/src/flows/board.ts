/**
 * The flow of `board`: the live placement (the same watches as `pods where -w`) and the peerings
 * feed a store; the full-screen view (src/ui/board.ts, Ink, loaded only here) draws it. From the
 * board, d / e on the selected cluster runs the same plan → preview → confirm → change → wait as
 * `peer disable|enable`, the preview and question shown in the board.
 */
import {NODES} from '../liqo/nodes.js'
import {cordonsOf} from '../liqo/peers.js'
import type {PodsWhereOptions} from '../liqo/placement.js'
import {boardColumns, describeMove, type BoardPeer} from '../render/board.js'
import {clusterDisplayName, type PlacedPod} from '../model/placement.js'
import {peerChangeWords as words, renderPlan} from '../render/peer.js'
import {listForeignClusters, planPeerChange, type PeerAction} from '../services/peer.js'
import {watchPlacement} from '../services/pods-where.js'
import {UsageError} from '../toolkit/errors.js'
import {reachLine} from '../toolkit/rerun.js'
import {BoardStore, type BoardHandlers} from '../ui/board-store.js'
import type {Progress} from '../ui/progress.js'
import {changePeering, type PeerConversation} from './peer-change.js'
import type {Session} from './session.js'

/** How often the column headers (the peerings' state) are read again. */
const PEERS_EVERY_MS = 2000

/** The board of the session's namespace, or (allNamespaces) of every namespace. */
export async function runBoard(s: Session, options: {allNamespaces: boolean}): Promise<void> {
  const {io, client, signal} = s
  const o: PodsWhereOptions = {namespace: s.namespace, allNamespaces: options.allNamespaces}
  if (!io.stdinIsTTY || !io.stderrIsTTY)
    throw new UsageError(
      'the board needs a terminal (stdin and stderr)',
      'for a stream of changes use: liqo-topology pods where -w',
    )
  const store = new BoardStore({
    context: client.context,
    scope: o.allNamespaces ? 'all namespaces' : `namespace ${o.namespace}`,
  })
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
  const timer = setInterval(
    () => void readPeers().catch((e: unknown) => store.event(`peerings: ${(e as Error).message}`)),
    PEERS_EVERY_MS,
  )
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
    act: (action, foreignCluster) => void boardChange({...s, signal: ctl.signal}, store, {action, foreignCluster}),
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

/** d / e pressed on a cluster's column. */
interface BoardAction {
  action: PeerAction
  foreignCluster: string
}

/** d / e from the board: the same change as `peer disable|enable`, the preview and question in the board. */
async function boardChange(s: Session, store: BoardStore, o: BoardAction): Promise<void> {
  const {action, foreignCluster} = o
  try {
    const {liqo, fcs} = await listForeignClusters(s.client)
    const plan = await planPeerChange(s.client, liqo, action, foreignCluster, fcs)
    await changePeering(s, onTheBoard(s, store), {liqo, plan, force: false, wait: true, timeoutMs: 120_000})
  } catch (e) {
    store.status('')
    if (!s.signal.aborted) store.event(`error: ${(e as Error).message}`)
  }
}

/** The board's side of the conversation: the plan and a y/N question in the board, progress in its footer. */
function onTheBoard(s: Session, store: BoardStore): PeerConversation {
  let preview = ''
  return {
    showPlan: (plan) => {
      if (plan.alreadyDone) store.event(words.already(plan))
      else preview = renderPlan(plan).trimEnd()
    },
    confirm: async (plan, stuck) => {
      // The board does not force a change: it says which command does.
      const force = reachLine(`peer ${plan.action}`, [plan.cluster.name, '--force'], s.stage.reach)
      let question = `${words.question(plan)} (y/N)`
      if (stuck.length) question = `${words.stuck(stuck)}: the board does not force it (use: ${force}). Press any key.`
      const yes = await store.ask({text: preview, question, canConfirm: stuck.length === 0})
      store.event(yes ? words.applying(plan) : `aborted: ${words.declined(plan)}`)
      return yes
    },
    progress: async () => boardProgress(store),
  }
}

/** Progress in the board's footer; what stays (done, failed, the connection) in its events. */
function boardProgress(store: BoardStore): Progress {
  const last = (m: string) => {
    store.status('')
    store.event(m)
  }
  return {
    update: (m) => store.status(m),
    succeed: last,
    fail: last,
    warn: (m) => store.event(`warning: ${m}`),
    info: (m) => store.event(m),
    stop: () => store.status(''),
  }
}
