import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {labDirFlag} from '../../src/cli/lab-flags.js'
import {labControl} from '../../src/lab/lab.js'

export default class LabStop extends BaseCommand {
  static override summary = 'Stop one component of the running lab (to try failures by hand)'
  static override examples = ['<%= config.bin %> lab stop cluster-1/kube-apiserver']
  static override args = {
    component: Args.string({description: 'Component, as listed by "lab status" (e.g. cluster-1/kube-apiserver).', required: true}),
  }
  static override flags = {...labDirFlag}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(LabStop)
    await labControl(flags.dir, 'stop', args.component)
    this.io.err(`${args.component} stopped`)
  }
}
