/**
 * A small Kubernetes REST client: JSON requests, paged lists and watches, with a deadline on every
 * request and errors that read like kubectl's. Objects stay plain JSON here; ./map.ts turns them
 * into our own types. Credentials come from ./auth.ts and are never logged; failures are put in
 * kubectl's words by ./http-errors.ts.
 */
import {ApiError, ConnectionError} from '../toolkit/errors.js'
import {makeTransport, type Transport} from './auth.js'
import {Exchange} from './exchange.js'
import {toApiError, toConnectionError} from './http-errors.js'
import type {ClientOptions, Json, RequestOptions} from './wire.js'
import type {KubeTarget} from './kubeconfig.js'

export {logBody} from './request-log.js'
export type {ClientOptions, Json, RequestOptions} from './wire.js'

export type PatchType = 'merge' | 'json' | 'strategic'
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
}

export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
  /** Page size; lists are always paged so that 10,000 pods never arrive as one body. */
  limit?: number
  signal?: AbortSignal
}

export interface ListResult<T> {
  items: T[]
  resourceVersion: string
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
export interface WatchEvent {
  type: WatchEventType
  object: Json
}

export interface WatchOptions {
  resourceVersion?: string
  labelSelector?: string
  fieldSelector?: string
  /** Server-side duration of this watch; the caller re-watches after it. */
  timeoutSeconds?: number
  signal?: AbortSignal
  /** Called once the server accepted the watch (response headers received). */
  onOpen?: () => void
}

export class KubeClient {
  readonly context: string
  readonly server: string
  private readonly requestTimeoutMs: number

  private constructor(
    readonly target: KubeTarget,
    private readonly transport: Transport,
    private readonly opts: ClientOptions,
  ) {
    this.context = target.context
    this.server = target.server
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000
    this.exchange = new Exchange(transport, opts, this.requestTimeoutMs, () => this.endpoint)
  }

  private readonly exchange: Exchange

  static async connect(target: KubeTarget, opts: ClientOptions = {}): Promise<KubeClient> {
    return new KubeClient(target, await makeTransport(target, {execTimeoutMs: opts.requestTimeoutMs}), opts)
  }

  close(): void {
    this.transport.close()
  }

  /**
   * Now on the API server's clock (ms since the epoch), as far as its last answer told (to the second); our own clock
   * before any answer. What a time written for another machine to read is measured on.
   */
  serverNow(): number {
    const d = this.exchange.serverDate
    return d ? Date.now() + (d.serverMs - d.localMs) : Date.now()
  }

  /** Who the errors of ./http-errors.ts name. */
  private get endpoint(): {server: string; context: string; url: URL} {
    return {server: this.server, context: this.context, url: this.transport.url}
  }

