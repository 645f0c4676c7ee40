/**
 * The flow of `rebalance`: read → (undo what an interrupted run left) → wait for clusters still in
 * their stabilisation window → plan → show → refuse what needs --force → confirm → move → report,
 * told through a RebalanceConversation: the terminal's here, the board's in ./board.ts.
 */
import {requireAccess} from '../k8s/access.js'
import {connectLiqo} from '../liqo/connect.js'
import {rebalanceCordon, type ClusterCordon, type HeldCordon} from '../liqo/steer.js'
import {REBALANCE_LEASE_S, REBALANCE_RENEW_MS} from '../model/cordon.js'
import {stabilising, type RebalancePlan} from '../model/rebalance.js'
import {
  rebalancePlanDocument,
  rebalanceResultDocument,
  renderRebalancePlan,
  renderRebalanceResult,
  type RebalanceOutcome,
} from '../render/rebalance.js'
import {
  applyRebalance,
  readRebalance,
  rebalanceAccess,
  undoLeftovers,
  type RebalanceRefusal,
  type RebalanceScope,
  type RebalanceView,
} from '../services/rebalance.js'
import {sleep, systemClock} from '../toolkit/clock.js'
import {BudgetBlockedError, InterruptedError, LeaseLostError, UserError} from '../toolkit/errors.js'
import {confirm} from '../ui/confirm.js'
import {makeProgress, waitReporting, type Progress} from '../ui/progress.js'
import type {Session} from './session.js'

export interface RebalanceOptions {
  allNamespaces: boolean
  /** How long a virtual node must have been Ready before its cluster counts. */
  stableForMs: number
  maxUnavailable: number
  dryRun: boolean
  yes: boolean
  force: boolean
  /** How long to wait for each batch's replacements. */
  timeoutMs: number
}

const blockedOf = (p: RebalancePlan) => p.controllers.filter((c) => c.blocked && c.moves.length)
const cordonNote = (p: RebalancePlan) => {
  const names = [...new Set(p.controllers.filter((c) => !c.blocked).flatMap((c) => c.cordon.map((x) => x.name)))]
  return names.length ? ` (cordoning ${names.join(', ')} during the move)` : ''
}
const movesOf = (p: RebalancePlan) => p.controllers.filter((c) => !c.blocked).reduce((n, c) => n + c.moves.length, 0)

/**
 * How a rebalance talks with the person who asked for it: the terminal (`rebalance`, `peer enable --rebalance`) or the
 * board (r on it), as PeerConversation does for a peer change.
 */
export interface RebalanceConversation {
  /** A line for the person: what was undone, waited for, left alone. */
  note(message: string): void
  /** The plan, before the question. */
  showPlan(view: RebalanceView): void
  /** Nothing to move (`view` as read, for a document on stdout). */
  nothing(view: RebalanceView): void
  /** Whether to make the moves; resolves false (or throws) when they are not to be made. */
  confirm(view: RebalanceView, question: string): Promise<boolean>
  /** Where the moves report, once confirmed. */
  progress(): Promise<Progress>
  /** The moves made. */
  result(outcome: RebalanceOutcome): void
  /** The hint of a refusal: what to do next from here (the terminal re-runs with --force; the board has none). */
  refusalHint(refusal: RebalanceRefusal): string
  /** How to finish the moves from here after they stopped: the command line (terminal), r (board). */
  finishMoves(): string | undefined
}

/** The terminal's hints: the same command again, with --force where it helps. */
const TERMINAL_HINTS: Record<RebalanceRefusal, string> = {
  budget: 'relax the budget, or re-run with --force to move what the budgets allow',
  'held-back': 're-run with --force to do it anyway',
  blocked: 'relax the budget and run the command again',
}

export async function runRebalance(session: Session, o: RebalanceOptions): Promise<void> {
  await rebalanceWith(session, terminal(session, o), o)
}

/** The terminal's side: the plan on stderr, a y/N prompt (or --yes), a spinner, the result on stdout. */
function terminal(session: Session, o: RebalanceOptions): RebalanceConversation {
  const {io, print, signal} = session
  const what = o.allNamespaces ? 'every namespace' : session.namespace
  return {
    note: (m) => io.err(m),
    showPlan: (view) => io.err(renderRebalancePlan(view).trimEnd()),
    nothing: (view) => print.print({document: () => rebalancePlanDocument(view)}),
    confirm: async (_view, message) => {
      await confirm(io, {message, yes: o.yes, action: `rebalance ${what}`, declined: 'nothing was moved', signal})
      return true
    },
    progress: () => makeProgress(io),
    result: (r) => print.print({document: () => rebalanceResultDocument(r), text: () => renderRebalanceResult(r)}),
    refusalHint: (r) => TERMINAL_HINTS[r],
    finishMoves: () => session.stage.finishCommand,
  }
}

