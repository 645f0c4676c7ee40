import {describe, expect, it} from 'vitest'

import {systemClock, type Clock} from '../../src/toolkit/clock.js'
import {ApiError, ConnectionError, ExitCode, InterruptedError, WaitTimeoutError} from '../../src/toolkit/errors.js'
import type {Change} from '../../src/k8s/reflector.js'
import {
  groupPending,
  retryConnectionErrors,
  waitFor,
  type Evaluation,
  type WaitOptions,
} from '../../src/wait/wait-for.js'

const tick = (ms = 2) => new Promise((r) => setTimeout(r, ms))

/** Reflector-shaped fake: the test decides when it syncs, what changes, and whether run() fails. */
class FakeReflector {
  store = new Map<string, string>()
  synced = false
  signal?: AbortSignal
  private waiters: Array<() => void> = []
  private onChanges?: (c: Array<Change<string>>) => void
  private rejectRun?: (e: unknown) => void

  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve()
    return new Promise((r) => this.waiters.push(r))
  }

  run(signal: AbortSignal, onChanges: (c: Array<Change<string>>) => void): Promise<void> {
    this.signal = signal
    this.onChanges = onChanges
    return new Promise((resolve, reject) => {
      this.rejectRun = reject
      signal.addEventListener('abort', () => resolve(), {once: true})
    })
  }

  sync(items: Record<string, string> = {}): void {
    const changes: Array<Change<string>> = []
    for (const [k, v] of Object.entries(items)) {
      this.store.set(k, v)
      changes.push({type: 'ADDED', key: k, obj: v})
    }
    this.synced = true
    this.waiters.splice(0).forEach((w) => w())
    if (changes.length) this.onChanges?.(changes)
  }

  set(key: string, value: string): void {
    const old = this.store.get(key)
    this.store.set(key, value)
    this.onChanges?.([
      {type: old === undefined ? 'ADDED' : 'MODIFIED', key, obj: value, ...(old === undefined ? {} : {old})},
    ])
  }

  fail(e: unknown): void {
    this.rejectRun?.(e)
  }
}

/** Done when every value of the store is "ready". */
function storeEval(r: FakeReflector, counter: {n: number} = {n: 0}) {
  return (): Evaluation<number> => {
    counter.n++
    const pending = [...r.store.entries()].filter(([, v]) => v !== 'ready').map(([k, v]) => `${k}: ${v}`)
    const ready = r.store.size - pending.length
    return {
      done: r.store.size > 0 && pending.length === 0,
      message: `${ready}/${r.store.size} ready`,
      pending,
      result: ready,
    }
  }
}

function options(r: FakeReflector | FakeReflector[], o: Partial<WaitOptions<number>> = {}): WaitOptions<number> {
  const list = Array.isArray(r) ? r : [r]
  return {
    reflectors: list as any,
    evaluate: storeEval(list[0]!),
    timeoutMs: 5000,
    signal: new AbortController().signal,
    clock: systemClock,
    what: 'rescheduling in "liqo-test"',
    ...o,
  }
}

