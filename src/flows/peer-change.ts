/**
 * The flow of `peer disable` and `peer enable`: pick → plan → show → confirm → patch → wait →
 * report. Services do the work; this sequences them and decides what goes where.
 */
import type {KubeClient} from '../k8s/client.js'
import {requireAccess} from '../k8s/access.js'
import {clusterDisplayName} from '../model/placement.js'
import {peerResultDocument, planDocument, planLines, renderPeerResult, renderPlan} from '../render/peer.js'
import {applyPeerChange, listForeignClusters, peerAccessChecks, planPeerChange, type PeerAction, type PeerPlan} from '../services/peer.js'
import {systemClock} from '../toolkit/clock.js'
import {needsForce} from '../model/impact.js'
import {InterruptedError, UsageError, UserError, WaitTimeoutError} from '../toolkit/errors.js'
import type {IO} from '../toolkit/io.js'
import type {Control, Stage} from '../toolkit/rerun.js'
import {canPrompt, confirm, pick} from '../ui/confirm.js'
import type {Printer} from '../ui/printer.js'
import {makeProgress, waitReporting} from '../ui/progress.js'
import {errWithWarnings} from '../ui/styled.js'

export interface PeerChangeFlags {
  yes: boolean
  force: boolean
  'skip-confirm': boolean
  'dry-run': boolean
  wait: boolean
  timeout: number
}

export async function runPeerChange(io: IO, print: Printer, client: KubeClient, action: PeerAction, cluster: string | undefined, flags: PeerChangeFlags, control: Control): Promise<void> {
  const {signal, stage} = control
  const {liqo, fcs} = await listForeignClusters(client)
  let input = cluster
  if (input === undefined) {
    if (!canPrompt(io)) throw new UsageError(`missing <cluster>: which ForeignCluster to ${action}?`, `pass its name, cluster ID or cluster name (see: liqo-topology peer list)`)
    input = await pick(
      io,
      `Which cluster should have its outgoing peering ${action}d? (context "${client.context}")`,
      // Clusters where the action changes nothing are marked (picking one just says so).
      fcs.map((fc) => {
        const noop = fc.outgoingEnabled === (action === 'disable' ? 'No' : 'Yes') || fc.outgoingEnabled === 'None'
        const mark = fc.outgoingEnabled === 'None' ? '  — not set up' : noop ? `  — already ${action}d` : ''
        return {name: `${fc.name}  (${clusterDisplayName(fc)}, ${fc.outgoingEnabled}/${fc.outgoingPhase})${mark}`, value: fc.name, description: `cluster ID ${fc.clusterId}`}
      }),
      signal,
    )
  }
  const plan = await planPeerChange(client, liqo, action, input, fcs)
  const verb = action === 'disable' ? 'disabled' : 'enabled'

  if (flags['dry-run']) {
    print.print({document: () => planDocument(plan), text: () => renderPlan(plan)})
    io.err(plan.alreadyDone ? `(dry run) outgoing peering to ${plan.cluster.name} is already ${verb}; nothing would change` : '(dry run) nothing was changed')
    return
  }
  if (plan.alreadyDone) {
    io.err(`outgoing peering to ${plan.cluster.name} already ${verb} (phase ${plan.fc.outgoingPhase}); nothing to change`)
  } else {
    await requireAccess(client, peerAccessChecks(liqo, plan), `${action} the peering with ${plan.cluster.name}`)
    errWithWarnings(io, planLines(plan))
    const stuck = needsForce(plan.impact?.pods ?? [])
    if (stuck.length && !flags.force) {
      throw new UserError(
        `refusing to disable ${plan.cluster.name}: ${stuck.length} evicted pod(s) would stay Pending or not be replaced (${stuck
          .slice(0, 3)
          .map((p) => `${p.namespace}/${p.name}`)
          .join(', ')}${stuck.length > 3 ? ', …' : ''}); nothing was changed`,
        're-run with --force to do it anyway (the plan above shows why)',
      )
    }
    await confirm(io, {
      message: `${action === 'disable' ? 'Disable' : 'Enable'} outgoing peering to "${plan.cluster.name}" on context "${plan.context}"?`,
      yes: flags.yes || flags['skip-confirm'],
      action: `${action} peering to ${plan.cluster.name}`,
      declined: `peering to ${plan.cluster.name} left ${plan.fc.outgoingEnabled === 'No' ? 'disabled' : 'as it was'}`,
      signal,
    })
  }

  stage.set(`nothing was changed; peering to ${plan.cluster.name} left as it was`)
  // Once written, the rerun of the same command (idempotent: "already …", then the wait) finishes the job.
  const onApplied = () =>
    stage.set(plan.alreadyDone ? `peering to ${plan.cluster.name} was already ${verb}` : `the change was applied: peering to ${plan.cluster.name} is ${verb}, Liqo goes on converging by itself`, {
      context: plan.context,
      args: cluster === undefined ? [plan.cluster.name] : [],
    })
  const progress = await makeProgress(io)
  try {
    const result = await applyPeerChange(client, liqo, plan, {wait: flags.wait, timeoutMs: flags.timeout, signal, clock: systemClock, onApplied, ...waitReporting(progress, client.server)})
    if (result.waited)
      progress.succeed(action === 'disable' ? `rescheduling converged in ${(result.elapsedMs / 1000).toFixed(1)}s` : `${plan.cluster.name} ready in ${(result.elapsedMs / 1000).toFixed(1)}s`)
    else progress.stop()
    print.print({document: () => peerResultDocument(result), text: () => renderPeerResult(result, stage.reach)})
  } catch (e) {
    progress.stop()
    throw afterTheChange(e, plan, verb, stage)
  }
}

/** A wait that ended badly after the change: say that the change itself was applied. */
function afterTheChange(e: unknown, plan: PeerPlan, verb: string, stage: Stage): unknown {
  const applied = plan.alreadyDone ? `peering to ${plan.cluster.name} was already ${verb}` : `the change was applied: peering to ${plan.cluster.name} is ${verb}`
  if (e instanceof WaitTimeoutError) {
    const undo = stage.commandLine(`peer ${plan.action === 'disable' ? 'enable' : 'disable'}`, [plan.cluster.name])
    const keepWaiting = stage.finishCommand ? `; to keep waiting: ${stage.finishCommand}` : ''
    // A pod Terminating on a cluster waits for that cluster to confirm the deletion.
    const held =
      plan.action === 'disable' && e.pending.some((p) => p.includes('Terminating'))
        ? `pods Terminating on ${plan.cluster.name} wait until it confirms their deletion (is it reachable? if they stay once it is, kubectl delete pod --force --grace-period=0 removes the copy here); `
        : ''
    return new WaitTimeoutError(e.message, e.pending, `${held}${applied}${keepWaiting}; to undo: ${undo}`)
  }
  if (e instanceof InterruptedError) return new InterruptedError(stage.line(e.lastState && `last seen: ${e.lastState}`))
  return e
}
