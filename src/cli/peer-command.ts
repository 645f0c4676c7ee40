/** `peer disable` and `peer enable`: one command shape for both actions, over the flow of src/flows/peer-change.ts. */
import {Args, Flags} from '@oclif/core'

import {runPeerChange} from '../flows/peer-change.js'
import type {PeerAction} from '../services/peer.js'
import {BaseCommand} from './base-command.js'
import {forceFlag, kubeFlags, outputFlag, timeoutFlag, yesFlag} from './flags.js'

/** The argument and flags `peer disable` and `peer enable` share. */
const peerChangeArgs = {
  cluster: Args.string({description: 'ForeignCluster name, remote cluster ID, or remote cluster name. Omitted on a terminal: pick from a list.'}),
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
      const session = await this.session(flags)
      await runPeerChange(session, {
        action,
        ...(args.cluster !== undefined ? {cluster: args.cluster} : {}),
        yes: flags.yes || flags['skip-confirm'],
        force: flags.force,
        dryRun: flags['dry-run'],
        wait: flags.wait,
        timeoutMs: flags.timeout,
      })
    }
  }
}
