/** The flow of `pods why`: explain one pod, or every Pending pod of a namespace, through the printer. */
import {podsWhyDocument, renderPodsWhy} from '../render/pods-why.js'
import {explainPods, type PodsWhyOptions} from '../services/pods-why.js'
import type {Session} from './session.js'

export type {PodsWhyOptions} from '../services/pods-why.js'

export async function runPodsWhy(session: Session, o: PodsWhyOptions): Promise<void> {
  const {io, print, client} = session
  const result = await explainPods(client, o)
  for (const w of result.warnings) io.err(`Warning: ${w}`)
  print.print({
    document: () => podsWhyDocument(result),
    text: () => renderPodsWhy(result, {wide: print.wide, now: Date.now()}),
  })
  // As kubectl's "No resources found": on stderr, so that stdout stays data.
  if (result.pods.length === 0 && !print.machine) io.err(`No Pending pods in namespace ${o.namespace}.`)
}
