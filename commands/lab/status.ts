import {BaseCommand} from '../../src/cli/base-command.js'
import {outputFlag} from '../../src/cli/flags.js'
import {labDirFlag} from '../../src/cli/lab-flags.js'
import {labStatus} from '../../src/lab/lab.js'
import {labStatusDocument, renderLabStatus} from '../../src/render/lab.js'
import {Printer} from '../../src/ui/printer.js'

export default class LabStatus extends BaseCommand {
  static override summary = 'Show the lab: clusters, components and whether they run'
  static override examples = ['<%= config.bin %> lab status', '<%= config.bin %> lab status --output json']
  static override flags = {...labDirFlag, output: outputFlag(['table', 'json', 'yaml'])}

  async run(): Promise<void> {
    const {flags} = await this.parse(LabStatus)
    const io = this.setupIO(flags)
    const r = labStatus(flags.dir)
    const print = new Printer(io, flags.output)
    print.print({document: () => labStatusDocument(r), text: () => renderLabStatus(r)})
    if (print.machine) return
    if (!r.state) {
      io.err(`no lab in ${flags.dir}; start one with: liqo-topology lab up --tutorial`)
      return
    }
    io.err(r.supervisorRunning ? `lab ${r.state.status} in ${flags.dir}; kubeconfig: ${r.state.kubeconfig}` : `lab in ${flags.dir} is not running (stale state; run: liqo-topology lab down)`)
  }
}
