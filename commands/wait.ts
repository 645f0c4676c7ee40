import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {systemClock} from '../src/toolkit/clock.js'
import {kubeFlags, namespaceFlag, outputFlag, timeoutFlag} from '../src/cli/flags.js'
import {isMachine, renderMachine} from '../src/render/machine.js'
import {renderWaitResult, waitDocument} from '../src/render/wait.js'
import {waitNamespace} from '../src/services/wait.js'
import {makeProgress} from '../src/ui/progress.js'

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
    'away-from': Flags.string({description: 'Also wait until no pod of the namespace runs on this cluster (name, cluster ID or cluster name).'}),
    ...timeoutFlag(120_000, '2m'),
    output: outputFlag(['table', 'json', 'yaml']),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Wait)
    const io = this.setupIO(flags)
    const {client, namespace} = await this.connect(flags)
    const progress = await makeProgress(io)
    const r = await waitNamespace(client, {
      namespace,
      ...(flags['away-from'] !== undefined ? {awayFrom: flags['away-from']} : {}),
      timeoutMs: flags.timeout,
      signal: this.abort.signal,
      clock: systemClock,
      onProgress: (m) => progress.update(m),
      onConnection: (up, detail) => (up ? progress.info(`connection to ${client.server} restored`) : progress.warn(`lost the API server (${detail}); reconnecting`)),
    }).catch((e: unknown) => {
      progress.stop()
      throw e
    })
    progress.succeed(`namespace/${namespace} condition met`)
    io.out(isMachine(flags.output) ? renderMachine(flags.output, waitDocument(r)) : renderWaitResult(r))
  }
}
