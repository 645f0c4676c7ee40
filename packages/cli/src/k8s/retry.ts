/**
 * When ./client.ts tries a request again, and how long ./reflector.ts waits before it re-opens a
 * watch: client-go's rules (rest/with_retry.go, rest/request.go, tools/cache/reflector.go and the
 * back-off of apimachinery's util/wait), in our own code.
 */
import {ConnectionError} from '../toolkit/errors.js'

/** client-go's default: a request is tried at most 1 + 10 times. */
export const MAX_RETRIES = 10

/** What client-go waits before trying a GET again after a connection reset (its synthetic Retry-After). */
export const RESET_RETRY_MS = 1_000

/**
 * Seconds the server asked us to wait, when the answer may be retried: a 429 or any 5xx that
 * carries an integer Retry-After (client-go's checkWait). Such an answer says the request was not
 * processed, so any verb may be sent again. Anything else: undefined.
 */
export function retryAfterSeconds(status: number, header: string | string[] | undefined): number | undefined {
  if (status !== 429 && status < 500) return undefined
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined
  return Number(value)
}

/** Error codes of a connection that broke before or while the answer came (client-go: reset, probable EOF). */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_EOF_STATE'])

/**
 * A connection reset or an early end of the connection: a GET that met it may be sent again
 * (client-go retries GETs only; a write may have been processed). Refused connections, time-outs
 * and TLS failures are not resets.
 */
export function isConnectionReset(e: unknown): boolean {
  const cause = e instanceof ConnectionError ? e.cause : e
  const code = (cause as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && RESET_CODES.has(code)
}

export interface BackoffOptions {
  initialMs?: number
  factor?: number
  capMs?: number
  /** Each delay is d + random·jitter·d. */
  jitter?: number
  /** The back-off starts over when this long has passed since it last (re)started. */
  resetMs?: number
  now?: () => number
  random?: () => number
}

/**
 * client-go's reflector back-off: 800 ms doubling up to 30 s, each delay stretched by up to 100 %
 * at random (so many clients do not retry in step), starting over 2 minutes after it last
 * (re)started (wait.Backoff with DelayWithReset).
 */
export class Backoff {
  private readonly o: Required<BackoffOptions>
  private current: number
  private lastStart: number

  constructor(o: BackoffOptions = {}) {
    this.o = {
      initialMs: 800,
      factor: 2,
      capMs: 30_000,
      jitter: 1,
      resetMs: 120_000,
      now: () => Date.now(),
      random: Math.random,
      ...o,
    }
    this.current = this.o.initialMs
    this.lastStart = this.o.now()
  }

  /** The next delay, ms. */
  next(): number {
    const now = this.o.now()
    if (now - this.lastStart > this.o.resetMs) {
      this.current = this.o.initialMs
      this.lastStart = now
    }
    const base = this.current
    this.current = Math.min(this.current * this.o.factor, this.o.capMs)
    return base + this.o.random() * this.o.jitter * base
  }
}
