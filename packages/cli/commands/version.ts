import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {kubeFlags, outputFlag} from '../src/cli/flags.js'
import {renderVersion, versionDocument} from '../src/render/version.js'
import {clientVersion, serverVersions} from '../src/services/version.js'
import {Printer} from '../src/ui/printer.js'

export default class Version extends BaseCommand {
  static override summary = "Print this tool's version and the Kubernetes and Liqo versions of the cluster"
  static override description =
    'As kubectl version: the client, then the server of the current context, and which Liqo it runs (API line ' +
    'and version). --client skips the cluster.'
  static override examples = [
    '<%= config.bin %> version',
    '<%= config.bin %> version --client',
    '<%= config.bin %> version --output json',
  ]
  static override flags = {
    ...kubeFlags,
    client: Flags.boolean({description: 'Only the client version (no cluster needed).', default: false}),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Version)
    const client = clientVersion(this.config.version)
    if (flags.client)
      return new Printer(this.setupIO(flags), flags.output).print({
        document: () => versionDocument({client}),
        text: () => renderVersion({client}),
      })
    const {print, client: kube} = await this.session(flags)
    const server = await serverVersions(kube)
    print.print({document: () => versionDocument({client, server}), text: () => renderVersion({client, server})})
  }
}
