/**
 * The one way a Liqo switch is written: a JSON merge patch guarded by the resourceVersion the
 * caller read. On 409 Conflict it backs off (jittered, as client-go's RetryOnConflict: 20 ms,
 * 40 ms, … up to ~1 s), reads the object again right before the next attempt, and stops when
 * someone else already set the value. Shared by every adapter.
 */
import type {Json, KubeClient} from '../k8s/client.js'
import {sleep} from '../toolkit/clock.js'
import {ApiError, UserError} from '../toolkit/errors.js'

export interface GuardedPatch {
  path: string
  /** kubectl's name of the object, for messages: `virtualnode.offloading.liqo.io liqo-tenant-x/x`. */
  what: string
  resourceVersion: string
  /** The patch's content besides metadata.resourceVersion. */
  body: Json
  /** Is the value already what the patch sets (in a fresh read)? */
  done(fresh: Json): boolean
}

export async function guardedPatch(client: KubeClient, p: GuardedPatch): Promise<{changed: boolean; attempts: number}> {
  let rv = p.resourceVersion
  const attempts = 10
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await client.patch(p.path, {...p.body, metadata: {resourceVersion: rv}}, 'merge', {what: `patch ${p.what}`})
      return {changed: true, attempts: attempt}
    } catch (e) {
      if (!(e instanceof ApiError && e.isConflict)) throw e
      await sleep(Math.min(20 * 2 ** (attempt - 1), 1000) * (0.75 + Math.random() / 2))
      const fresh = await client.getOrNull(p.path)
      if (!fresh) throw new UserError(`${p.what} was deleted while changing it`)
      if (p.done(fresh)) return {changed: false, attempts: attempt}
      rv = fresh.metadata?.resourceVersion
    }
  }
  throw new UserError(
    `${p.what} kept changing under us (${attempts} conflicts in a row)`,
    'something else is updating it; try again',
  )
}
