import {BaseCommand} from 'liqo-topology/command'
import {labDirFlag} from '../cli/lab-flags.js'
import {labEnv} from '../src/lab.js'

export default class LabEnv extends BaseCommand {
  static override summary = 'Print the shell exports that point kubectl at the lab'
  static override examples = ['eval "$(<%= config.bin %> lab env)"']
  static override flags = {...labDirFlag}

  async run(): Promise<void> {
    const {flags} = await this.parse(LabEnv)
    this.io.out(`${labEnv(flags.dir).join('\n')}\n`)
  }
}
