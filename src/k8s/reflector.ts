/**
 * List → watch from that resourceVersion → re-watch when the server closes → relist on 410 Gone →
 * reconnect with backoff after a connection error. Keeps a store of mapped objects and reports
 * every change, including the deletions a relist reveals, so no change is missed.
 * Shared by every command that waits and by the lab's Liqo emulator.
 */
import {sleep} from '../toolkit/clock.js'
import {ApiError, ConnectionError} from '../toolkit/errors.js'
import type {Json, KubeClient} from './client.js'

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
}

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
    let backoff = 250
    let connected = true
    const setConnected = (c: boolean, e?: unknown) => {
      if (c !== connected) {
        connected = c
        this.opts.onConnection?.(c, e)
      }
    }
    if (this.seeded && !this.synced) {
      this.synced = true
      this.syncWaiters.splice(0).forEach((w) => w())
      if (this.store.size) onChanges([...this.store].map(([key, obj]) => ({type: 'ADDED' as const, key, obj})))
    }
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) {
          const changes = await this.relist(signal)
          setConnected(true)
          if (!this.synced) {
            this.synced = true
            this.syncWaiters.splice(0).forEach((w) => w())
          }
          if (changes.length) onChanges(changes)
        }
        this.watches++
        for await (const ev of this.client.watch(this.path, {
          resourceVersion: this.resourceVersion,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          timeoutSeconds: this.opts.watchTimeoutSeconds,
          signal,
          onOpen: () => setConnected(true),
        })) {
          setConnected(true)
          backoff = 250
          const rv = ev.object?.metadata?.resourceVersion
          if (rv) this.resourceVersion = rv
          if (ev.type === 'BOOKMARK') continue
          const change = this.apply(ev.type as ChangeType, ev.object)
          if (change) onChanges([change])
        }
      } catch (e) {
        if (signal.aborted) break
        if (e instanceof ApiError && e.isGone) {
          this.resourceVersion = '' // expired: relist, diffing against the store
          continue
        }
        const decision = (this.opts.onError ?? defaultOnError)(e)
        if (decision === 'fail') throw e
        setConnected(false, e)
        await sleep(backoff, signal)
        backoff = Math.min(backoff * 2, 5_000)
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<Change<T>[]> {
    this.lists++
    const fresh = new Map<string, T>()
    const res = await this.client.list(this.path, {labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, signal}, (raw) => {
      fresh.set(objectKey(raw), this.opts.map(raw))
      return null
    })
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
