/**
 * The flow of `board`: the live placement and the peerings (the same watches as `pods where -w`)
 * feed a store; the full-screen view (src/ui/board.ts, Ink, loaded only here) draws it. From the
 * board, d / e on the selected cluster runs the same plan → preview → confirm → change → wait as
 * `peer disable|enable`, and r the same as `rebalance` of the board's namespace (or every
 * namespace), the preview and question shown in the board.
 */
import {cordonsOf} from '../liqo/peers.js'
import type {PodsWhereOptions} from '../liqo/placement.js'
import {boardColumns, boardRefusalHint, describeMove, type BoardPeer} from '../render/board.js'
import {clusterDisplayName, type PlacedPod} from '../model/placement.js'
import type {ForeignCluster, Node} from '../model/types.js'
import {peerChangeWords as words, renderPlan} from '../render/peer.js'
import {renderRebalancePlan, renderRebalanceResult} from '../render/rebalance.js'
import {listForeignClusters, planPeerChange, type PeerAction} from '../services/peer.js'
import {watchPlacement} from '../services/pods-where.js'
import {UsageError} from '../toolkit/errors.js'
import {reachLine} from '../toolkit/rerun.js'
import {BoardStore, type BoardHandlers} from '../ui/board-store.js'
import type {Progress} from '../ui/progress.js'
import {changePeering, type PeerConversation} from './peer-change.js'
import {rebalanceWith, type RebalanceConversation} from './rebalance.js'
import type {Session} from './session.js'

/** A peering's state in its column's header: the switch, the phase, and who cordons it (peer cordon: "cordoned"). */
function peerState(fc: ForeignCluster, nodes: Node[]): string {
  const holders = cordonsOf(fc, nodes)
  const others = holders.filter((h) => h !== 'cordon')
  const cordoned = holders.length ? `, cordoned${others.length ? ` (${others.join(', ')})` : ''}` : ''
  return `${fc.outgoingEnabled}/${fc.outgoingPhase}${cordoned}`
}

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
  // The column headers follow the peerings' and nodes' watches; redrawn only when one changes.
  const onPeerings = (fcs: ForeignCluster[], nodes: Node[]) => {
    const next = fcs.map((fc) => ({name: clusterDisplayName(fc), foreignCluster: fc.name, state: peerState(fc, nodes)}))
    if (JSON.stringify(next) === JSON.stringify(peers)) return
    peers = next
    redraw()
  }
  const ctl = new AbortController()
  signal.addEventListener('abort', () => ctl.abort(), {once: true})
  const watching = watchPlacement(client, {
    ...o,
    signal: ctl.signal,
    onInitial: (initial) => {
      for (const it of initial.items) pods.set(`${it.namespace}/${it.name}`, it)
      redraw()
    },
    onEvent: (ev) => {
      const key = `${ev.item.namespace}/${ev.item.name}`
      const before = pods.get(key)
      if (ev.type === 'DELETED') pods.delete(key)
      else pods.set(key, ev.item)
      const line = describeMove(before, ev.type === 'DELETED' ? undefined : ev.item)
      if (line) store.event(line)
      redraw()
    },
    onPeerings,
  }).catch((e: unknown) => {
    if (!ctl.signal.aborted) store.event(`watch ended: ${(e as Error).message}`)
  })
  // One action at a time; quitting stops it and waits until it has undone what it holds (a cordon
  // above all), as Ctrl-C does for the commands, before the process may end.
  let running: Promise<void> | undefined
  const start = (action: () => Promise<void>) => {
    if (running) return store.event('an action is still running: wait for it to end')
    running = action()
      .catch((e: unknown) => store.event(`error: ${(e as Error).message}`))
      .finally(() => (running = undefined))
  }
  const handlers: BoardHandlers = {
    quit: () => ctl.abort(),
    act: (action, foreignCluster) =>
      start(() => boardChange({...s, signal: ctl.signal}, store, {action, foreignCluster})),
    rebalance: () => start(() => boardRebalance({...s, signal: ctl.signal}, store, options.allNamespaces)),
  }
  try {
    const {showBoard} = await import('../ui/board.js')
    await showBoard(store, handlers, ctl.signal)
  } finally {
    ctl.abort()
    await Promise.all([watching, running])
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
    const plan = await planPeerChange(s.client, {liqo, action, cluster: foreignCluster, fcs})
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

/** r from the board: `rebalance` of the board's scope (its defaults), the plan and question in the board. */
async function boardRebalance(s: Session, store: BoardStore, allNamespaces: boolean): Promise<void> {
  const o = {allNamespaces, stableForMs: 30_000, maxUnavailable: 1, dryRun: false, yes: false, force: false}
  const talk = rebalanceOnTheBoard(s, store, allNamespaces)
  try {
    await rebalanceWith(s, talk, {...o, timeoutMs: 180_000})
  } catch (e) {
    store.status('')
    if (s.signal.aborted) return
    const {message, hint} = e as {message: string; hint?: string}
    store.event(`error: ${message}`)
    // An event is cut at the board's width: a hint (what needs --force: the command that does it) is shown whole, with
    // the plan, until a key is pressed, as a refused peer change is.
    if (hint)
      await store.ask({text: talk.preview(), question: `${message}; hint: ${hint} (press any key)`, canConfirm: false})
  }
}

/** The board's side of a rebalance: notes in its events, the plan and a y/N question in the board. */
function rebalanceOnTheBoard(
  s: Session,
  store: BoardStore,
  allNamespaces: boolean,
): RebalanceConversation & {preview: () => string} {
  let preview = ''
  return {
    preview: () => preview,
    finishMoves: () => 'press r again',
    note: (m) => store.event(m),
    showPlan: (view) => (preview = renderRebalancePlan(view).trimEnd()),
    nothing: () => {},
    confirm: async (_view, question) => {
      const yes = await store.ask({text: preview, question: `${question} (y/N)`, canConfirm: true})
      const what = allNamespaces ? 'every namespace' : s.namespace
      store.event(yes ? `rebalancing ${what}` : 'aborted: nothing was moved')
      return yes
    },
    progress: async () => boardProgress(store),
    result: (r) => {
      const lines = renderRebalanceResult(r).trimEnd().split('\n')
      store.event(lines[lines.length - 1] ?? '')
    },
    refusalHint: (r) =>
      boardRefusalHint(
        r,
        reachLine('rebalance', [...(allNamespaces ? ['-A'] : ['-n', s.namespace]), '--force'], s.stage.reach),
      ),
  }
}