describe('waitFor', () => {
  it('resolves with the result once evaluate() says done, and stops the reflectors', async () => {
    const r = new FakeReflector()
    let t = 1000
    const clock: Clock = {now: () => t}
    const p = waitFor(options(r, {clock}))
    await tick()
    r.sync({'pod/a': 'pending', 'pod/b': 'ready'})
    await tick()
    t = 3500
    r.set('pod/a', 'ready')
    await expect(p).resolves.toEqual({result: 2, elapsedMs: 2500})
    expect(r.signal?.aborted).toBe(true)
  })

  it('does not evaluate before every reflector has synced', async () => {
    const a = new FakeReflector()
    const b = new FakeReflector()
    const counter = {n: 0}
    const p = waitFor(options([a, b], {evaluate: storeEval(a, counter)}))
    await tick()
    a.sync({'pod/a': 'ready'})
    await tick()
    expect(counter.n).toBe(0)
    b.sync()
    await expect(p).resolves.toMatchObject({result: 1})
    expect(counter.n).toBe(1)
  })

  it('reports progress only when the message changes', async () => {
    const r = new FakeReflector()
    const progress: string[] = []
    const counter = {n: 0}
    const p = waitFor(options(r, {evaluate: storeEval(r, counter), onProgress: (m) => progress.push(m)}))
    r.sync({'pod/a': 'pending', 'pod/b': 'pending'})
    await tick()
    r.set('pod/a', 'still-pending') // same message "0/2 ready"
    await tick()
    r.set('pod/a', 'ready')
    await tick()
    r.set('pod/b', 'creating') // same message "1/2 ready"
    await tick()
    r.set('pod/b', 'ready')
    await p
    expect(counter.n).toBe(5)
    expect(progress).toEqual(['0/2 ready', '1/2 ready', '2/2 ready'])
  })

  it('passes every change to onChange, flagging the initial list', async () => {
    const r = new FakeReflector()
    const seen: Array<[string, boolean]> = []
    const p = waitFor(
      options(r, {
        onChange: (_src, changes, _at, initial) =>
          seen.push([changes.map((c) => `${c.type} ${c.key}`).join(','), initial]),
      }),
    )
    r.sync({'pod/a': 'pending'})
    await tick()
    r.set('pod/a', 'ready')
    await p
    expect(seen).toEqual([
      ['ADDED pod/a', true],
      ['MODIFIED pod/a', false],
    ])
  })

  it('times out with a WaitTimeoutError (exit code 3) naming what is pending', async () => {
    const r = new FakeReflector()
    const p = waitFor(options(r, {timeoutMs: 60, hint: 'run "liqo-topology wait" again'}))
    r.sync({'pod/a': 'Pending', 'pod/b': 'ready', 'pod/c': 'Terminating'})
    const e = await p.catch((x: unknown) => x)
    expect(e).toBeInstanceOf(WaitTimeoutError)
    const err = e as WaitTimeoutError
    expect(err.exitCode).toBe(ExitCode.timeout)
    expect(err.exitCode).toBe(3)
    expect(err.message).toBe(
      'timed out after 60ms waiting for rescheduling in "liqo-test": pod/a: Pending; pod/c: Terminating',
    )
    expect(err.pending).toEqual(['pod/a: Pending', 'pod/c: Terminating'])
    expect(err.hint).toBe('run "liqo-topology wait" again')
    expect(r.signal?.aborted).toBe(true)
  })

  it('shows at most four pending items in the timeout message, the same detail folded into one', async () => {
    const r = new FakeReflector()
    const p = waitFor(options(r, {timeoutMs: 30}))
    r.sync(Object.fromEntries(Array.from({length: 7}, (_, i) => [`pod/p${i}`, `Pending ${i}`])))
    const err = (await p.catch((x: unknown) => x)) as WaitTimeoutError
    expect(err.message).toMatch(
      /: pod\/p0: Pending 0; pod\/p1: Pending 1; pod\/p2: Pending 2; pod\/p3: Pending 3; … 3 more$/,
    )
    expect(err.pending).toHaveLength(7)
    const same = new FakeReflector()
    const q = waitFor(options(same, {timeoutMs: 30}))
    same.sync(Object.fromEntries(Array.from({length: 7}, (_, i) => [`pod/p${i}`, 'Pending'])))
    const one = (await q.catch((x: unknown) => x)) as WaitTimeoutError
    expect(one.message).toMatch(/: pod\/p0, pod\/p1, pod\/p2 and 4 more: Pending$/)
  })

  it('times out without a pending list when it never synced', async () => {
    const r = new FakeReflector()
    const err = (await waitFor(options(r, {timeoutMs: 20})).catch((x: unknown) => x)) as WaitTimeoutError
    expect(err).toBeInstanceOf(WaitTimeoutError)
    expect(err.message).toBe('timed out after 20ms waiting for rescheduling in "liqo-test"')
    expect(err.pending).toEqual([])
  })

  it('timeoutMs 0 evaluates once after sync and times out at once if not done', async () => {
    const r = new FakeReflector()
    const counter = {n: 0}
    const t0 = Date.now()
    const p = waitFor(options(r, {timeoutMs: 0, evaluate: storeEval(r, counter)}))
    r.sync({'pod/a': 'Pending'})
    const err = (await p.catch((x: unknown) => x)) as WaitTimeoutError
    expect(err).toBeInstanceOf(WaitTimeoutError)
    expect(err.message).toBe('timed out after 0ms waiting for rescheduling in "liqo-test": pod/a: Pending')
    expect(counter.n).toBe(1)
    expect(Date.now() - t0).toBeLessThan(500)
  })

  it('timeoutMs 0 succeeds when already done', async () => {
    const r = new FakeReflector()
    const p = waitFor(options(r, {timeoutMs: 0}))
    r.sync({'pod/a': 'ready'})
    await expect(p).resolves.toMatchObject({result: 1})
  })

  it('aborting the signal rejects with an InterruptedError that says the last state', async () => {
    const r = new FakeReflector()
    const ctl = new AbortController()
    const p = waitFor(options(r, {signal: ctl.signal}))
    r.sync({'pod/a': 'Pending'})
    await tick()
    ctl.abort()
    const err = (await p.catch((x: unknown) => x)) as InterruptedError
    expect(err).toBeInstanceOf(InterruptedError)
    expect(err.exitCode).toBe(130)
    expect(err.message).toBe('interrupted while waiting for rescheduling in "liqo-test"; last state: 0/1 ready')
    expect(err.hint).toMatch(/nothing was rolled back/)
    expect(r.signal?.aborted).toBe(true)
  })

  it('an already-aborted signal rejects at once', async () => {
    const r = new FakeReflector()
    const ctl = new AbortController()
    ctl.abort()
    const err = await waitFor(options(r, {signal: ctl.signal})).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(InterruptedError)
    expect((err as Error).message).toBe('interrupted while waiting for rescheduling in "liqo-test"')
  })

  it('rejects with the error a reflector fails with', async () => {
    const a = new FakeReflector()
    const b = new FakeReflector()
    const forbidden = new ApiError(403, 'Forbidden', 'pods is forbidden', 'watch')
    const p = waitFor(options([a, b]))
    a.sync({'pod/a': 'Pending'})
    await tick()
    b.fail(forbidden)
    await expect(p).rejects.toBe(forbidden)
    expect(a.signal?.aborted).toBe(true)
  })

  it('wraps a non-Error rejection in an Error', async () => {
    const r = new FakeReflector()
    const p = waitFor(options(r))
    await tick()
    r.fail('socket hang up')
    await expect(p).rejects.toThrow('socket hang up')
  })
})

