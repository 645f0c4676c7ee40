/**
 * The flow of `peer cordon` and `peer uncordon`: pick → plan → show → confirm → write → wait until
 * the Nodes show it → report, as `peer disable|enable` do.
 */
import {requireAccess} from '../k8s/access.js'
import {clusterDisplayName} from '../model/placement.js'
import {
  cordonPlanDocument,
  cordonPlanLines,
  cordonResultDocument,
  renderCordonPlan,
  renderCordonResult,
} from '../render/cordon.js'
import {
  applyCordon,
  cordonAccessChecks,
  planCordon,
  PEER_CORDON,
  readPeerings,
  type CordonAction,
} from '../services/cordon.js'
import {systemClock} from '../toolkit/clock.js'
import {InterruptedError, UsageError, WaitTimeoutError} from '../toolkit/errors.js'
import {canPrompt, confirm, pick} from '../ui/confirm.js'
import {makeProgress, waitReporting} from '../ui/progress.js'
import {errWithWarnings} from '../ui/styled.js'
import type {Session} from './session.js'

type Peerings = Awaited<ReturnType<typeof readPeerings>>

export interface PeerCordonOptions {
  action: CordonAction
  /** ForeignCluster name, cluster ID or name; undefined: pick on a terminal. */
  cluster: string | undefined
  yes: boolean
  'skip-confirm': boolean
  'dry-run': boolean
  wait: boolean
  timeout: number
}

export async function runPeerCordon(session: Session, o: PeerCordonOptions): Promise<void> {
  const {io, print, client, signal, stage} = session
  const {action} = o
  const verb = action === 'cordon' ? 'cordoned' : 'uncordoned'
  const {liqo, fcs, nodes} = await readPeerings(client)
  const input = o.cluster ?? (await pickCluster(session, action, {liqo, fcs, nodes}))
  const plan = await planCordon(client, {liqo, action, cluster: input, fcs, nodes})
  if (o['dry-run']) {
    print.print({document: () => cordonPlanDocument(plan), text: () => renderCordonPlan(plan, stage.reach)})
    io.err(
      plan.alreadyDone
        ? `(dry run) ${plan.cluster} is already ${verb}; nothing would change`
        : '(dry run) nothing was changed',
    )
    return
  }
  if (plan.alreadyDone) io.err(`${plan.cluster} already ${verb}; nothing to change`)
  else {
    await requireAccess(client, cordonAccessChecks(liqo, plan), `${action} ${plan.cluster}`)
    errWithWarnings(io, cordonPlanLines(plan, stage.reach))
    await confirm(io, {
      message: `${action === 'cordon' ? 'Cordon' : 'Uncordon'} "${plan.cluster}" on context "${plan.context}"?`,
      yes: o.yes || o['skip-confirm'],
      action: `${action} ${plan.cluster}`,
      declined: `${plan.cluster} left ${action === 'cordon' ? 'uncordoned' : 'cordoned'}`,
      signal,
    })
  }
  stage.set(`nothing was changed; ${plan.cluster} left as it was`)
  const onApplied = () =>
    stage.set(`${plan.cluster} is ${verb} (written; Liqo applies it to the virtual nodes)`, {
      context: plan.context,
      args: o.cluster === undefined ? [plan.fc.name] : [],
    })
  const progress = await makeProgress(io)
  try {
    const r = await applyCordon(client, liqo, plan, {
      wait: o.wait,
      timeoutMs: o.timeout,
      signal,
      clock: systemClock,
      onApplied,
      ...waitReporting(progress, client.server),
    })
    if (r.waited)
      progress.succeed(`${plan.cluster} ${verb} on every virtual node in ${(r.elapsedMs / 1000).toFixed(1)}s`)
    else progress.stop()
    print.print({document: () => cordonResultDocument(r), text: () => renderCordonResult(r)})
  } catch (e) {
    progress.stop()
    if (e instanceof InterruptedError)
      throw new InterruptedError(stage.line(e.lastState && `last seen: ${e.lastState}`))
    if (e instanceof WaitTimeoutError) {
      const keepWaiting = stage.finishCommand ? `; to keep waiting: ${stage.finishCommand}` : ''
      const why = liqo.cordons.stalledAdvice ? `; ${liqo.cordons.stalledAdvice}` : ''
      throw new WaitTimeoutError(
        e.message,
        e.pending,
        `the change was applied: ${plan.cluster} is ${verb} in ${liqo.generation}'s objects, not yet on every ` +
          `node${why}${keepWaiting}`,
      )
    }
    throw e
  }
}

/** No <cluster> given: ask which ForeignCluster on a terminal, marking those already in the wanted state. */
async function pickCluster(
  {io, client, signal}: Session,
  action: CordonAction,
  {liqo, fcs, nodes}: Peerings,
): Promise<string> {
  const verb = action === 'cordon' ? 'cordoned' : 'uncordoned'
  if (!canPrompt(io))
    throw new UsageError(
      `missing <cluster>: which ForeignCluster to ${action}?`,
      'pass its name, cluster ID or cluster name (see: liqo-topology peer list)',
    )
  return pick(
    io,
    `Which cluster should be ${verb}? (context "${client.context}")`,
    fcs.map((fc) => {
      const done = liqo.cordons.holders(fc, nodes).includes(PEER_CORDON) === (action === 'cordon')
      return {
        name:
          `${fc.name}  ` +
          `(${clusterDisplayName(fc)}, ${fc.outgoingEnabled}/${fc.outgoingPhase})` +
          (done ? `  — already ${verb}` : ''),
        value: fc.name,
        description: `cluster ID ${fc.clusterId}`,
      }
    }),
    signal,
  )
}
