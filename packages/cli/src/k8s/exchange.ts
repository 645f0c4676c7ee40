/**
 * How ./client.ts talks HTTP: one request, tried again when client-go would try it again
 * (./retry.ts), with the -v request log. Answers come back as status, the headers we act on, and
 * the body, or for a watch its unread stream.
 */
import type http from 'node:http'

import {sleep} from '../toolkit/clock.js'
import type {Headers, Transport} from './auth.js'
import type {ClientOptions, RequestOptions} from './wire.js'
import {TimeoutMarker, toConnectionError} from './http-errors.js'
import {httpLib, httpsLib} from './net.js'
import {klogPrefix, logBody} from './request-log.js'
import {isConnectionReset, MAX_RETRIES, RESET_RETRY_MS, retryAfterSeconds} from './retry.js'

/** An answer: status and the headers we act on, the body (read) or the stream (a watch's, unread). */
export interface Answer {
  status: number
  contentType: string | undefined
  retryAfter: string | string[] | undefined
  /** The credential headers it was sent with (a 401 names them to the transport's refresh). */
  credentials: Headers
  body?: string
  res?: http.IncomingMessage
}

export class Exchange {
  constructor(
    private readonly transport: Transport,
    private readonly opts: ClientOptions,
    private readonly requestTimeoutMs: number,
    /** Who errors name. */
    private readonly endpoint: () => {server: string; context: string; url: URL},
  ) {}

  /**
   * The API server's clock as its last answer gave it (the Date header, to the second), and ours at that moment: what
   * tells the time on the server's clock, the one every machine talking to it shares.
   */
  serverDate: {serverMs: number; localMs: number} | undefined

  /**
   * Sends a request, again when client-go would: after the Retry-After of a 429 or 5xx (any
   * verb: the server did not process it), after a connection reset (GET only: a write may have
   * been processed), at most 10 times, within the request's deadline; and once after a 401 when
   * the transport got a fresh credential. A watch's stream (`stream`, status 2xx) comes back
   * unread; every other body is read.
   */
  async send(method: string, path: string, opts: RequestOptions, stream: boolean): Promise<Answer> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity
    let retries = 0
    const canWait = (ms: number) => retries < MAX_RETRIES && !opts.signal?.aborted && Date.now() + ms < deadline
    let refreshed = false
    for (;;) {
      let answer: Answer
      try {
        answer = await this.attempt(method, path, {...opts, timeoutMs}, deadline, stream)
      } catch (e) {
        if (method !== 'GET' || !isConnectionReset(e) || !canWait(RESET_RETRY_MS)) throw e
        this.logRetry(method, path, RESET_RETRY_MS, (retries += 1))
        await sleep(RESET_RETRY_MS, opts.signal)
        continue
      }
      if (answer.status === 401 && !refreshed && this.transport.refresh) {
        // A 401 was not processed: with a fresh credential, any verb may go again, once.
        refreshed = true
        if (await this.transport.refresh(answer.credentials)) continue
        return answer
      }
      const seconds = retryAfterSeconds(answer.status, answer.retryAfter)
      if (seconds === undefined || !canWait(seconds * 1000)) return answer
      answer.res?.destroy()
      this.logRetry(method, path, seconds * 1000, (retries += 1))
      await sleep(seconds * 1000, opts.signal)
    }
  }

  private logRetry(method: string, path: string, ms: number, attempt: number): void {
    const log = this.opts.requestLog
    if (log && log.level >= 4)
      log.write(
        `${klogPrefix()} with_retry.go] Got a Retry-After response delay="${ms / 1000}s" ` +
          `attempt=${attempt} ${method} ${path}`,
      )
  }

  /** One try: the answer's status and headers, and its body unless it is a watch's stream. */
  private async attempt(
    method: string,
    path: string,
    opts: RequestOptions,
    deadline: number,
    stream: boolean,
  ): Promise<Answer> {
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs
    const credentials = await this.transport.headers()
    const res = await this.once(
      method,
      path,
      opts,
      credentials,
      deadline === Infinity ? 0 : Math.max(1, deadline - Date.now()),
    )
    const status = res.statusCode ?? 0
    const date = res.headers.date ? Date.parse(res.headers.date) : NaN
    if (!Number.isNaN(date)) this.serverDate = {serverMs: date, localMs: Date.now()}
    const head = {status, contentType: res.headers['content-type'], retryAfter: res.headers['retry-after'], credentials}
    if (stream && status < 300) return {...head, res}
    const body = await readBody(res).catch((e: unknown) => {
      throw toConnectionError(e, timeoutMs, this.endpoint())
    })
    const log = this.opts.requestLog
    if (log && log.level >= 8 && body) log.write(`${klogPrefix()} request.go] Response Body: ${logBody(body)}`)
    return {...head, body}
  }

  /**
   * One HTTP exchange up to the answer's headers; `attemptMs` bounds it (0: no bound), `opts.timeoutMs` is what errors
   * name.
   */
  private async once(
    method: string,
    path: string,
    opts: RequestOptions,
    credentials: Headers,
    attemptMs: number,
  ): Promise<http.IncomingMessage> {
    const url = new URL(this.transport.url.toString())
    url.pathname = (url.pathname.replace(/\/+$/, '') + path).replace(/\/{2,}/g, '/')
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
    }
    const headers: http.OutgoingHttpHeaders = {
      Accept: opts.accept ?? 'application/json',
      'User-Agent': this.opts.userAgent ?? 'liqo-topology',
      ...credentials,
    }
    let payload: Buffer | undefined
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body))
      headers['Content-Type'] = opts.contentType ?? 'application/json'
      headers['Content-Length'] = String(payload.length)
    }
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs
    const signals = [opts.signal, attemptMs > 0 ? AbortSignal.timeout(attemptMs) : undefined].filter(
      (s): s is AbortSignal => !!s,
    )
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    this.opts.onRequest?.(opts.query?.watch ? 'WATCH' : method, url.pathname)

    const log = this.opts.requestLog
    if (log && log.level >= 8 && payload)
      log.write(`${klogPrefix()} request.go] Request Body: ${logBody(payload.toString('utf8'))}`)
    const started = Date.now()
    const lib = url.protocol === 'https:' ? httpsLib() : httpLib()
    return await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = lib.request(url, {method, headers, agent: this.transport.agent, signal}, (res) => {
        if (log && log.level >= 6)
          log.write(
            `${klogPrefix()} ` +
              `round_trippers.go] ${method} ${url.toString()} ${res.statusCode} ${res.statusMessage ?? ''} ` +
              `in ${Date.now() - started} milliseconds`,
          )
        resolve(res)
      })
      req.on('error', (e) =>
        reject(
          toConnectionError(
            signal?.aborted && !opts.signal?.aborted ? new TimeoutMarker() : e,
            timeoutMs,
            this.endpoint(),
          ),
        ),
      )
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
