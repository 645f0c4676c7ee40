/**
 * The flow of `rebalance`: read → (undo what an interrupted run left) → wait for clusters still in
 * their stabilisation window → plan → show → refuse what needs --force → confirm → move → report.
 */
import {requireAccess} from '../k8s/access.js'
import {connectLiqo} from '../liqo/connect.js'
import {rebalanceCordon, type ClusterCordon} from '../liqo/steer.js'
import {stabilising, type RebalancePlan} from '../model/rebalance.js'
import {
  rebalancePlanDocument,
  rebalanceResultDocument,
  renderRebalancePlan,
  renderRebalanceResult,
} from '../render/rebalance.js'
import {
  applyRebalance,
  readRebalance,
  rebalanceAccess,
  undoLeftovers,
  type RebalanceScope,
  type RebalanceView,
} from '../services/rebalance.js'
import {sleep, systemClock} from '../toolkit/clock.js'
import {BudgetBlockedError, InterruptedError, UserError} from '../toolkit/errors.js'
import {confirm} from '../ui/confirm.js'
import {makeProgress, waitReporting} from '../ui/progress.js'
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

export async function runRebalance(session: Session, o: RebalanceOptions): Promise<void> {
  const {io, print, client, signal} = session
  const scope: RebalanceScope = {
    namespace: session.namespace,
    allNamespaces: o.allNamespaces,
    stableForMs: o.stableForMs,
    maxUnavailable: o.maxUnavailable,
  }
  const liqo = await connectLiqo(client)
  const cordon = rebalanceCordon(liqo)
  const read = () => readRebalance(client, liqo, scope, cordon, systemClock)
  let view = await read()
  if (view.leftovers.length && !o.dryRun) {
    await undoLeftovers(client, cordon, view, {timeoutMs: o.timeoutMs, signal, clock: systemClock})
    io.err(`lifted the cordon a killed rebalance left on ${view.leftovers.map((f) => f.name).join(', ')}`)
    view = await read()
  }
  view = await afterWindow(session, view, o, read)
  const blocked = blockedOf(view.plan)
  const moves = movesOf(view.plan)
  if (o.dryRun) {
    print.print({document: () => rebalancePlanDocument(view), text: () => renderRebalancePlan(view)})
    io.err(moves ? '(dry run) nothing was changed' : '(dry run) nothing to move')
    return
  }
  if (!o.allNamespaces && !view.plan.namespaces.length) {
    io.err(
      `nothing to move: namespace ${session.namespace} is not offloaded (no NamespaceOffloading), its pods ` +
        `run on the local cluster only`,
    )
    return
  }
  if (!moves && !blocked.length) {
    const left = view.plan.controllers.filter((c) => c.skipped)
    for (const c of left) io.err(`left alone: ${c.namespace}/${c.owner.name}: ${c.skipped}`)
    const all = o.allNamespaces ? 'every namespace' : session.namespace
    const spread = !left.length
      ? `the pods of ${all} are spread as the plan aims`
      : left.length < view.plan.controllers.length
        ? 'the others are spread as the plan aims'
        : 'none of them can move now'
    io.err(`nothing to move: ${spread} (context "${client.context}")`)
    print.print({document: () => rebalancePlanDocument(view)})
    return
  }
  io.err(renderRebalancePlan(view).trimEnd())
  if (blocked.length && !o.force) {
    const names = blocked.map((c) => `PodDisruptionBudget ${c.blocked!.budget} (${c.blocked!.detail})`).join('; ')
    throw new BudgetBlockedError(
      `refusing to rebalance: ${names} keeps ${blocked.map((c) => c.owner.name).join(', ')} from moving; ` +
        `nothing was evicted`,
      'relax the budget, or re-run with --force to move what the budgets allow',
    )
  }
  if (view.plan.heldBack.length && !o.force) {
    throw new UserError(
      `refusing to rebalance: the cordon during the move would keep ${view.plan.heldBack.length} Pending ` +
        `pod(s) of other namespaces off a cluster (${view.plan.heldBack.slice(0, 3).join(', ')}); nothing was ` +
        `changed`,
      're-run with --force to do it anyway',
    )
  }
  if (!moves) throw blockedError(view)
  await requireAccess(client, rebalanceAccess(view, cordon), 'rebalance')
  await confirm(io, {
    message:
      `Move ${moves} pod(s) of ${o.allNamespaces ? 'every namespace' : `"${session.namespace}"`} on context ` +
      `"${client.context}" as planned above${cordonNote(view.plan)}?`,
    yes: o.yes,
    action: `rebalance ${o.allNamespaces ? 'every namespace' : session.namespace}`,
    declined: 'nothing was moved',
    signal,
  })
  await move(session, view, o, cordon, read)
}

