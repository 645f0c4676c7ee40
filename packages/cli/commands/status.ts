import {BaseCommand} from '../src/cli/base-command.js'
import {kubeFlags, namespaceFlag, outputFlag} from '../src/cli/flags.js'
import {staleCordonWarnings} from '../src/render/cordon.js'
import {renderStatus, statusDocument} from '../src/render/status.js'
import {status} from '../src/services/status.js'

export default class Status extends BaseCommand {
  static override summary = 'One screen: Liqo version, peerings, the namespace offloading, pods per cluster'
  static override examples = [
    '<%= config.bin %> status --namespace liqo-test',
    '<%= config.bin %> status --namespace liqo-test --output yaml',
  ]
  static override flags = {...kubeFlags, ...namespaceFlag, output: outputFlag(['table', 'json', 'yaml'])}

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const {io, print, client, namespace, stage} = await this.session(flags)
    const r = await status(client, namespace)
    print.print({document: () => statusDocument(r), text: () => renderStatus(r, Date.now())})
    for (const w of staleCordonWarnings(r.peers, stage.reach, client.serverNow())) io.err(w)
  }
}
