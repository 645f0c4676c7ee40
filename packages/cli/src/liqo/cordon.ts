/**
 * The write behind a cordon (../model/cordon.ts), shared by the adapters: one cordon's NoSchedule
 * taint put into or taken out of an object's spec.taints (a v0 Node, a v1 VirtualNode). Read,
 * edit, JSON merge patch guarded by the resourceVersion just read; on 409 Conflict read again and
 * redo the edit (client-go's RetryOnConflict back-off), so that a taint someone else wrote in
 * between is kept. The other taints are written back as they were read.
 */
import type {Json, KubeClient} from '../k8s/client.js'
import {withCordon, type CordonRef} from '../model/cordon.js'
import {sleep} from '../toolkit/clock.js'
import {ApiError, UserError} from '../toolkit/errors.js'

export interface TaintTarget {
  path: string
  /** kubectl's name of the object, for messages: `node/x`, `virtualnode.offloading.liqo.io ns/x`. */
  what: string
}

/**
 * Puts up (`on`, or renews) or lifts the cordon's taint on the object; `changed` false when it already was so, or
 * the object is gone.
 */
export async function editCordonTaint(
  client: KubeClient,
  t: TaintTarget,
  cordon: CordonRef,
  on: boolean,
): Promise<{changed: boolean}> {
  const attempts = 10
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const fresh = await client.getOrNull(t.path)
    // A node deleted meanwhile (a disable's drain) keeps no pod off anything: nothing to do.
    if (!fresh) return {changed: false}
    const next = withCordon((fresh.spec?.taints ?? []) as Json[], cordon, on)
    if (!next) return {changed: false}
    try {
      await client.patch(
        t.path,
        {metadata: {resourceVersion: fresh.metadata?.resourceVersion}, spec: {taints: next}},
        'merge',
        {what: `patch ${t.what}`},
      )
      return {changed: true}
    } catch (e) {
      if (!(e instanceof ApiError && (e.isConflict || e.isNotFound))) throw e
      await sleep(Math.min(20 * 2 ** (attempt - 1), 1000) * (0.75 + Math.random() / 2))
    }
  }
  throw new UserError(
    `${t.what} kept changing under us (${attempts} conflicts in a row)`,
    'something else is updating it; try again',
  )
}

/** editCordonTaint on each target in turn; `changed` when any changed. */
export async function editCordonTaints(
  client: KubeClient,
  targets: TaintTarget[],
  cordon: CordonRef,
  on: boolean,
): Promise<{changed: boolean}> {
  let changed = false
  for (const t of targets) changed = (await editCordonTaint(client, t, cordon, on)).changed || changed
  return {changed}
}
