import {BaseCommand, Printer, outputFlag} from 'liqo-topology/command'
import {labDirFlag} from '../cli/lab-flags.js'
import {labStatus} from '../src/lab.js'
import {labStatusDocument, renderLabStatus} from '../cli/lab-render.js'
import {UserError} from 'liqo-topology/toolkit/errors'

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
    // No lab, or a stale one, is an error (exit 1) so that `lab status && …` works in scripts.
    if (!r.state)
      throw new UserError(`no lab is running in ${flags.dir}`, 'start one with: liqo-topology lab up --tutorial')
    if (!r.supervisorRunning)
      throw new UserError(
        `the lab in ${flags.dir} is not running (its state is stale)`,
        'clean it up with: liqo-topology lab down; then: liqo-topology lab up --tutorial',
      )
    if (!print.machine) io.err(`lab ${r.state.status} in ${flags.dir}; kubeconfig: ${r.state.kubeconfig}`)
  }
}
