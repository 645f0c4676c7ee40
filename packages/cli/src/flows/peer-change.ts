/**
 * A change of the outgoing peering, written once: plan → show → needs --force? → confirm → apply →
 * wait until converged. Who the change talks with is a port, PeerConversation, with a terminal
 * side here (`peer disable|enable`: pick → plan → dry run or the change → the result on stdout) and
 * a board side in ./board.ts.
 */
import {requireAccess} from '../k8s/access.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {needsForce, type EvictionImpact} from '../model/impact.js'
import {clusterDisplayName} from '../model/placement.js'
import {
  peerChangeWords as words,
  peerResultDocument,
  planDocument,
  planLines,
  renderPeerResult,
  renderPlan,
} from '../render/peer.js'
import {
  applyPeerChange,
  listForeignClusters,
  peerAccessChecks,
  planPeerChange,
  type PeerAction,
  type PeerChangeResult,
  type PeerPlan,
} from '../services/peer.js'
import type {ForeignCluster} from '../model/types.js'
import {systemClock} from '../toolkit/clock.js'
import {InterruptedError, UsageError, UserError, WaitTimeoutError} from '../toolkit/errors.js'
import type {Stage} from '../toolkit/rerun.js'
import {canPrompt, confirm, pick} from '../ui/confirm.js'
import {makeProgress, waitReporting, type Progress} from '../ui/progress.js'
import {errWithWarnings} from '../ui/styled.js'
import type {Session} from './session.js'

/** How a peer change talks with the person who asked for it. */
export interface PeerConversation {
  /** Shows the plan, or (plan.alreadyDone) that there is nothing to change. */
  showPlan(plan: PeerPlan): void
  /**
   * Asks whether to make the change; `stuck`: the pods that would be left Pending or not replaced
   * (empty with --force). Resolves false (or throws) when the change is not to be made.
   */
  confirm(plan: PeerPlan, stuck: EvictionImpact[]): Promise<boolean>
  /** Where the change and its wait report, once confirmed. */
  progress(): Promise<Progress>
}

export interface PeerChangeSteps {
  liqo: LiqoAdapter
  plan: PeerPlan
  force: boolean
  wait: boolean
  timeoutMs: number
  /**
   * A command that can be run again (the terminal): the stage records how far it got, an already
   * set switch still waits (the rerun finishes the job), and `args` go in front of the rerun's own.
   */
  rerun?: {stage: Stage; args: string[]}
}

/** The result of a change; undefined when it was not made (declined, or nothing to do on the board). */
type Changed = PeerChangeResult | undefined

/** The change of the plan, told through `talk`. */
export async function changePeering(s: Session, talk: PeerConversation, o: PeerChangeSteps): Promise<Changed> {
  const {client, signal} = s
  const {liqo, plan} = o
  const what = `${plan.action} the peering with ${plan.cluster.name}`
  if (!plan.alreadyDone) await requireAccess(client, peerAccessChecks(liqo, plan), what)
  talk.showPlan(plan)
  if (plan.alreadyDone && !o.rerun) return undefined
  const stuck = o.force ? [] : needsForce(plan.impact?.pods ?? [])
  if (!plan.alreadyDone && !(await talk.confirm(plan, stuck))) return undefined
  const stage = o.rerun?.stage
  stage?.set(`nothing was changed; peering to ${plan.cluster.name} left as it was`)
  // Once written, the rerun of the same command (idempotent: "already …", then the wait) finishes the job.
  const applied = plan.alreadyDone ? appliedState(plan) : `${appliedState(plan)}, Liqo goes on converging by itself`
  const onApplied = () => stage?.set(applied, {context: plan.context, args: o.rerun?.args ?? []})
  const progress = await talk.progress()
  const steps = {wait: o.wait, timeoutMs: o.timeoutMs, signal, clock: systemClock, onApplied}
  try {
    const result = await applyPeerChange(client, liqo, plan, {...steps, ...waitReporting(progress, client.server)})
    if (result.waited) progress.succeed(words.done(plan, result.elapsedMs))
    else progress.stop()
    return result
  } catch (e) {
    progress.stop()
    throw stage ? afterTheChange(e, plan, stage) : e
  }
}

/** Where the switch stands once written: "the change was applied: …", or that it already was. */
function appliedState(plan: PeerPlan): string {
  const name = plan.cluster.name
  if (plan.alreadyDone) return `peering to ${name} was already ${words.verb(plan)}`
  return `the change was applied: peering to ${name} is ${words.verb(plan)}`
}

