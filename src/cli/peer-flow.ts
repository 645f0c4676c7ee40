/**
 * The shared flow of `peer disable` and `peer enable`: plan → show → confirm → patch → wait →
 * report. Services do the work; this only sequences them and decides what goes where.
 */
import {Args, Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'

import {InterruptedError, UsageError, WaitTimeoutError} from '../toolkit/errors.js'
import type {KubeClient} from '../k8s/client.js'
import {clusterDisplayName} from '../model/placement.js'
import {isMachine, renderMachine} from '../render/machine.js'
import {peerResultDocument, planDocument, renderPeerResult, renderPlan} from '../render/peer.js'
import {requireAccess} from '../k8s/access.js'
import {applyPeerChange, listForeignClusters, peerAccessChecks, planPeerChange, type PeerAction} from '../services/peer.js'
import {canPrompt, confirm, pick} from '../ui/confirm.js'
import {makeProgress} from '../ui/progress.js'
import {systemClock} from '../toolkit/clock.js'
import {kubeFlags, outputFlag, timeoutFlag, yesFlag} from './flags.js'
import type {IO} from '../toolkit/io.js'

export interface PeerFlowFlags {
  output: string
  yes: boolean
  'skip-confirm': boolean
  'dry-run': boolean
  wait: boolean
  timeout: number
}

export async function runPeerChange(io: IO, client: KubeClient, action: PeerAction, cluster: string | undefined, flags: PeerFlowFlags, signal: AbortSignal): Promise<void> {
  const machine = isMachine(flags.output) ? flags.output : undefined
  const {liqo, fcs} = await listForeignClusters(client)
  let input = cluster
  if (input === undefined) {
    if (!canPrompt(io)) throw new UsageError(`missing <cluster>: which ForeignCluster to ${action}?`, `pass its name, cluster ID or cluster name (see: liqo-topology peer list)`)
    input = await pick(
      io,
      `Which cluster should have its outgoing peering ${action}d? (context "${client.context}")`,
      fcs.map((fc) => ({name: `${fc.name}  (${clusterDisplayName(fc)}, ${fc.outgoingEnabled}/${fc.outgoingPhase})`, value: fc.name, description: `cluster ID ${fc.clusterId}`})),
      signal,
    )
  }
  const plan = await planPeerChange(client, liqo, action, input, fcs)
  const verb = action === 'disable' ? 'disabled' : 'enabled'

  if (flags['dry-run']) {
    io.out(machine ? renderMachine(machine, planDocument(plan)) : renderPlan(plan))
    io.err(plan.alreadyDone ? `(dry run) outgoing peering to ${plan.cluster.name} is already ${verb}; nothing would change` : '(dry run) nothing was changed')
    return
  }
  if (plan.alreadyDone) {
    io.err(`outgoing peering to ${plan.cluster.name} already ${verb} (phase ${plan.fc.outgoingPhase}); nothing to change`)
  } else {
    await requireAccess(client, peerAccessChecks(liqo, plan), `${action} the peering with ${plan.cluster.name}`)
    io.err(renderPlan(plan))
    await confirm(io, {
      message: `${action === 'disable' ? 'Disable' : 'Enable'} outgoing peering to "${plan.cluster.name}" on context "${plan.context}"?`,
      yes: flags.yes || flags['skip-confirm'],
      action: `${action} peering to ${plan.cluster.name}`,
      declined: `peering to ${plan.cluster.name} left ${plan.fc.outgoingEnabled === 'No' ? 'disabled' : 'as it was'}`,
      signal,
    })
  }

  const progress = await makeProgress(io)
  try {
    const result = await applyPeerChange(client, liqo, plan, {
      wait: flags.wait,
      timeoutMs: flags.timeout,
      signal,
      clock: systemClock,
      onProgress: (m) => progress.update(m),
      onConnection: (up, detail) => (up ? progress.info(`connection to ${client.server} restored`) : progress.warn(`lost the API server (${detail}); reconnecting`)),
    })
    if (result.waited) progress.succeed(action === 'disable' ? `rescheduling converged in ${(result.elapsedMs / 1000).toFixed(1)}s` : `${plan.cluster.name} ready in ${(result.elapsedMs / 1000).toFixed(1)}s`)
    else progress.stop()
    io.out(machine ? renderMachine(machine, peerResultDocument(result)) : renderPeerResult(result))
  } catch (e) {
    progress.stop()
    const applied = plan.alreadyDone ? `peering to ${plan.cluster.name} was already ${verb}` : `the change was applied: peering to ${plan.cluster.name} is ${verb}`
    if (e instanceof WaitTimeoutError) throw new WaitTimeoutError(e.message, e.pending, `${applied}; check with: liqo-topology pods where / peer list`)
    if (e instanceof InterruptedError) throw new InterruptedError(e.message, `${applied}; Liqo keeps converging on its own (follow it with: liqo-topology wait)`)
    throw e
  }
}

/** The argument and flags `peer disable` and `peer enable` share. */
const peerChangeArgs = {
  cluster: Args.string({description: 'ForeignCluster name, remote cluster ID, or remote cluster name. Omitted on a terminal: pick from a list.'}),
}

const peerChangeFlags = {
  ...kubeFlags,
  ...yesFlag,
  'dry-run': Flags.boolean({description: 'Only show the plan (the impact preview); change nothing.', default: false}),
  wait: Flags.boolean({description: 'Wait until the topology has converged.', default: true, allowNo: true}),
  ...timeoutFlag(120_000, '2m'),
  output: outputFlag(['table', 'json', 'yaml']),
}

function peerChangeExamples(action: PeerAction): string[] {
  return [
    `<%= config.bin %> peer ${action} cluster-3`,
    `<%= config.bin %> peer ${action} cluster-3 --yes --timeout 2m`,
    `<%= config.bin %> peer ${action} 9bfd9211-9f1d-4484-b368-3977329eb987 --dry-run --output json`,
  ]
}

/** `peer disable` and `peer enable`: one command shape, two actions. */
export function peerChangeCommand(action: PeerAction, summary: string, description: string) {
  return class PeerChange extends BaseCommand {
    static override summary = summary
    static override description = description
    static override examples = peerChangeExamples(action)
    static override args = peerChangeArgs
    static override flags = peerChangeFlags

    async run(): Promise<void> {
      const {args, flags} = await this.parse(PeerChange)
      const io = this.setupIO(flags)
      const {client} = await this.connect(flags)
      await runPeerChange(io, client, action, args.cluster, flags, this.abort.signal)
    }
  }
}
