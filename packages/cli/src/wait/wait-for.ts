/**
 * Waiting as a library: start list/watch reflectors (src/k8s/reflector.ts), re-evaluate a pure
 * predicate on every change, report progress only when its message changes, and end on success,
 * timeout (WaitTimeoutError naming what is still off), Ctrl-C (InterruptedError saying what state
 * was reached) or a fatal API error. No polling: the API server pushes every change.
 * Shared by `wait`, `peer disable|enable --wait` and `cleanup`.
 */
import type {Clock} from '../toolkit/clock.js'
import {formatDuration} from '../toolkit/duration.js'
import {ApiError, ConnectionError, InterruptedError, WaitTimeoutError} from '../toolkit/errors.js'
import type {Change, Reflector} from '../k8s/reflector.js'

export interface Evaluation<R> {
  done: boolean
  /** Progress line; shown when it changes. */
  message: string
  /** What is still not there (for the timeout message). */
  pending: string[]
  result: R
}

export interface WaitOptions<R> {
  reflectors: Array<Reflector<unknown>>
  evaluate: () => Evaluation<R>
  /** 0 = evaluate once after the first sync (kubectl's --timeout=0). */
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  /** What we wait for, e.g. `rescheduling in "liqo-test"` (used in messages). */
  what: string
  onProgress?: (message: string) => void
  /** Every change, with the time it was observed (timelines); `initial` for the first list of each source. */
  onChange?: (source: Reflector<unknown>, changes: Array<Change<unknown>>, at: number, initial: boolean) => void
  /** Called when the API connection is lost or back. */
  onConnection?: (connected: boolean, detail: string) => void
  hint?: string
  /** Re-evaluate at least this often, for predicates that also depend on the time elapsed. */
  recheckMs?: number
}

export interface WaitResult<R> {
  result: R
  elapsedMs: number
}

export async function waitFor<R>(o: WaitOptions<R>): Promise<WaitResult<R>> {
  const started = o.clock.now()
  const ctl = new AbortController()
  let lastMessage = ''
  let last: Evaluation<R> | undefined
  let settle: ((v: WaitResult<R> | Error) => void) | undefined
  const outcome = new Promise<WaitResult<R> | Error>((resolve) => (settle = resolve))
  const finish = (v: WaitResult<R> | Error) => {
    const s = settle
    settle = undefined
    s?.(v)
  }

  let synced = false
  let scheduled = false
  const evaluate = () => {
    scheduled = false
    if (!synced || !settle) return
    last = o.evaluate()
    if (last.message !== lastMessage) {
      lastMessage = last.message
      o.onProgress?.(last.message)
    }
    if (last.done) finish({result: last.result, elapsedMs: o.clock.now() - started})
    else if (o.timeoutMs === 0) finish(timeoutError())
  }
  const schedule = () => {
    if (!scheduled) {
      scheduled = true
      queueMicrotask(evaluate)
    }
  }
  const timeoutError = () => {
    const grouped = groupPending(last?.pending ?? [])
    const list = [...grouped.slice(0, 4), ...(grouped.length > 4 ? [`… ${grouped.length - 4} more`] : [])].join('; ')
    return new WaitTimeoutError(
      `timed out after ${formatDuration(o.timeoutMs)} waiting for ${o.what}${grouped.length ? `: ${list}` : ''}`,
      last?.pending ?? [],
      o.hint,
    )
  }

  const onAbort = () => {
    const e = new InterruptedError(
      `interrupted while waiting for ${o.what}${lastMessage ? `; last state: ${lastMessage}` : ''}`,
      'nothing was rolled back; run the command again to keep waiting',
    )
    if (lastMessage) e.lastState = lastMessage
    finish(e)
  }
  if (o.signal.aborted) onAbort()
  o.signal.addEventListener('abort', onAbort, {once: true})
  // With --timeout 0 the state is checked once, as soon as it is known; if it cannot be known
  // (API server unreachable), give up after a bounded time instead of waiting forever.
  const timer = setTimeout(
    () => {
      // The last word on what is still off is taken now, not at the last change.
      if (synced && settle) last = o.evaluate()
      finish(timeoutError())
    },
    o.timeoutMs > 0 ? o.timeoutMs : 30_000,
  )
  const recheck = o.recheckMs ? setInterval(schedule, o.recheckMs) : undefined

  const runs = o.reflectors.map((r) =>
    r
      .run(ctl.signal, (changes) => {
        o.onChange?.(r, changes, o.clock.now(), !synced)
        schedule()
      })
      .catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e)))),
  )
  // Connection loss is reported once per outage, not per retry.
  void Promise.all(o.reflectors.map((r) => r.whenSynced())).then(() => {
    synced = true
    schedule()
  })

  const result = await outcome
  clearTimeout(timer)
  if (recheck) clearInterval(recheck)
  o.signal.removeEventListener('abort', onAbort)
  ctl.abort()
  await Promise.allSettled(runs)
  if (result instanceof Error) throw result
  return result
}

/** Reflector error policy for waits: ride out API server restarts, fail on everything else. */
export function retryConnectionErrors(onConnection?: (connected: boolean, detail: string) => void) {
  let down = false
  return {
    onError: (e: unknown): 'retry' | 'fail' => {
      const retry = e instanceof ConnectionError || (e instanceof ApiError && (e.code >= 500 || e.code === 429))
      if (retry && !down) {
        down = true
        onConnection?.(false, e instanceof Error ? e.message : String(e))
      }
      return retry ? 'retry' : 'fail'
    },
    onConnection: (connected: boolean) => {
      if (connected && down) {
        down = false
        onConnection?.(true, 'reconnected')
      }
    },
  }
}

/**
 * "what: detail" lines with the same detail folded into one ("pod/a, pod/b: Pending, not scheduled:
 * 0/3 nodes…"), in first-seen order, so that a timeout does not repeat a scheduler message per pod.
 */
export function groupPending(lines: string[]): string[] {
  const groups = new Map<string, string[]>()
  const order: string[] = []
  for (const line of lines) {
    const at = line.indexOf(': ')
    const [what, detail] = at > 0 ? [line.slice(0, at), line.slice(at + 2)] : [line, '']
    const key = detail || `\u0000${what}`
    if (!groups.has(key)) {
      groups.set(key, [])
      order.push(key)
    }
    groups.get(key)!.push(what)
  }
  return order.map((key) => {
    const whats = groups.get(key)!
    const names = whats.length > 3 ? `${whats.slice(0, 3).join(', ')} and ${whats.length - 3} more` : whats.join(', ')
    return key.startsWith('\u0000') ? names : `${names}: ${key}`
  })
}
