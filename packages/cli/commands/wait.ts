import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {kubeFlags, namespaceFlag, outputFlag, timeoutFlag} from '../src/cli/flags.js'
import {runWait} from '../src/flows/wait.js'

export default class Wait extends BaseCommand {
  static override summary = 'Wait until rescheduling in a namespace has converged'
  static override description =
    'Watches the namespace (no polling) until: no pod runs on a disabled or vanished cluster (nor on --away-from), ' +
    'no pod is Pending or Terminating, every owner has its desired replicas ready, and no peering is half-way ' +
    '(Pending/Disconnecting). A namespace with nothing in it yet keeps the wait going. On timeout it exits 3 and ' +
    'names the pods and clusters still off.'
  static override examples = [
    '<%= config.bin %> wait --namespace liqo-test',
    '<%= config.bin %> wait --namespace liqo-test --away-from cluster-3 --timeout 2m',
  ]
  static override flags = {
    ...kubeFlags,
    ...namespaceFlag,
    'away-from': Flags.string({
      description: 'Also wait until no pod of the namespace runs on this cluster (name, cluster ID or cluster name).',
    }),
    ...timeoutFlag(120_000, '2m'),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Wait)
    const session = await this.session(flags)
    const awayFrom = flags['away-from']
    await runWait(session, {...(awayFrom !== undefined ? {awayFrom} : {}), timeoutMs: flags.timeout})
  }
}
