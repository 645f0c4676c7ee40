import {BaseCommand} from 'liqo-topology/command'
import {labDirFlag} from '../cli/lab-flags.js'
import {labDown} from '../src/lab.js'

export default class LabDown extends BaseCommand {
  static override summary = 'Stop the lab and every process it started'
  static override description =
    'Stops the Liqo emulator and the control plane, kills anything left by a crashed run, and deletes the lab ' +
    'data (logs are kept). Idempotent.'
  static override examples = ['<%= config.bin %> lab down']
  static override flags = {...labDirFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(LabDown)
    const r = await labDown(flags.dir, (m) => this.io.err(m))
    this.io.err(
      r.wasRunning
        ? `lab stopped (${r.stopped.length} processes); logs kept in ${flags.dir}/logs`
        : `no lab running in ${flags.dir}; nothing to do`,
    )
  }
}