/** What one rebalance run carries from step to step, besides its session. */
interface Rebalancing {
  talk: RebalanceConversation
  o: RebalanceOptions
  cordon: ClusterCordon
  /** Reads the cluster and plans again. */
  read: () => Promise<RebalanceView>
}

/** The rebalance, told through `talk` (--dry-run: the terminal's only). */
export async function rebalanceWith(session: Session, talk: RebalanceConversation, o: RebalanceOptions): Promise<void> {
  const {io, print, client, signal} = session
  const scope: RebalanceScope = {
    namespace: session.namespace,
    allNamespaces: o.allNamespaces,
    stableForMs: o.stableForMs,
    maxUnavailable: o.maxUnavailable,
  }
  const liqo = await connectLiqo(client)
  const cordon = rebalanceCordon(liqo)
  const read = () => readRebalance(client, {liqo, scope, cordon, clock: systemClock})
  const steps: Rebalancing = {talk, o, cordon, read}
  let view = await read()
  if (!o.dryRun) view = await settleOtherRuns(session, steps, view)
  if (view.held.dead.length && !o.dryRun) {
    await undoLeftovers(client, cordon, view, {timeoutMs: o.timeoutMs, signal, clock: systemClock})
    talk.note(`lifted the cordon a killed rebalance left on ${clusterNames(view.held.dead)}`)
    view = await read()
  }
  // Another run still moving pods: its cordon would count as a taint this plan cannot tolerate and
  // take its cluster out of the spread, so two runs would plan against each other.
  if (view.held.live.length && !o.dryRun)
    throw new UserError(
      `another rebalance is moving pods (run ${view.held.live[0]!.lease.run}, cordon on ` +
        `${clusterNames(view.held.live)}): nothing was changed`,
      'wait until it has ended, then run this again',
    )
  view = await afterWindow(session, steps, view)
  const blocked = blockedOf(view.plan)
  const moves = movesOf(view.plan)
  if (o.dryRun) {
    print.print({document: () => rebalancePlanDocument(view), text: () => renderRebalancePlan(view)})
    io.err(moves ? '(dry run) nothing was changed' : '(dry run) nothing to move')
    return
  }
  if (!o.allNamespaces && !view.plan.namespaces.length) {
    talk.note(
      `nothing to move: namespace ${session.namespace} is not offloaded (no NamespaceOffloading), its pods ` +
        `run on the local cluster only`,
    )
    return
  }
  if (!moves && !blocked.length) {
    const left = view.plan.controllers.filter((c) => c.skipped)
    for (const c of left) talk.note(`left alone: ${c.namespace}/${c.owner.name}: ${c.skipped}`)
    const all = o.allNamespaces ? 'every namespace' : session.namespace
    const spread = !left.length
      ? `the pods of ${all} are spread as the plan aims`
      : left.length < view.plan.controllers.length
        ? 'the others are spread as the plan aims'
        : 'none of them can move now'
    talk.note(`nothing to move: ${spread} (context "${client.context}")`)
    talk.nothing(view)
    return
  }
  talk.showPlan(view)
  refuseWithoutForce(view, o, talk)
  await requireAccess(client, rebalanceAccess(view, cordon), 'rebalance')
  const question =
    `Move ${moves} pod(s) of ${o.allNamespaces ? 'every namespace' : `"${session.namespace}"`} on context ` +
    `"${client.context}" as planned above${cordonNote(view.plan)}?`
  if (!(await talk.confirm(view, question))) return
  await move(session, steps, view)
}

/** What needs --force: a budget that keeps a controller from moving, Pending pods of others the cordon would hold. */
function refuseWithoutForce(view: RebalanceView, o: RebalanceOptions, talk: RebalanceConversation): void {
  const blocked = blockedOf(view.plan)
  if (blocked.length && !o.force) {
    const names = blocked.map((c) => `PodDisruptionBudget ${c.blocked!.budget} (${c.blocked!.detail})`).join('; ')
    throw new BudgetBlockedError(
      `refusing to rebalance: ${names} keeps ${blocked.map((c) => c.owner.name).join(', ')} from moving; ` +
        `nothing was evicted`,
      talk.refusalHint('budget'),
    )
  }
  if (view.plan.heldBack.length && !o.force) {
    throw new UserError(
      `refusing to rebalance: the cordon during the move would keep ${view.plan.heldBack.length} Pending ` +
        `pod(s) of other namespaces off a cluster (${view.plan.heldBack.slice(0, 3).join(', ')}); nothing was ` +
        `changed`,
      talk.refusalHint('held-back'),
    )
  }
  if (!movesOf(view.plan)) throw blockedError(view, talk)
}

const clusterNames = (held: HeldCordon[]) => [...new Set(held.map((h) => h.fc.name))].join(', ')

