/**
 * The waits of `rebalance`: its cordon in force (or lifted) on the virtual nodes, as the scheduler
 * sees them; and between two evictions, until the controller has as many Ready pods as before and
 * the evicted ones are going, recording where each replacement was scheduled and when it became
 * Ready on the run's timeline.
 */
import type {KubeClient, ListResult} from '../k8s/client.js'
import {PODS} from '../k8s/kinds.js'
import type {Change} from '../k8s/reflector.js'
import {NODES} from '../liqo/nodes.js'
import {cordonPending, type CordonRef} from '../model/cordon.js'
import type {Pod} from '../model/types.js'
import type {Clock} from '../toolkit/clock.js'
import type {TimelineEvent} from './timeline.js'
import {retryConnectionErrors, waitFor} from './wait-for.js'

export interface MoveRecord {
  namespace: string
  pod: string
  from: string
  evictedAt?: number
  replacement?: {pod: string; cluster: string; scheduledAt?: number; readyAt?: number}
}

export interface ReplacementWait {
  namespace: string
  ownerUid: string
  /** How many Ready pods the controller had before the evictions. */
  ready: number
  /** The pods just evicted. */
  evicted: MoveRecord[]
  /** Pods of the namespace that existed before (namespace/name): not replacements. */
  existing: Set<string>
  /**
   * The list `existing` comes from, made before the evictions: the wait watches from its resourceVersion instead of
   * listing again, and still sees every change the evictions made.
   */
  before?: ListResult<Pod>
  /** When the run started (timeline times are relative to it). */
  start: number
  clusterOf: (nodeName?: string) => string
}

export interface ReplacementWaitOptions {
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onProgress?: (message: string) => void
  onConnection?: (connected: boolean, detail: string) => void
}

/** Until the replacements of `w.evicted` are Ready; their events go to `timeline`. */
export async function replacementsReady(
  client: KubeClient,
  w: ReplacementWait,
  timeline: TimelineEvent[],
  o: ReplacementWaitOptions,
): Promise<void> {
  const pods = PODS.reflector(client, {...retryConnectionErrors(o.onConnection), namespace: w.namespace})
  if (w.before) {
    const items = w.before.items.map((p) => ({key: `${p.namespace}/${p.name}`, obj: p}))
    pods.seed(items, w.before.resourceVersion)
  }
  const evicted = new Map(w.evicted.map((m) => [`${m.namespace}/${m.pod}`, m]))
  const seen = new Map<string, {scheduled: boolean; ready: boolean}>()
  const record = (changes: Array<Change<Pod>>, at: number) => {
    const t = at - w.start
    for (const c of changes) {
      if (evicted.has(c.key) || w.existing.has(c.key) || c.type === 'DELETED' || c.obj.owner?.uid !== w.ownerUid)
        continue
      const s = seen.get(c.key) ?? {scheduled: false, ready: false}
      const cluster = w.clusterOf(c.obj.nodeName)
      // Each new pod answers the first evicted pod that has no replacement yet.
      const free = seen.has(c.key) ? undefined : w.evicted.find((x) => !x.replacement)
      if (free) free.replacement = {pod: c.obj.name, cluster}
      const move = w.evicted.find((x) => x.replacement?.pod === c.obj.name)
      if (c.obj.nodeName && !s.scheduled) {
        s.scheduled = true
        if (move?.replacement) Object.assign(move.replacement, {cluster, scheduledAt: t})
        timeline.push({
          at: t,
          kind: 'replacement-scheduled',
          text: `pod ${c.obj.name} scheduled on ${cluster}`,
          pod: c.obj.name,
          cluster,
        })
      }
      if (c.obj.ready && !s.ready) {
        s.ready = true
        if (move?.replacement) move.replacement.readyAt = t
        timeline.push({
          at: t,
          kind: 'replacement-ready',
          text: `pod ${c.obj.name} Ready on ${cluster}`,
          pod: c.obj.name,
          cluster,
        })
      }
      seen.set(c.key, s)
    }
  }
  await waitFor({
    reflectors: [pods],
    evaluate: () => {
      const mine = [...pods.store.values()].filter((p) => p.owner?.uid === w.ownerUid)
      const ready = mine.filter((p) => p.ready && !p.deletionTimestamp).length
      const lingering = mine.filter((p) => evicted.has(`${p.namespace}/${p.name}`) && !p.deletionTimestamp)
      const done = ready >= w.ready && lingering.length === 0
      const message =
        `${w.namespace}: ${ready}/${w.ready} pods Ready after ` + `evicting ${w.evicted.map((m) => m.pod).join(', ')}`
      return {done, message, pending: done ? [] : [message], result: null}
    },
    // The first list counts too: a replacement is often there before the watch starts.
    onChange: (_source, changes, at) => record(changes as Array<Change<Pod>>, at),
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `the replacements of ${w.evicted.map((m) => `${m.namespace}/${m.pod}`).join(', ')} to be Ready`,
    hint: 'run "liqo-topology pods where" to see where they are; Pending pods mean no eligible cluster has room',
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
}

/**
 * Until a rebalance's cordon (`cordon`: its taint) is (`on`) or is no longer on every virtual node of the cluster: what
 * the scheduler sees.
 */
export async function cordonApplied(
  client: KubeClient,
  clusterId: string,
  cordon: CordonRef,
  on: boolean,
  o: ReplacementWaitOptions,
): Promise<void> {
  const nodes = NODES.reflector(client, retryConnectionErrors(o.onConnection))
  await waitFor({
    reflectors: [nodes],
    evaluate: () => {
      const pending = cordonPending([...nodes.store.values()], clusterId, cordon, on)
      const message = pending.length
        ? `waiting for the cordon to be ${on ? 'on' : 'off'} ${pending.join(', ')}`
        : `cordon ${on ? 'on' : 'off'}`
      return {
        done: pending.length === 0,
        message,
        pending: pending.map((n) => `node ${n}: cordon ${on ? 'not yet on' : 'still on'}`),
        result: null,
      }
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `the cordon to be ${on ? 'in force' : 'lifted'}`,
    hint: "Liqo's virtual kubelet applies a VirtualNode's taints to its node: is it running?",
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
}
