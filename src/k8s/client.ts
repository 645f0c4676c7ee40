/**
 * A small Kubernetes REST client: JSON requests, paged lists and watches, with a deadline on every
 * request and errors that read like kubectl's. Objects stay plain JSON here; ./map.ts turns them
 * into our own types. Credentials come from ./auth.ts and are never logged; failures are put in
 * kubectl's words by ./http-errors.ts.
 */
import type http from 'node:http'

import {ApiError, ConnectionError} from '../toolkit/errors.js'
import {redact} from '../toolkit/redact.js'
import {makeTransport, type Transport} from './auth.js'
import {TimeoutMarker, toApiError, toConnectionError} from './http-errors.js'
import type {KubeTarget} from './kubeconfig.js'
import {httpLib, httpsLib} from './net.js'

/** Raw API JSON, as it comes off the wire: read with optional chaining and mapped in ./map.ts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped by nature; mappers give it types
export type Json = Record<string, any>

export type PatchType = 'merge' | 'json' | 'strategic'
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  contentType?: string
  /** Overall deadline for this request (default: the client's request timeout). */
  timeoutMs?: number
  signal?: AbortSignal
  /** Describes the call in errors, e.g. `patch foreignclusters cluster-3`. */
  what?: string
  /** Accept header (default: application/json). */
  accept?: string
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

export interface ClientOptions {
  /** Deadline of a single request (not of a watch). */
  requestTimeoutMs?: number
  /** Counts every request by verb; used by the benchmark and tests (no credentials involved). */
  onRequest?: (verb: string, path: string) => void
  /**
   * kubectl's -v: from 6 each request's method, URL, status and duration; from 8 also the bodies
   * (credentials redacted, long bodies cut). Written to `write` (stderr).
   */
  requestLog?: {level: number; write: (line: string) => void}
}

/** kubectl's klog prefix: I<month><day> <time>. */
function klogPrefix(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `I${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`
}