  get<T = Json>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts)
  }

  /** GET that answers undefined on 404 instead of throwing. */
  async getOrNull<T = Json>(path: string, opts: RequestOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(path, opts)
    } catch (e) {
      if (e instanceof ApiError && e.isNotFound) return undefined
      throw e
    }
  }

  create<T = Json>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, {...opts, body})
  }

  update<T = Json>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, {...opts, body})
  }

  patch<T = Json>(path: string, body: unknown, type: PatchType = 'merge', opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, {...opts, body, contentType: PATCH_CONTENT_TYPE[type]})
  }

  /** DELETE; resolves false if the object was already gone. */
  async delete(
    path: string,
    opts: RequestOptions & {
      propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'
      gracePeriodSeconds?: number
      preconditionsUid?: string
    } = {},
  ): Promise<boolean> {
    const body: Json = {kind: 'DeleteOptions', apiVersion: 'v1'}
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds
    if (opts.preconditionsUid) body.preconditions = {uid: opts.preconditionsUid}
    try {
      await this.request('DELETE', path, {...opts, body})
      return true
    } catch (e) {
      if (e instanceof ApiError && e.isNotFound) return false
      throw e
    }
  }

  /**
   * Every page of a list, in order (continue tokens followed). When a continue token has expired
   * (410) the pages so far are dropped (`restart`) and everything is listed again in one request,
   * as client-go's pager does.
   */
  private async paged(
    path: string,
    opts: ListOptions,
    accept: string | undefined,
    onPage: (page: Json) => void,
    restart: () => void,
  ): Promise<string> {
    const page = (limit: number | undefined, cont: string | undefined) =>
      this.get<Json>(path, {
        signal: opts.signal,
        ...(accept ? {accept} : {}),
        query: {labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit, continue: cont},
      })
    let cont: string | undefined
    let resourceVersion = ''
    do {
      let p: Json
      try {
        p = await page(opts.limit ?? 500, cont)
      } catch (e) {
        if (!(cont && e instanceof ApiError && e.isGone)) throw e
        restart()
        p = await page(undefined, undefined)
        onPage(p)
        return p.metadata?.resourceVersion ?? ''
      }
      onPage(p)
      cont = p.metadata?.continue || undefined
      resourceVersion = p.metadata?.resourceVersion ?? resourceVersion
    } while (cont)
    return resourceVersion
  }

  /** Lists every page, mapping each item as it arrives so raw pages can be dropped at once. */
  async list<T = Json>(
    path: string,
    opts: ListOptions = {},
    map: (raw: Json) => T = (x) => x as T,
  ): Promise<ListResult<T>> {
    const items: T[] = []
    const onPage = (page: Json) => {
      for (const raw of page.items ?? []) items.push(map(raw))
    }
    const resourceVersion = await this.paged(path, opts, undefined, onPage, () => (items.length = 0))
    return {items, resourceVersion}
  }

  /**
   * Lists in the server-side Table form kubectl uses (`as=Table`, rows of printed columns plus
   * each object's metadata): much less to transfer and parse than whole objects. `map` gets each
   * row's cells by column name and the object's metadata.
   */
  async listTable<T>(
    path: string,
    opts: ListOptions,
    map: (cells: Record<string, unknown>, metadata: Json) => T,
  ): Promise<ListResult<T>> {
    const items: T[] = []
    const onPage = (page: Json) => {
      if (page.kind !== 'Table')
        throw new ConnectionError(`the server ${this.server} does not serve the Table format for ${path}`, this.server)
      const names = ((page.columnDefinitions ?? []) as Json[]).map((c) => String(c.name))
      for (const row of (page.rows ?? []) as Json[]) {
        const cells: Record<string, unknown> = {}
        names.forEach((n, i) => (cells[n] = row.cells?.[i]))
        items.push(map(cells, row.object?.metadata ?? {}))
      }
    }
    const resourceVersion = await this.paged(
      path,
      opts,
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      onPage,
      () => (items.length = 0),
    )
    return {items, resourceVersion}
  }

  /**
   * One watch request, as an async stream of events. Ends when the server closes the watch (the
   * caller re-watches from the last resourceVersion). A 410 Gone is thrown as ApiError (isGone),
   * so the caller relists. A connection that stays silent longer than the server-side timeout
   * plus a margin is treated as dead. Opening it is retried as any read is (./retry.ts).
   */
  async *watch(path: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    const timeoutSeconds = opts.timeoutSeconds ?? 290
    const query = {
      watch: 1,
      allowWatchBookmarks: true,
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      timeoutSeconds,
    }
    // The deadline of a watch is the server-side timeout plus a margin for a silent peer.
    const answer = await this.exchange.send('GET', path, {signal: opts.signal, query, timeoutMs: 0}, true)
    const watching = {method: 'GET', path, what: `watch ${path}`}
    if (answer.status >= 300) throw toApiError({...answer, body: answer.body ?? ''}, watching)
    const res = answer.res!
    opts.onOpen?.()
    // The listener goes with this watch: a kept-alive socket serves many watches in turn.
    const socket = res.socket
    const silent = () => res.destroy(new Error('watch stream went silent'))
    socket?.setTimeout((timeoutSeconds + 30) * 1000)
    socket?.on('timeout', silent)
    res.setEncoding('utf8')
    let buffered = ''
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buffered += chunk
        let nl: number
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim()
          buffered = buffered.slice(nl + 1)
          const ev = line ? parseEvent(line) : undefined
          if (!ev) continue
          if (ev.type === 'ERROR') {
            const st = ev.object ?? {}
            throw new ApiError(
              st.code ?? 500,
              st.reason ?? 'InternalError',
              st.message ?? 'watch error',
              `watch ${path}`,
            )
          }
          yield ev
        }
      }
    } catch (e) {
      if (e instanceof ApiError) throw e
      if (opts.signal?.aborted) return
      throw toConnectionError(e, 0, this.endpoint)
    } finally {
      socket?.setTimeout(0)
      socket?.off('timeout', silent)
      res.destroy()
    }
  }

  async request<T = Json>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const answer = await this.exchange.send(method, path, opts, false)
    const body = answer.body ?? ''
    const status = answer.status
    const contentType = answer.contentType
    if (status >= 300) throw toApiError({status, body, contentType}, {method, path, what: opts.what})
    if (body === '') return undefined as T
    try {
      return JSON.parse(body) as T
    } catch {
      throw new ConnectionError(
        `the server ${this.server} answered ${method} ${path} with something that is not JSON`,
        this.server,
      )
    }
  }
}

function parseEvent(line: string): WatchEvent | undefined {
  try {
    return JSON.parse(line) as WatchEvent
  } catch {
    return undefined
  }
}
