import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {kubeFlags, outputFlag, timeoutFlag, yesFlag} from '../../src/cli/flags.js'
import {runPeerChange} from '../../src/cli/peer-flow.js'

export default class PeerEnable extends BaseCommand {
  static override summary = 'Enable the outgoing peering with a remote cluster'
  static override description = 'Sets spec.outgoingPeeringEnabled to "Yes" (JSON merge patch). Liqo re-creates the virtual node and the remote namespaces. With --wait (default) it returns once the peering is Established, the virtual node Ready and the remote namespaces Ready. Running pods are not moved back.'
  static override examples = [
    '<%= config.bin %> peer enable cluster-3',
    '<%= config.bin %> peer enable cluster-3 --yes --timeout 2m',
    '<%= config.bin %> peer enable 9bfd9211-9f1d-4484-b368-3977329eb987 --dry-run --output json',
  ]
  static override args = {
    cluster: Args.string({description: 'ForeignCluster name, remote cluster ID, or remote cluster name. Omitted on a terminal: pick from a list.'}),
  }
  static override flags = {
    ...kubeFlags,
    ...yesFlag,
    'dry-run': Flags.boolean({description: 'Only show the plan (the impact preview); change nothing.', default: false}),
    wait: Flags.boolean({description: 'Wait until the topology has converged.', default: true, allowNo: true}),
    ...timeoutFlag(120_000, '2m'),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PeerEnable)
    const io = this.setupIO(flags)
    const {client} = await this.connect(flags)
    await runPeerChange(io, client, 'enable', args.cluster, flags, this.abort.signal)
  }
}
