import {BaseCommand} from '../../src/cli/base-command.js'
import {peerChangeArgs, peerChangeExamples, peerChangeFlags, runPeerChange} from '../../src/cli/peer-flow.js'

export default class PeerDisable extends BaseCommand {
  static override summary = 'Disable the outgoing peering with a remote cluster'
  static override description = 'Sets spec.outgoingPeeringEnabled to "No" (JSON merge patch). Liqo cordons and drains the virtual node of the cluster through the Eviction API, deletes it and tears down the remote namespaces; the controllers of the pods re-create them on the clusters that remain. Before asking, it shows which pods will be evicted and where they can go, and warns when they would stay Pending. With --wait (default) it returns once rescheduling has converged, then prints a timeline.'
  static override examples = peerChangeExamples('disable')
  static override args = peerChangeArgs
  static override flags = peerChangeFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PeerDisable)
    const io = this.setupIO(flags)
    const {client} = await this.connect(flags)
    await runPeerChange(io, client, 'disable', args.cluster, flags, this.abort.signal)
  }
}
