/** `lab stop <component>` and `lab start <component>`: one command shape for both actions. */
import {Args} from '@oclif/core'

import {labControl} from '../src/lab.js'
import {BaseCommand} from 'liqo-topology/command'
import {labDirFlag} from './lab-flags.js'

export function labComponentCommand(action: 'stop' | 'start') {
  const verb = action === 'stop' ? 'Stop' : 'Start'
  return class LabComponent extends BaseCommand {
    static override summary = `${verb} one component of the running lab (to try failures by hand)`
    static override examples = [`<%= config.bin %> lab ${action} cluster-1/kube-apiserver`]
    static override args = {
      component: Args.string({
        description: 'Component, as listed by "lab status" (e.g. cluster-1/kube-apiserver).',
        required: true,
      }),
    }
    static override flags = {...labDirFlag}

    async run(): Promise<void> {
      const {args, flags} = await this.parse(LabComponent)
      await labControl(flags.dir, action, args.component)
      this.io.err(`${args.component} ${action === 'stop' ? 'stopped' : 'started again and ready'}`)
    }
  }
}
