import {Args} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {completionScript} from '../src/cli/complete.js'

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script (bash or zsh)'
  static override description =
    'Completes commands, flags and their values, and, from the live cluster (1.5s deadline): the <cluster> of ' +
    'peer disable|enable, -n/--namespace and --context. As a kubectl plugin, `kubectl liqo-topology <Tab>` ' +
    'completes through kubectl_complete-liqo_topology (installed with the package).'
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    'source <(<%= config.bin %> completion zsh)',
    '<%= config.bin %> completion bash > /etc/bash_completion.d/liqo-topology',
  ]
  static override args = {shell: Args.string({description: 'bash or zsh', options: ['bash', 'zsh'], required: true})}

  async run(): Promise<void> {
    const {args} = await this.parse(Completion)
    this.setupIO({}).out(completionScript(args.shell as 'bash' | 'zsh', this.config.bin))
  }
}
