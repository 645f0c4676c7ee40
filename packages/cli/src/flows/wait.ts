/** The flow of `wait`: wait with progress on stderr, then the outcome through the printer. */
import {renderWaitResult, waitDocument} from '../render/wait.js'
import {waitNamespace} from '../services/wait.js'
import {systemClock} from '../toolkit/clock.js'
import {makeProgress, waitReporting} from '../ui/progress.js'
import type {Session} from './session.js'

export interface WaitOptions {
  /** Also wait until no pod of the namespace runs on this cluster. */
  awayFrom?: string
  timeoutMs: number
}

/** Waits on the session's namespace. */
export async function runWait(s: Session, o: WaitOptions): Promise<void> {
  const {io, print, client, namespace, signal} = s
  const progress = await makeProgress(io)
  const reporting = waitReporting(progress, client.server)
  const waiting = waitNamespace(client, {namespace, ...o, signal, clock: systemClock, ...reporting})
  const r = await waiting.catch((e: unknown) => {
    progress.stop()
    throw e
  })
  progress.succeed(`namespace/${namespace} condition met`)
  print.print({document: () => waitDocument(r), text: () => renderWaitResult(r)})
}