describe('retryConnectionErrors', () => {
  it('retries connection errors, 5xx and 429, fails the rest', () => {
    const policy = retryConnectionErrors()
    expect(policy.onError(new ConnectionError('refused', 'https://x'))).toBe('retry')
    expect(policy.onError(new ApiError(500, 'InternalError', 'x', 'watch'))).toBe('retry')
    expect(policy.onError(new ApiError(429, 'TooManyRequests', 'x', 'watch'))).toBe('retry')
    expect(policy.onError(new ApiError(403, 'Forbidden', 'x', 'watch'))).toBe('fail')
    expect(policy.onError(new Error('bug'))).toBe('fail')
  })

  it('reports an outage once, and the reconnection once', () => {
    const events: Array<[boolean, string]> = []
    const policy = retryConnectionErrors((c, d) => events.push([c, d]))
    policy.onConnection(true) // nothing was down
    policy.onError(new ConnectionError('connect ECONNREFUSED', 'https://x'))
    policy.onError(new ConnectionError('connect ECONNREFUSED again', 'https://x'))
    policy.onConnection(true)
    policy.onConnection(true)
    policy.onError(new ApiError(403, 'Forbidden', 'x', 'watch')) // not an outage
    expect(events).toEqual([
      [false, 'connect ECONNREFUSED'],
      [true, 'reconnected'],
    ])
  })
})

describe('groupPending', () => {
  it('folds the same detail into one line, in first-seen order, naming at most 3', () => {
    const msg = 'Pending, not scheduled: 0/3 nodes are available: 3 node(s) did not match'
    expect(
      groupPending([
        `pod/a: ${msg}`,
        'pod/x: still on cluster-3',
        `pod/b: ${msg}`,
        `pod/c: ${msg}`,
        `pod/d: ${msg}`,
        'deployment/web',
      ]),
    ).toEqual([`pod/a, pod/b, pod/c and 1 more: ${msg}`, 'pod/x: still on cluster-3', 'deployment/web'])
  })
})
