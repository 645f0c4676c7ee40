/**
 * Renderers for `rebalance`: the plan (what moves where, what is cordoned, the budgets) and the result with its
 * timeline.
 */
import {formatDuration} from '../toolkit/duration.js'
import type {ControllerPlan, RebalancePlan} from '../model/rebalance.js'
import type {RebalanceRun, RebalanceView} from '../services/rebalance.js'
import {document} from './machine.js'
import {renderTable} from './table.js'

const sec = (ms: number | undefined) => (ms === undefined ? '-' : `+${(ms / 1000).toFixed(1)}s`)

function scopeText(view: Pick<RebalanceView, 'scope'>): string {
  return view.scope.allNamespaces ? 'every namespace' : `namespace ${view.scope.namespace}`
}

/** "cluster-2 3 → 2, cluster-3 0 → 1" */
export function spreadText(c: Pick<ControllerPlan, 'spread'>, after = true): string {
  return c.spread.map((s) => `${s.domain} ${s.now}${after && s.target !== s.now ? ` → ${s.target}` : ''}`).join(', ')
}

function controllerLines(c: ControllerPlan): string[] {
  const head = `${c.namespace}: ${c.owner.kind} ${c.owner.name} (${c.pods} pod${c.pods === 1 ? '' : 's'})`
  if (c.skipped) return [`${head}: left alone, ${c.skipped}`]
  const out = [`${head}, ${c.aim}: ${spreadText(c)}`]
  for (const m of c.moves) out.push(`  move pod ${m.pod} from ${m.from.name} (to ${m.to.join(' or ')})`)
  if (c.cordon.length)
    out.push(
      `  cordoned during the move (new pods of every namespace stay off): ${c.cordon.map((x) => x.name).join(', ')}`,
    )
  if (c.moves.length)
    out.push(
      `  ${c.batch === 1 ? 'one at a time' : `${c.batch} at a time`}, each replacement Ready before the next eviction`,
    )
  if (c.budgets.length) out.push(`  PodDisruptionBudget${c.budgets.length > 1 ? 's' : ''}: ${c.budgets.join(', ')}`)
  if (c.blocked)
    out.push(`  blocked: PodDisruptionBudget ${c.blocked.budget} ${c.blocked.detail}; nothing of it can be evicted`)
  return out
}

/** The whole plan, for people (stderr before the confirmation, stdout with --dry-run). */
export function renderRebalancePlan(view: RebalanceView): string {
  const p = view.plan
  const out = [`Rebalance of ${scopeText(view)} on context "${view.context}" (${view.generation}):`]
  for (const ns of p.namespaces) {
    const cl = ns.clusters
      .map(
        (c) =>
          `${c.cluster.name} ${c.state}` +
          (c.reason
            ? ` (${c.reason}${c.countsInMs !== undefined ? `, counts in ${Math.ceil(c.countsInMs / 1000)}s` : ''})`
            : ''),
      )
      .join(', ')
    out.push(`  ${ns.namespace} (podOffloadingStrategy ${ns.strategy}): ${cl}`)
  }
  for (const c of p.controllers) out.push(...controllerLines(c).map((l) => `  ${l}`))
  if (p.heldBack.length)
    out.push(`  Pending pods of other namespaces the cordon would hold back: ${p.heldBack.join(', ')}`)
  for (const w of p.warnings) out.push(`  warning: ${w}`)
  const moves = p.controllers.filter((c) => !c.blocked).reduce((n, c) => n + c.moves.length, 0)
  out.push(`${moves} pod(s) to move.`)
  return `${out.join('\n')}\n`
}

export function rebalancePlanDocument(view: RebalanceView): Record<string, unknown> {
  return document('RebalancePlan', {
    context: view.context,
    ...(view.scope.allNamespaces ? {allNamespaces: true} : {namespace: view.scope.namespace}),
    stableForMs: view.scope.stableForMs,
    namespaces: view.plan.namespaces.map((n) => ({
      namespace: n.namespace,
      podOffloadingStrategy: n.strategy,
      clusters: n.clusters.map((c) => ({
        name: c.cluster.name,
        state: c.state,
        reason: c.reason ?? null,
        ...(c.countsInMs !== undefined ? {countsInMs: c.countsInMs} : {}),
      })),
    })),
    controllers: view.plan.controllers.map((c) => ({
      namespace: c.namespace,
      owner: {kind: c.owner.kind, name: c.owner.name},
      pods: c.pods,
      aim: c.aim,
      spread: c.spread,
      moves: c.moves.map((m) => ({pod: m.pod, from: m.from.name, to: m.to})),
      cordon: c.cordon.map((x) => x.name),
      batch: c.batch,
      budgets: c.budgets,
      blocked: c.blocked ?? null,
      skipped: c.skipped ?? null,
    })),
    heldBack: view.plan.heldBack,
    warnings: view.plan.warnings,
  })
}

export interface RebalanceOutcome {
  view: RebalanceView
  run: RebalanceRun
  /** The plan read again once the moves are done. */
  after: RebalancePlan
}

/** What happened, for stdout: the moves, the timeline, the spread now. */
export function renderRebalanceResult(r: RebalanceOutcome): string {
  const out = [`Moved ${r.run.moved.length} pod(s) of ${scopeText(r.view)} on context "${r.view.context}".`, '']
  if (r.run.moved.length) {
    const rows = r.run.moved.map((m) => [
      `${m.namespace}/${m.pod}`,
      `${m.from} ${sec(m.evictedAt)}`,
      m.replacement?.pod ?? '<none>',
      m.replacement?.cluster ?? '-',
      sec(m.replacement?.scheduledAt),
      sec(m.replacement?.readyAt),
    ])
    out.push(renderTable(['pod', 'left', 'replacement', 'on', 'scheduled', 'ready'], rows).trimEnd(), '')
  }
  out.push('Timeline:')
  for (const e of r.run.timeline) out.push(`  ${sec(e.at).padStart(7)}  ${e.text}`)
  const now = r.after.controllers
    .filter((c) => c.spread.length)
    .map((c) => `${c.namespace}/${c.owner.name} ${spreadText(c, false)}`)
  out.push(`Done in ${formatDuration(r.run.elapsedMs)}${now.length ? `; spread now: ${now.join('; ')}` : ''}.`)
  const left = r.after.controllers.reduce((n, c) => n + c.moves.length, 0)
  if (left)
    out.push(`${left} pod(s) are still not where the plan aims (the scheduler chose otherwise); run the command again.`)
  return `${out.join('\n')}\n`
}

export function rebalanceResultDocument(r: RebalanceOutcome): Record<string, unknown> {
  return document('Rebalance', {
    context: r.view.context,
    ...(r.view.scope.allNamespaces ? {allNamespaces: true} : {namespace: r.view.scope.namespace}),
    elapsedMs: r.run.elapsedMs,
    moved: r.run.moved.map((m) => ({
      namespace: m.namespace,
      pod: m.pod,
      from: m.from,
      evictedAtMs: m.evictedAt ?? null,
      replacement: m.replacement ?? null,
    })),
    refused: r.run.refused,
    timeline: r.run.timeline.map((e) => ({atMs: e.at, kind: e.kind, text: e.text})),
    spread: r.after.controllers
      .filter((c) => c.spread.length)
      .map((c) => ({
        namespace: c.namespace,
        owner: c.owner.name,
        spread: c.spread.map((s) => ({domain: s.domain, pods: s.now})),
      })),
  })
}
