/**
 * List → watch from that resourceVersion → re-watch when the server closes → relist on 410 Gone →
 * reconnect after a connection error. A watch that fails, or ends at once with nothing in it
 * (client-go's "very short watch"), is opened again only after client-go's reflector back-off
 * (./retry.ts: 800 ms doubling to 30 s, with jitter), never in a tight loop. Keeps a store of mapped objects and
 * reports every change, including the deletions a relist reveals, so no change is missed.
 * Shared by every command that waits and by the lab's Liqo emulator.
 */
import {sleep} from '../toolkit/clock.js'
import {ApiError, ConnectionError} from '../toolkit/errors.js'
import type {Json, KubeClient} from './client.js'
import {Backoff, type BackoffOptions} from './retry.js'

/** A watch that ended sooner than this with no event in it ended "at once" (client-go: a second). */
export const VERY_SHORT_WATCH_MS = 1_000

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED'
export interface Change<T> {
  type: ChangeType
  key: string
  obj: T
  old?: T
}

export interface ReflectorOptions<T> {
  labelSelector?: string
  fieldSelector?: string
  map: (raw: Json) => T
  /** Server-side duration of each watch request, seconds. */
  watchTimeoutSeconds?: number
  /**
   * Called on every failure with the error; return 'retry' to reconnect after a backoff, or
   * 'fail' to stop the reflector and reject run(). Default: retry connection errors, fail the rest.
   */
  onError?: (e: unknown) => 'retry' | 'fail'
  /** Called when the connection state changes (for progress messages). */
  onConnection?: (connected: boolean, error?: unknown) => void
  /** Keeps only the objects it accepts (e.g. the namespaces a wait spans, of a watch across all). */
  filter?: (raw: Json) => boolean
  /** The back-off between failed watches (tests). */
  backoff?: BackoffOptions
  /** How long a 401 or 403 straight after an outage is taken for a starting API server (tests). */
  refusedAfterOutageMs?: number
}

/**
 * An API server that comes back answers before its authenticators and its RBAC authorizer have read
 * their caches: for a moment it refuses a valid token (401) or a permitted request (403). A reflector
 * that had listed with these credentials and then lost the connection retries such refusals, as
 * client-go's reflectors retry every error, for this long; then the refusal stands. A refusal without
 * an outage before it (RBAC changed under a running watch) stands at once.
 */
export const REFUSED_AFTER_OUTAGE_MS = 30_000

export function objectKey(raw: Json): string {
  const md = raw.metadata ?? {}
  return md.namespace ? `${md.namespace}/${md.name}` : String(md.name)
}

export class Reflector<T> {
  readonly store = new Map<string, T>()
  synced = false
  /** Lists performed (1 + relists), for the API-economy checks. */
  lists = 0
  watches = 0
  private resourceVersion = ''
  private readonly syncWaiters: Array<() => void> = []

  constructor(
    private readonly client: KubeClient,
    readonly path: string,
    private readonly opts: ReflectorOptions<T>,
  ) {}

  /**
   * Starts from a list the caller already made (same path and selectors), so that run() begins
   * by watching from its resourceVersion instead of listing again.
   */
  seed(items: Array<{key: string; obj: T}>, resourceVersion: string): void {
    this.store.clear()
    for (const {key, obj} of items) this.store.set(key, obj)
    this.resourceVersion = resourceVersion
    this.seeded = true
  }

  private seeded = false