/** A body as the -v 8 log shows it: Secret data and anything credential-like redacted, cut at 10,000 characters. */
export function logBody(body: string): string {
  let text = body
  // A Secret's data is a credential whatever its keys are called.
  if (/"kind":\s*"Secret(List)?"/.test(body)) {
    try {
      const doc = JSON.parse(body) as Json
      for (const s of [doc, ...((doc.items as Json[] | undefined) ?? [])]) {
        for (const field of ['data', 'stringData']) if (s[field]) s[field] = Object.fromEntries(Object.keys(s[field] as object).map((k) => [k, '[redacted]']))
      }
      text = JSON.stringify(doc)
    } catch {
      text = '[a Secret, not shown]'
    }
  }
  const cut = text.length > 10_000 ? `${text.slice(0, 10_000)}… (${text.length} bytes)` : text
  return redact(cut)
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
  }

  static async connect(target: KubeTarget, opts: ClientOptions = {}): Promise<KubeClient> {
    return new KubeClient(target, await makeTransport(target, {execTimeoutMs: opts.requestTimeoutMs}), opts)
  }

  close(): void {
    this.transport.close()
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
  async delete(path: string, opts: RequestOptions & {propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; gracePeriodSeconds?: number; preconditionsUid?: string} = {}): Promise<boolean> {
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

  /** Every page of a list, in order (continue tokens followed). */
  private async paged(path: string, opts: ListOptions, accept: string | undefined, onPage: (page: Json) => void): Promise<string> {
    let cont: string | undefined
    let resourceVersion = ''
    do {
      const page = await this.get<Json>(path, {
        signal: opts.signal,
        ...(accept ? {accept} : {}),
        query: {labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit ?? 500, continue: cont},
      })
      onPage(page)
      cont = page.metadata?.continue || undefined
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion
    } while (cont)
    return resourceVersion
  }

  /** Lists every page, mapping each item as it arrives so raw pages can be dropped at once. */
  async list<T = Json>(path: string, opts: ListOptions = {}, map: (raw: Json) => T = (x) => x as T): Promise<ListResult<T>> {
    const items: T[] = []
    const resourceVersion = await this.paged(path, opts, undefined, (page) => {
      for (const raw of page.items ?? []) items.push(map(raw))
    })
    return {items, resourceVersion}
  }

  /**
   * Lists in the server-side Table form kubectl uses (`as=Table`, rows of printed columns plus
   * each object's metadata): much less to transfer and parse than whole objects. `map` gets each
   * row's cells by column name and the object's metadata.
   */
  async listTable<T>(path: string, opts: ListOptions, map: (cells: Record<string, unknown>, metadata: Json) => T): Promise<ListResult<T>> {
    const items: T[] = []
    const resourceVersion = await this.paged(path, opts, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json', (page) => {
      if (page.kind !== 'Table') throw new ConnectionError(`the server ${this.server} does not serve the Table format for ${path}`, this.server)
      const names = ((page.columnDefinitions ?? []) as Json[]).map((c) => String(c.name))
      for (const row of (page.rows ?? []) as Json[]) {
        const cells: Record<string, unknown> = {}
        names.forEach((n, i) => (cells[n] = row.cells?.[i]))
        items.push(map(cells, row.object?.metadata ?? {}))
      }
    })
    return {items, resourceVersion}
  }

  /**
   * One watch request, as an async stream of events. Ends when the server closes the watch (the
   * caller re-watches from the last resourceVersion). A 410 Gone is thrown as ApiError (isGone),
   * so the caller relists. A connection that stays silent longer than the server-side timeout
   * plus a margin is treated as dead.
   */
  async *watch(path: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    const timeoutSeconds = opts.timeoutSeconds ?? 290
    const res = await this.send('GET', path, {
      signal: opts.signal,
      query: {
        watch: 1,
        allowWatchBookmarks: true,
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        timeoutSeconds,
      },
      // The deadline of a watch is the server-side timeout plus a margin for a silent peer.
      timeoutMs: 0,
    })
    if ((res.statusCode ?? 0) >= 300) {
      throw toApiError(res.statusCode ?? 0, await readBody(res), 'GET', path, `watch ${path}`)
    }
    opts.onOpen?.()
    res.socket?.setTimeout((timeoutSeconds + 30) * 1000, () => res.destroy(new Error('watch stream went silent')))
    res.setEncoding('utf8')
    let buffered = ''
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buffered += chunk
        let nl: number
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim()
          buffered = buffered.slice(nl + 1)
          if (!line) continue
          let ev: WatchEvent
          try {
            ev = JSON.parse(line) as WatchEvent
          } catch {
            continue
          }
          if (ev.type === 'ERROR') {
            const s = ev.object ?? {}
            throw new ApiError(s.code ?? 500, s.reason ?? 'InternalError', s.message ?? 'watch error', `watch ${path}`)
          }
          yield ev
        }
      }
    } catch (e) {
      if (e instanceof ApiError) throw e
      if (opts.signal?.aborted) return
      throw toConnectionError(e, 0, this.endpoint)
    } finally {
      res.socket?.setTimeout(0)
      res.destroy()
    }
  }

  async request<T = Json>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs
    const res = await this.send(method, path, {...opts, timeoutMs})
    const body = await readBody(res).catch((e: unknown) => {
      throw toConnectionError(e, timeoutMs, this.endpoint)
    })
    const log = this.opts.requestLog
    if (log && log.level >= 8 && body) log.write(`${klogPrefix()} request.go] Response Body: ${logBody(body)}`)
    const status = res.statusCode ?? 0
    if (status >= 300) throw toApiError(status, body, method, path, opts.what)
    if (body === '') return undefined as T
    try {
      return JSON.parse(body) as T
    } catch {
      throw new ConnectionError(`the server ${this.server} answered ${method} ${path} with something that is not JSON`, this.server)
    }
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.transport.url.toString())
    url.pathname = (url.pathname.replace(/\/+$/, '') + path).replace(/\/{2,}/g, '/')
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
    }
    const headers: Record<string, string | string[]> = {
      Accept: opts.accept ?? 'application/json',
      'User-Agent': 'liqo-topology',
      ...(await this.transport.headers()),
    }
    let payload: Buffer | undefined
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body))
      headers['Content-Type'] = opts.contentType ?? 'application/json'
      headers['Content-Length'] = String(payload.length)
    }
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => !!s)
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    this.opts.onRequest?.(opts.query?.watch ? 'WATCH' : method, url.pathname)

    const log = this.opts.requestLog
    if (log && log.level >= 8 && payload) log.write(`${klogPrefix()} request.go] Request Body: ${logBody(payload.toString('utf8'))}`)
    const started = Date.now()
    const lib = url.protocol === 'https:' ? httpsLib() : httpLib()
    return await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = lib.request(url, {method, headers, agent: this.transport.agent, signal}, (res) => {
        if (log && log.level >= 6) log.write(`${klogPrefix()} round_trippers.go] ${method} ${url.toString()} ${res.statusCode} ${res.statusMessage ?? ''} in ${Date.now() - started} milliseconds`)
        resolve(res)
      })
      req.on('error', (e) => reject(toConnectionError(signal?.aborted && !opts.signal?.aborted ? new TimeoutMarker() : e, timeoutMs, this.endpoint)))
      req.end(payload)
    })
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    res.on('error', reject)
    res.on('aborted', () => reject(Object.assign(new Error('response aborted'), {code: 'ECONNRESET'})))
  })
}
