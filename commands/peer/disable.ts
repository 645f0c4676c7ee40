import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {kubeFlags, outputFlag, timeoutFlag, yesFlag} from '../../src/cli/flags.js'
import {runPeerChange} from '../../src/cli/peer-flow.js'

export default class PeerDisable extends BaseCommand {
  static override summary = 'Disable the outgoing peering with a remote cluster'
  static override description = 'Sets spec.outgoingPeeringEnabled to "No" (JSON merge patch). Liqo cordons and drains the virtual node of the cluster through the Eviction API, deletes it and tears down the remote namespaces; the controllers of the pods re-create them on the clusters that remain. Before asking, it shows which pods will be evicted and where they can go, and warns when they would stay Pending. With --wait (default) it returns once rescheduling has converged, then prints a timeline.'
  static override examples = [
    '<%= config.bin %> peer disable cluster-3',
    '<%= config.bin %> peer disable cluster-3 --yes --timeout 2m',
    '<%= config.bin %> peer disable 9bfd9211-9f1d-4484-b368-3977329eb987 --dry-run --output json',
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
    const {args, flags} = await this.parse(PeerDisable)
    const io = this.setupIO(flags)
    const {client} = await this.connect(flags)
    await runPeerChange(io, client, 'disable', args.cluster, flags, this.abort.signal)
  }
}
