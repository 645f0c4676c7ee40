import {BaseCommand} from '../../src/cli/base-command.js'
import {kubeFlags, outputFlag} from '../../src/cli/flags.js'
import {staleCordonWarnings} from '../../src/render/cordon.js'
import {peerListDocument, renderPeerList} from '../../src/render/peer.js'
import {peerList} from '../../src/services/peer.js'

export default class PeerList extends BaseCommand {
  static override summary = 'List the ForeignClusters and the state of their peerings'
  static override description =
    'One line per ForeignCluster: cluster ID and name, the outgoing setting (spec.outgoingPeeringEnabled), ' +
    'the outgoing and incoming peering phases (status), the virtual node and its readiness, and the pods it hosts.'
  static override examples = ['<%= config.bin %> peer list', '<%= config.bin %> peer list --output json']
  static override flags = {...kubeFlags, output: outputFlag(['table', 'wide', 'json', 'yaml'])}

  async run(): Promise<void> {
    const {flags} = await this.parse(PeerList)
    const {io, print, client, stage} = await this.session(flags)
    const result = await peerList(client)
    print.print({
      document: () => peerListDocument(result, stage.reach),
      text: () => (result.peers.length ? renderPeerList(result, {wide: print.wide, now: Date.now()}) : ''),
    })
    for (const w of staleCordonWarnings(result.peers, stage.reach, client.serverNow())) io.err(w)
    if (!print.machine && !result.peers.length) io.err(`No ForeignClusters on context "${result.context}".`)
  }
}
