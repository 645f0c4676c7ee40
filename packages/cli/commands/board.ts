import {BaseCommand} from '../src/cli/base-command.js'
import {kubeFlags, namespaceFlags} from '../src/cli/flags.js'
import {runBoard} from '../src/flows/board.js'

export default class Board extends BaseCommand {
  static override summary = 'A live, full-screen board: pods by cluster as they move'
  static override description =
    'One column per cluster (local and each peer, with its peering state and who cordons it), the pods as ' +
    'coloured cells that move as they are rescheduled, and the last events. ←/→ select a cluster, d / e ' +
    'disable / enable its peering (with the same preview and confirmation as peer disable|enable), r ' +
    'rebalances the pods (as rebalance, with its plan and confirmation), q or Ctrl-C leave. Needs a terminal.'
  static override examples = [
    '<%= config.bin %> board --namespace liqo-test',
    '<%= config.bin %> board --all-namespaces',
  ]
  static override flags = {...kubeFlags, ...namespaceFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(Board)
    await runBoard(await this.session(flags), {allNamespaces: flags['all-namespaces']})
  }
}
