/** The flow of `cleanup`: plan → (nothing to do | dry run) → preflight → show → confirm → run the steps → report. */
import {requireAccess} from '../k8s/access.js'
import {describeStep} from '../model/cleanup-plan.js'
import {
  cleanupPlanDocument,
  cleanupPlanLines,
  renderCleanupPlan,
  renderCleanupResult,
  renderNothingToDo,
} from '../render/cleanup.js'
import {
  cleanupAccessChecks,
  loadCleanupPlan,
  remoteAccessChecks,
  runCleanup,
  type CleanupPlanOptions,
} from '../services/cleanup.js'
import {systemClock} from '../toolkit/clock.js'
import {InterruptedError, UserError} from '../toolkit/errors.js'
import {confirm} from '../ui/confirm.js'
import {makeProgress, waitReporting} from '../ui/progress.js'
import {errWithWarnings} from '../ui/styled.js'
import type {Session} from './session.js'

/** What to clean up in the session's namespace (the plan's options) and how. */
export interface CleanupFlowOptions extends Omit<CleanupPlanOptions, 'namespace'> {
  /** --yes or --skip-confirm. */
  yes: boolean
  force: boolean
  dryRun: boolean
  /** Of each step's wait. */
  timeoutMs: number
}

export async function runCleanupFlow(s: Session, options: CleanupFlowOptions): Promise<void> {
  const {io, print, client, signal, stage} = s
  const {yes, force, dryRun, timeoutMs, ...planOptions} = options
  const o: CleanupPlanOptions = {namespace: s.namespace, ...planOptions}
  const plan = await loadCleanupPlan(client, o)
  if (plan.steps.length === 0) {
    print.print({document: () => cleanupPlanDocument(plan)})
    io.err(renderNothingToDo(plan))
    return
  }
  if (dryRun) {
    print.print({document: () => cleanupPlanDocument(plan), text: () => renderCleanupPlan(plan)})
    io.err('(dry run) nothing was changed')
    return
  }
  if (plan.otherNamespaces.length && !force) {
    errWithWarnings(io, cleanupPlanLines(plan))
    const namespaces = [...new Set(plan.otherNamespaces.map((p) => p.namespace))].sort()
    const stuck = plan.otherNamespaces.filter((p) => p.outcome !== 'rescheduled').length
    throw new UserError(
      `refusing to clean up ${o.namespace}: switching the peerings off would ` +
        `evict ${plan.otherNamespaces.length} pod(s) of other namespaces ` +
        `(${namespaces.join(', ')})${stuck ? `, ${stuck} of them left Pending or not replaced` : ''}; nothing ` +
        `was changed`,
      're-run with --force to do it anyway, or with --keep-peering to leave the peerings alone',
    )
  }
  await requireAccess(client, cleanupAccessChecks(plan), `clean up namespace ${o.namespace}`)
  for (const r of remoteAccessChecks(plan))
    await requireAccess(r.client, r.checks, `unpeer from context "${r.client.context}"`)
  errWithWarnings(io, cleanupPlanLines(plan))
  await confirm(io, {
    message: `Run these ${plan.steps.length} steps on context "${plan.context}"?`,
    yes,
    action: `clean up namespace ${o.namespace}`,
    declined: 'nothing was deleted',
    signal,
  })
  const progress = await makeProgress(io)
  const done = await runCleanup(client, plan, {
    timeoutMs,
    signal,
    clock: systemClock,
    onStep: (i, total, step) => {
      // Each step is found again from what exists: the rerun resumes here.
      stage.set(
        `cleanup stopped at step ${i}/${total} (${describeStep(step)})${i > 1 ? `, steps 1-${i - 1} done` : ''}`,
        {context: plan.context},
      )
      progress.update(`step ${i}/${total}: ${step.kind.replace(/-/g, ' ')}…`)
    },
    // Each step's result as soon as it is done (the whole list goes to stdout at the end).
    onStepDone: (i, total, d) =>
      progress.succeed(`step ${i}/${total} done: ${d.line} (${(d.elapsedMs / 1000).toFixed(1)}s)`),
    ...waitReporting(progress, client.server),
  }).catch((e: unknown) => {
    progress.stop()
    throw e instanceof InterruptedError
      ? new InterruptedError(stage.line(e.lastState && `last seen: ${e.lastState}`))
      : e
  })
  progress.succeed(`cleanup of ${o.namespace} done (${done.length} steps)`)
  print.print({
    document: () => ({
      ...cleanupPlanDocument(plan),
      kind: 'CleanupResult',
      done: done.map((d) => ({line: d.line, elapsedMs: d.elapsedMs})),
    }),
    text: () => renderCleanupResult(done),
  })
}
