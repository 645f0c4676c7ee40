import {BaseCommand} from '../../src/cli/base-command.js'
import {peerChangeArgs, peerChangeExamples, peerChangeFlags, runPeerChange} from '../../src/cli/peer-flow.js'

export default class PeerEnable extends BaseCommand {
  static override summary = 'Enable the outgoing peering with a remote cluster'
  static override description = 'Sets spec.outgoingPeeringEnabled to "Yes" (JSON merge patch). Liqo re-creates the virtual node and the remote namespaces. With --wait (default) it returns once the peering is Established, the virtual node Ready and the remote namespaces Ready. Running pods are not moved back.'
  static override examples = peerChangeExamples('enable')
  static override args = peerChangeArgs
  static override flags = peerChangeFlags

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PeerEnable)
    const io = this.setupIO(flags)
    const {client} = await this.connect(flags)
    await runPeerChange(io, client, 'enable', args.cluster, flags, this.abort.signal)
  }
}
