/**
 * What ./client.ts sends and receives, in a file of its own so that the modules it uses
 * (./exchange.ts, ./http-errors.ts, ./request-log.ts) need not import the client back.
 */

/** Raw API JSON, as it comes off the wire: read with optional chaining and mapped in ./map.ts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped by nature; mappers give it types
export type Json = Record<string, any>

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
  /** The User-Agent header (client-go's rest.Config.UserAgent); "liqo-topology" by default. */
  userAgent?: string
}