/**
 * Other runs' cordons whose lease still runs belong to a run that is alive, or one killed less than a lease ago: read
 * again each renewal period until each lease has been renewed (alive: left alone) or has run out (dead: lifted next).
 * A lease not renewed for a whole lease period as we watch is dead whatever time it names (a writer whose value cannot
 * be trusted, say): no wait lasts longer than that.
 */
async function settleOtherRuns(session: Session, steps: Rebalancing, view: RebalanceView): Promise<RebalanceView> {
  const {talk, read} = steps
  const id = (h: HeldCordon) => `${h.fc.name} ${h.lease.key}`
  const seen = new Map(view.held.live.map((h) => [id(h), h.lease.untilS]))
  if (!seen.size) return view
  talk.note(
    `another rebalance holds a cordon on ${clusterNames(view.held.live)}: waiting up to ` +
      `${REBALANCE_LEASE_S + REBALANCE_RENEW_MS / 1000}s to see whether it still runs (its lease is renewed) ` +
      'or was killed (it runs out)',
  )
  const deadline = Date.now() + REBALANCE_LEASE_S * 1000 + REBALANCE_RENEW_MS
  for (;;) {
    const untilMs = Math.max(...view.held.live.filter((h) => seen.has(id(h))).map((h) => h.lease.untilS * 1000))
    const nap = Math.min(REBALANCE_RENEW_MS + 1000, untilMs - session.client.serverNow() + 1000, deadline - Date.now())
    await sleep(Math.max(0, nap), session.signal)
    if (session.signal.aborted) throw new InterruptedError(session.stage.line())
    view = await read()
    const stillOpen = view.held.live.filter((h) => seen.get(id(h)) === h.lease.untilS)
    if (!stillOpen.length) return view
    if (Date.now() >= deadline) {
      const live = view.held.live.filter((h) => !stillOpen.includes(h))
      return {...view, held: {dead: [...view.held.dead, ...stillOpen], live}}
    }
  }
}

/** Clusters still in their window count soon: wait for them (not with --dry-run), then read again. */
async function afterWindow(session: Session, steps: Rebalancing, view: RebalanceView): Promise<RebalanceView> {
  const {talk, o, read} = steps
  const soon = stabilising(view.plan)
  if (!soon.length || o.dryRun) return view
  const ms = Math.max(...soon.map((c) => c.countsInMs ?? 0))
  talk.note(
    `waiting ${Math.ceil(ms / 1000)}s for ${soon.map((c) => c.cluster.name).join(', ')} to have been Ready ` +
      `for ${Math.round(o.stableForMs / 1000)}s (--stable-for)`,
  )
  await sleep(ms, session.signal)
  if (session.signal.aborted) throw new InterruptedError(session.stage.line())
  return read()
}

function blockedError(view: RebalanceView, talk: RebalanceConversation): BudgetBlockedError {
  const c = blockedOf(view.plan)[0]!
  return new BudgetBlockedError(
    `PodDisruptionBudget ${c.blocked!.budget} ${c.blocked!.detail}: nothing could be evicted`,
    talk.refusalHint('blocked'),
  )
}

async function move(session: Session, {talk, o, cordon, read}: Rebalancing, view: RebalanceView): Promise<void> {
  const {client, signal, stage} = session
  const finishIn = {context: client.context}
  stage.set('nothing was changed')
  const progress = await talk.progress()
  let run
  try {
    run = await applyRebalance(client, view, {
      cordon,
      timeoutMs: o.timeoutMs,
      signal,
      clock: systemClock,
      ...waitReporting(progress, client.server),
      onWarning: (m) => progress.warn(m),
      onState: (state) => stage.set(state, finishIn),
    })
  } catch (e) {
    progress.stop()
    if (e instanceof InterruptedError)
      throw new InterruptedError(stage.line(e.lastState && `last seen: ${e.lastState}`))
    if (signal.aborted) throw new InterruptedError(stage.line())
    // The moves stopped before their lease ran out: the hint ends with what finishes them from here.
    const finish = e instanceof LeaseLostError && talk.finishMoves()
    if (finish) throw new LeaseLostError(e.message, `${e.hint}: ${finish}`)
    throw e
  }
  if (signal.aborted) {
    progress.stop()
    throw new InterruptedError(stage.line())
  }
  progress.succeed(`moved ${run.moved.length} pod(s) in ${(run.elapsedMs / 1000).toFixed(1)}s`)
  const after = (await read()).plan
  talk.result({view, run, after})
  if (run.refused.length) {
    const r = run.refused[0]!
    throw new BudgetBlockedError(
      `eviction of ${r.namespace}/${r.pod} refused by PodDisruptionBudget ${r.budget}: ${r.message}`,
      'the other moves were made; run the command again once the budget allows',
    )
  }
  if (o.force && blockedOf(view.plan).length)
    talk.note(
      `left in place: ${blockedOf(view.plan)
        .map((c) => `${c.namespace}/${c.owner.name} (PodDisruptionBudget ${c.blocked!.budget})`)
        .join(', ')}`,
    )
}