/** Clusters still in their window count soon: wait for them (not with --dry-run), then read again. */
async function afterWindow(
  session: Session,
  view: RebalanceView,
  o: RebalanceOptions,
  read: () => Promise<RebalanceView>,
): Promise<RebalanceView> {
  const soon = stabilising(view.plan)
  if (!soon.length || o.dryRun) return view
  const ms = Math.max(...soon.map((c) => c.countsInMs ?? 0))
  session.io.err(
    `waiting ${Math.ceil(ms / 1000)}s for ${soon.map((c) => c.cluster.name).join(', ')} to have been Ready ` +
      `for ${Math.round(o.stableForMs / 1000)}s (--stable-for)`,
  )
  await sleep(ms, session.signal)
  if (session.signal.aborted) throw new InterruptedError(session.stage.line())
  return read()
}

function blockedError(view: RebalanceView): BudgetBlockedError {
  const c = blockedOf(view.plan)[0]!
  return new BudgetBlockedError(
    `PodDisruptionBudget ${c.blocked!.budget} ${c.blocked!.detail}: nothing could be evicted`,
    'relax the budget and run the command again',
  )
}

async function move(
  session: Session,
  view: RebalanceView,
  o: RebalanceOptions,
  cordon: ClusterCordon,
  read: () => Promise<RebalanceView>,
): Promise<void> {
  const {io, print, client, signal, stage} = session
  const finishIn = {context: client.context}
  stage.set('nothing was changed')
  const progress = await makeProgress(io)
  let run
  try {
    run = await applyRebalance(client, view, {
      cordon,
      timeoutMs: o.timeoutMs,
      signal,
      clock: systemClock,
      ...waitReporting(progress, client.server),
      onState: (state) => stage.set(state, finishIn),
    })
  } catch (e) {
    progress.stop()
    if (e instanceof InterruptedError)
      throw new InterruptedError(stage.line(e.lastState && `last seen: ${e.lastState}`))
    if (signal.aborted) throw new InterruptedError(stage.line())
    throw e
  }
  if (signal.aborted) {
    progress.stop()
    throw new InterruptedError(stage.line())
  }
  progress.succeed(`moved ${run.moved.length} pod(s) in ${(run.elapsedMs / 1000).toFixed(1)}s`)
  const after = (await read()).plan
  print.print({
    document: () => rebalanceResultDocument({view, run, after}),
    text: () => renderRebalanceResult({view, run, after}),
  })
  if (run.refused.length) {
    const r = run.refused[0]!
    throw new BudgetBlockedError(
      `eviction of ${r.namespace}/${r.pod} refused by PodDisruptionBudget ${r.budget}: ${r.message}`,
      'the other moves were made; run the command again once the budget allows',
    )
  }
  if (o.force && blockedOf(view.plan).length)
    io.err(
      `left in place: ${blockedOf(view.plan)
        .map((c) => `${c.namespace}/${c.owner.name} (PodDisruptionBudget ${c.blocked!.budget})`)
        .join(', ')}`,
    )
}