  /** Resolves once the first list has been stored. */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve()
    return new Promise((resolve) => this.syncWaiters.push(resolve))
  }

  async run(signal: AbortSignal, onChanges: (changes: Change<T>[]) => void): Promise<void> {
    const backoff = new Backoff(this.opts.backoff)
    let connected = true
    /** When refusals after an outage began (see REFUSED_AFTER_OUTAGE_MS), and their own back-off. */
    let refused: {since: number; backoff: Backoff} | undefined
    const setConnected = (c: boolean, e?: unknown) => {
      if (c) refused = undefined
      if (c !== connected) {
        connected = c
        this.opts.onConnection?.(c, e)
      }
    }
    /** The delay before the next try if `e` is a refusal by a starting server, else undefined. */
    const startingServer = (e: unknown): number | undefined => {
      if (connected || !this.synced || !(e instanceof ApiError) || (e.code !== 401 && e.code !== 403)) return undefined
      // The server answers again: its start-up takes seconds, so the delays start small again.
      refused ??= {since: Date.now(), backoff: new Backoff(this.opts.backoff)}
      const left = refused.since + (this.opts.refusedAfterOutageMs ?? REFUSED_AFTER_OUTAGE_MS) - Date.now()
      return left > 0 ? Math.min(refused.backoff.next(), left) : undefined
    }
    const synced = () => {
      if (this.synced) return
      this.synced = true
      this.syncWaiters.splice(0).forEach((w) => w())
    }
    if (this.seeded && !this.synced) {
      synced()
      if (this.store.size) onChanges([...this.store].map(([key, obj]) => ({type: 'ADDED' as const, key, obj})))
    }
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) {
          const changes = await this.relist(signal)
          setConnected(true)
          synced()
          if (changes.length) onChanges(changes)
        }
        const events = await this.watchOnce(signal, onChanges, () => setConnected(true))
        if (events.count === 0 && events.ms < VERY_SHORT_WATCH_MS && !signal.aborted)
          await sleep(backoff.next(), signal)
      } catch (e) {
        if (signal.aborted) break
        const starting = startingServer(e)
        if (starting !== undefined) {
          // Still reconnecting after the outage, to a server that is starting.
          await sleep(starting, signal)
          continue
        }
        if (e instanceof ApiError && e.isGone) {
          this.resourceVersion = '' // expired: relist, diffing against the store
        } else {
          const decision = (this.opts.onError ?? defaultOnError)(e)
          if (decision === 'fail') throw e
          setConnected(false, e)
        }
        await sleep(backoff.next(), signal)
      }
    }
  }

  /** One watch from the current resourceVersion, until the server ends it: how many events it brought, in how long. */
  private async watchOnce(
    signal: AbortSignal,
    onChanges: (changes: Change<T>[]) => void,
    onOpen: () => void,
  ): Promise<{count: number; ms: number}> {
    const started = Date.now()
    let count = 0
    this.watches++
    for await (const ev of this.client.watch(this.path, {
      resourceVersion: this.resourceVersion,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      timeoutSeconds: this.opts.watchTimeoutSeconds,
      signal,
      onOpen,
    })) {
      count++
      onOpen()
      const rv = ev.object?.metadata?.resourceVersion
      if (rv) this.resourceVersion = rv
      if (ev.type === 'BOOKMARK') continue
      const change = this.apply(ev.type as ChangeType, ev.object)
      if (change) onChanges([change])
    }
    return {count, ms: Date.now() - started}
  }

  private async relist(signal: AbortSignal): Promise<Change<T>[]> {
    this.lists++
    const fresh = new Map<string, T>()
    const keep = this.opts.filter
    // Mapped as the pages arrive; a list whose continue token expired was listed again whole (client.list).
    const res = await this.client.list(
      this.path,
      {labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, signal},
      (raw) => (!keep || keep(raw) ? {key: objectKey(raw), obj: this.opts.map(raw)} : undefined),
    )
    for (const item of res.items) if (item) fresh.set(item.key, item.obj)
    const changes: Change<T>[] = []
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key)
        changes.push({type: 'DELETED', key, obj: old, old})
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key)
      this.store.set(key, obj)
      changes.push({type: old === undefined ? 'ADDED' : 'MODIFIED', key, obj, old})
    }
    this.resourceVersion = res.resourceVersion
    return changes
  }

  private apply(type: ChangeType, raw: Json): Change<T> | undefined {
    if (this.opts.filter && !this.opts.filter(raw)) return undefined
    const key = objectKey(raw)
    const obj = this.opts.map(raw)
    const old = this.store.get(key)
    if (type === 'DELETED') {
      this.store.delete(key)
      return {type, key, obj, old}
    }
    this.store.set(key, obj)
    return {type: old === undefined ? 'ADDED' : 'MODIFIED', key, obj, old}
  }
}

function defaultOnError(e: unknown): 'retry' | 'fail' {
  if (e instanceof ConnectionError) return 'retry'
  if (e instanceof ApiError && (e.code >= 500 || e.code === 429)) return 'retry'
  return 'fail'
}