/** What `peer disable|enable` takes besides the session. */
export interface PeerChangeOptions {
  action: PeerAction
  /** As typed; absent: picked from a list on a terminal. */
  cluster?: string
  /** --yes or --skip-confirm. */
  yes: boolean
  force: boolean
  dryRun: boolean
  wait: boolean
  timeoutMs: number
}

/** `peer disable|enable`: the change, in the terminal. */
export async function runPeerChange(s: Session, o: PeerChangeOptions): Promise<void> {
  const {io, print, client, stage} = s
  const {liqo, fcs} = await listForeignClusters(client)
  const cluster = o.cluster ?? (await pickCluster(s, o.action, fcs))
  const plan = await planPeerChange(client, {liqo, action: o.action, cluster, fcs})
  if (o.dryRun) {
    print.print({document: () => planDocument(plan), text: () => renderPlan(plan)})
    const already = `outgoing peering to ${plan.cluster.name} is already ${words.verb(plan)}`
    io.err(plan.alreadyDone ? `(dry run) ${already}; nothing would change` : '(dry run) nothing was changed')
    return
  }
  const rerun = {stage, args: o.cluster === undefined ? [plan.cluster.name] : []}
  const result = await changePeering(s, terminal(s, o), {...o, liqo, plan, rerun})
  if (!result) return
  print.print({document: () => peerResultDocument(result), text: () => renderPeerResult(result, stage.reach)})
}

/** The terminal's side of the conversation: the plan on stderr, a y/N prompt (or --yes), a spinner. */
function terminal(s: Session, o: PeerChangeOptions): PeerConversation {
  const {io, signal} = s
  return {
    showPlan: (plan) => (plan.alreadyDone ? io.err(words.already(plan)) : errWithWarnings(io, planLines(plan))),
    confirm: async (plan, stuck) => {
      if (stuck.length) {
        const why = `refusing to disable ${plan.cluster.name}: ${words.stuck(stuck)}; nothing was changed`
        throw new UserError(why, 're-run with --force to do it anyway (the plan above shows why)')
      }
      const action = `${plan.action} peering to ${plan.cluster.name}`
      await confirm(io, {message: words.question(plan), yes: o.yes, action, declined: words.declined(plan), signal})
      return true
    },
    progress: () => makeProgress(io),
  }
}

/** No <cluster> given: pick one on a terminal, else say what to pass. */
async function pickCluster(s: Session, action: PeerAction, fcs: ForeignCluster[]): Promise<string> {
  if (!canPrompt(s.io)) {
    const hint = 'pass its name, cluster ID or cluster name (see: liqo-topology peer list)'
    throw new UsageError(`missing <cluster>: which ForeignCluster to ${action}?`, hint)
  }
  // Clusters where the action changes nothing are marked (picking one just says so).
  const choices = fcs.map((fc) => {
    const noop = fc.outgoingEnabled === (action === 'disable' ? 'No' : 'Yes') || fc.outgoingEnabled === 'None'
    const mark = fc.outgoingEnabled === 'None' ? '  — not set up' : noop ? `  — already ${action}d` : ''
    const name = `${fc.name}  (${clusterDisplayName(fc)}, ${fc.outgoingEnabled}/${fc.outgoingPhase})${mark}`
    return {name, value: fc.name, description: `cluster ID ${fc.clusterId}`}
  })
  const question = `Which cluster should have its outgoing peering ${action}d? (context "${s.client.context}")`
  return pick(s.io, question, choices, s.signal)
}

/** A wait that ended badly after the change: say that the change itself was applied. */
function afterTheChange(e: unknown, plan: PeerPlan, stage: Stage): unknown {
  const name = plan.cluster.name
  if (e instanceof WaitTimeoutError) {
    const undo = stage.commandLine(`peer ${plan.action === 'disable' ? 'enable' : 'disable'}`, [name])
    const keepWaiting = stage.finishCommand ? `; to keep waiting: ${stage.finishCommand}` : ''
    // A pod Terminating on a cluster waits for that cluster to confirm the deletion.
    const terminating = plan.action === 'disable' && e.pending.some((p) => p.includes('Terminating'))
    const remove = 'kubectl delete pod --force --grace-period=0 removes the copy here'
    const reachable = `is it reachable? if they stay once it is, ${remove}`
    const held = terminating ? `pods Terminating on ${name} wait until it confirms their deletion (${reachable}); ` : ''
    return new WaitTimeoutError(e.message, e.pending, `${held}${appliedState(plan)}${keepWaiting}; to undo: ${undo}`)
  }
  if (e instanceof InterruptedError) return new InterruptedError(stage.line(e.lastState && `last seen: ${e.lastState}`))
  return e
}
