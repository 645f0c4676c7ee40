/** `peer disable` and `peer enable`: one command shape for both actions, over the flow of src/flows/peer-change.ts. */
import {Args, Flags} from '@oclif/core'

import {runPeerChange} from '../flows/peer-change.js'
import {runRebalance} from '../flows/rebalance.js'
import {UsageError} from '../toolkit/errors.js'
import type {PeerAction} from '../services/peer.js'
import {BaseCommand} from './base-command.js'
import {durationFlag, forceFlag, kubeFlags, outputFlag, timeoutFlag, yesFlag} from './flags.js'

/** The argument and flags `peer disable` and `peer enable` share. */
const peerChangeArgs = {
  cluster: Args.string({
    description:
      'ForeignCluster name, remote cluster ID, or remote cluster name. Omitted on a terminal: pick from a list.',
  }),
}

const peerChangeFlags = {
  ...kubeFlags,
  ...yesFlag,
  ...forceFlag,
  'dry-run': Flags.boolean({description: 'Only show the plan (the impact preview); change nothing.', default: false}),
  wait: Flags.boolean({description: 'Wait until the topology has converged.', default: true, allowNo: true}),
  ...timeoutFlag(120_000, '2m'),
  output: outputFlag(['table', 'json', 'yaml']),
}

/** `peer enable` only: go on with a rebalance once the cluster is back. */
const enableFlags = {
  rebalance: Flags.boolean({
    description:
      'Then spread the pods of every offloaded namespace back over the clusters they may run on, as ' +
      '"rebalance -A" (once the cluster has been Ready for --stable-for).',
    default: false,
  }),
  'stable-for': durationFlag({
    description: 'With --rebalance: how long a virtual node must have been Ready before its cluster counts.',
    default: 30_000,
    defaultHelp: async () => '30s',
  }),
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
    static override flags = action === 'enable' ? {...peerChangeFlags, ...enableFlags} : peerChangeFlags

    async run(): Promise<void> {
      const {args, flags} = await this.parse(PeerChange)
      const then = flags as {rebalance?: boolean; 'stable-for'?: number}
      if (then.rebalance && !flags.wait)
        throw new UsageError('--rebalance needs the wait for the peering: drop --no-wait')
      const session = await this.session(flags)
      const yes = flags.yes || flags['skip-confirm']
      await runPeerChange(session, {
        action,
        ...(args.cluster !== undefined ? {cluster: args.cluster} : {}),
        yes,
        force: flags.force,
        dryRun: flags['dry-run'],
        wait: flags.wait,
        timeoutMs: flags.timeout,
      })
      if (!then.rebalance || flags['dry-run']) return
      await runRebalance(session, {
        allNamespaces: true,
        stableForMs: then['stable-for'] ?? 30_000,
        maxUnavailable: 1,
        dryRun: false,
        yes,
        force: flags.force,
        timeoutMs: flags.timeout,
      })
    }
  }
}
