/** The flow of `wait`: wait with progress on stderr, then the outcome through the printer. */
import type {KubeClient} from '../k8s/client.js'
import {renderWaitResult, waitDocument} from '../render/wait.js'
import {waitNamespace} from '../services/wait.js'
import {systemClock} from '../toolkit/clock.js'
import type {IO} from '../toolkit/io.js'
import type {Printer} from '../ui/printer.js'
import {makeProgress, waitReporting} from '../ui/progress.js'

export async function runWait(io: IO, print: Printer, client: KubeClient, o: {namespace: string; awayFrom?: string; timeoutMs: number}, signal: AbortSignal): Promise<void> {
  const progress = await makeProgress(io)
  const r = await waitNamespace(client, {...o, signal, clock: systemClock, ...waitReporting(progress, client.server)}).catch((e: unknown) => {
    progress.stop()
    throw e
  })
  progress.succeed(`namespace/${o.namespace} condition met`)
  print.print({document: () => waitDocument(r), text: () => renderWaitResult(r)})
}
