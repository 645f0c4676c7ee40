/** Renderers for `cleanup`: the plan, its JSON document, and what was done. */
import {describeStep, type CleanupPlan} from '../model/cleanup-plan.js'
import type {EvictionImpact} from '../model/impact.js'
import type {CleanupDone} from '../services/cleanup.js'
import {document} from './machine.js'
import {info, linesText, warning, type Line} from './lines.js'
import {evictionDocument, podImpactLine} from './peer.js'

type ShownPlan = CleanupPlan & {context: string; otherNamespaces?: EvictionImpact[]}

export function renderCleanupPlan(plan: ShownPlan): string {
  return linesText(cleanupPlanLines(plan))
}

/** The plan as lines, its warnings marked. */
export function cleanupPlanLines(plan: ShownPlan): Line[] {
  const lines = [info(`Cleanup of namespace ${plan.namespace} on context "${plan.context}", in this order:`)]
  plan.steps.forEach((s, i) => lines.push(info(`  ${i + 1}. ${describeStep(s)}`)))
  const others = plan.otherNamespaces ?? []
  if (others.length) {
    const namespaces = [...new Set(others.map((p) => p.namespace))].sort()
    lines.push(
      info(`  The peering steps also evict ${others.length} pod(s) of other namespaces (${namespaces.join(', ')}):`),
    )
    lines.push(...others.map(podImpactLine))
    const needs = 'it needs --force (or keep the peerings with --keep-peering)'
    lines.push(warning(`  Warning: this touches namespaces other than ${plan.namespace}: ${needs}`))
  }
  for (const n of plan.notes) lines.push(info(`  Note: ${n}`))
  return lines
}

export function renderNothingToDo(plan: CleanupPlan & {context: string}): string {
  const lines = [
    `Nothing to clean up for namespace ${plan.namespace} on context "${plan.context}": no Deployment, ` +
      `NamespaceOffloading or namespace left, and every outgoing peering is already None.`,
  ]
  for (const n of plan.notes) lines.push(`Note: ${n}`)
  return `${lines.join('\n')}\n`
}

export function cleanupPlanDocument(plan: ShownPlan): Record<string, unknown> {
  return document('CleanupPlan', {
    context: plan.context,
    namespace: plan.namespace,
    steps: plan.steps.map((s, i) => ({order: i + 1, ...s, description: describeStep(s)})),
    otherNamespaces: (plan.otherNamespaces ?? []).map((p) => evictionDocument(p, 'name')),
    notes: plan.notes,
  })
}

/** One line per step done, with the time it took. */
export function renderCleanupResult(done: CleanupDone[]): string {
  return done.map((d) => `${d.line} (${(d.elapsedMs / 1000).toFixed(1)}s)`).join('\n') + '\n'
}
