import {BaseCommand} from '../src/cli/base-command.js'
import {kubeFlags, namespaceFlag, outputFlag} from '../src/cli/flags.js'
import {renderStatus, statusDocument} from '../src/render/status.js'
import {status} from '../src/services/status.js'
import {Printer} from '../src/ui/printer.js'

export default class Status extends BaseCommand {
  static override summary = 'One screen: Liqo version, peerings, the namespace offloading, pods per cluster'
  static override examples = ['<%= config.bin %> status --namespace liqo-test', '<%= config.bin %> status --namespace liqo-test --output yaml']
  static override flags = {...kubeFlags, ...namespaceFlag, output: outputFlag(['table', 'json', 'yaml'])}

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const io = this.setupIO(flags)
    const {client, namespace} = await this.connect(flags)
    const r = await status(client, namespace)
    new Printer(io, flags.output).print({document: () => statusDocument(r), text: () => renderStatus(r, Date.now())})
  }
}
