/** `peer cordon` and `peer uncordon`: one command shape for both actions, over the flow of src/flows/peer-cordon.ts. */
import {Args, Flags} from '@oclif/core'

import {runPeerCordon} from '../flows/peer-cordon.js'
import type {CordonAction} from '../services/cordon.js'
import {BaseCommand} from './base-command.js'
import {kubeFlags, outputFlag, timeoutFlag, yesFlag} from './flags.js'

const cordonArgs = {
  cluster: Args.string({
    description:
      'ForeignCluster name, remote cluster ID, or remote cluster name. Omitted on a terminal: pick from a list.',
  }),
}

const cordonFlags = {
  ...kubeFlags,
  ...yesFlag,
  'dry-run': Flags.boolean({description: 'Only show the plan; change nothing.', default: false}),
  wait: Flags.boolean({
    description: 'Wait until every virtual node of the cluster shows it.',
    default: true,
    allowNo: true,
  }),
  ...timeoutFlag(60_000, '1m'),
  output: outputFlag(['table', 'json', 'yaml']),
}

export function peerCordonCommand(action: CordonAction, summary: string, description: string) {
  return class PeerCordon extends BaseCommand {
    static override summary = summary
    static override description = description
    static override examples = [
      `<%= config.bin %> peer ${action} cluster-3`,
      `<%= config.bin %> peer ${action} cluster-3 --yes`,
      `<%= config.bin %> peer ${action} cluster-3 --dry-run --output json`,
    ]
    static override args = cordonArgs
    static override flags = cordonFlags

    async run(): Promise<void> {
      const {args, flags} = await this.parse(PeerCordon)
      const session = {...(await this.session(flags)), signal: this.abort.signal, stage: this.stage}
      await runPeerCordon(session, {...flags, action, cluster: args.cluster})
    }
  }
}
