import {afterEach, describe, expect, it, vi} from 'vitest'

import {Reflector, type Change} from '../../src/k8s/reflector.js'
import {Backoff, isConnectionReset, retryAfterSeconds} from '../../src/k8s/retry.js'
import {ConnectionError} from '../../src/toolkit/errors.js'

describe('retryAfterSeconds (client-go checkWait)', () => {
  it('a 429 or 5xx with an integer Retry-After may be retried after it', () => {
    expect(retryAfterSeconds(429, '3')).toBe(3)
    expect(retryAfterSeconds(503, '0')).toBe(0)
    expect(retryAfterSeconds(500, ['2'])).toBe(2)
    expect(retryAfterSeconds(502, '1')).toBe(1)
  })
  it('no header, a date, or another status: not retried', () => {
    expect(retryAfterSeconds(503, undefined)).toBeUndefined()
    expect(retryAfterSeconds(429, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined()
    expect(retryAfterSeconds(409, '1')).toBeUndefined()
    expect(retryAfterSeconds(404, '1')).toBeUndefined()
    expect(retryAfterSeconds(429, '-1')).toBeUndefined()
  })
})

describe('isConnectionReset', () => {
  it('resets and early ends, raw or wrapped; not refusals or time-outs', () => {
    const reset = Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'})
    expect(isConnectionReset(reset)).toBe(true)
    expect(isConnectionReset(new ConnectionError('reset', 'https://x', reset))).toBe(true)
    expect(isConnectionReset(Object.assign(new Error('broken pipe'), {code: 'EPIPE'}))).toBe(true)
    expect(isConnectionReset(Object.assign(new Error('refused'), {code: 'ECONNREFUSED'}))).toBe(false)
    expect(isConnectionReset(new ConnectionError('no answer within 2s', 'https://x'))).toBe(false)
  })
})

describe('Backoff (client-go reflector: 800 ms ×2 up to 30 s, jitter 1.0, reset after 2 min)', () => {
  it('doubles from 800 ms up to the 30 s cap, without jitter at random() = 0', () => {
    let now = 0
    const b = new Backoff({now: () => now, random: () => 0})
    const delays = Array.from({length: 9}, () => b.next())
    expect(delays).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000])
    now += 100_000 // still within 2 minutes of its start
    expect(b.next()).toBe(30_000)
  })

  it('jitter stretches each delay by up to as much again', () => {
    const b = new Backoff({now: () => 0, random: () => 0.999})
    const d = [b.next(), b.next()]
    expect(d[0]).toBeGreaterThan(1590)
    expect(d[0]).toBeLessThan(1600)
    expect(d[1]).toBeGreaterThan(3190)
    expect(d[1]).toBeLessThan(3200)
  })

  it('starts over once 2 minutes have passed since it last (re)started', () => {
    let now = 0
    const b = new Backoff({now: () => now, random: () => 0})
    for (let i = 0; i < 6; i++) b.next()
    now = 120_001
    expect(b.next()).toBe(800)
    expect(b.next()).toBe(1600)
  })
})

/** A client whose every watch ends at once, empty (a proxy that closes streams), or after one event. */
class ClosingClient {
  watchTimes: number[] = []
  lists = 0
  eventsPerWatch = 0
  lastsMs = 0
  async list() {
    this.lists++
    return {items: [], resourceVersion: '5'}
  }
  async *watch() {
    this.watchTimes.push(Date.now())
    if (this.lastsMs) await new Promise((r) => setTimeout(r, this.lastsMs))
    for (let i = 0; i < this.eventsPerWatch; i++) yield {type: 'BOOKMARK', object: {metadata: {resourceVersion: '6'}}}
  }
}

describe('Reflector back-off', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('a watch that ends at once, empty, is opened again after the back-off: 800 ms, 1.6 s, 3.2 s …', async () => {
    vi.useFakeTimers({now: 0})
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const client = new ClosingClient()
    const r = new Reflector(client as never, '/api/v1/pods', {map: (x) => x})
    const ctl = new AbortController()
    const done = r.run(ctl.signal, () => {})
    await vi.advanceTimersByTimeAsync(60_000)
    ctl.abort()
    await done
    const gaps = client.watchTimes.slice(1).map((t, i) => t - client.watchTimes[i]!)
    expect(gaps).toEqual([800, 1600, 3200, 6400, 12_800, 25_600])
    expect(client.lists).toBe(1) // re-watched from the resourceVersion, not relisted
  })

  it('with jitter the rate is only lower: at most 1 + log2(T / 800 ms + 1) watches in T', async () => {
    vi.useFakeTimers({now: 0})
    let seed = 1
    vi.spyOn(Math, 'random').mockImplementation(() => ((seed = (seed * 16807) % 2147483647) % 1000) / 1000)
    const client = new ClosingClient()
    const r = new Reflector(client as never, '/api/v1/pods', {map: (x) => x})
    const ctl = new AbortController()
    const done = r.run(ctl.signal, () => {})
    const T = 100_000
    await vi.advanceTimersByTimeAsync(T)
    ctl.abort()
    await done
    expect(client.watchTimes.length).toBeGreaterThanOrEqual(3)
    expect(client.watchTimes.length).toBeLessThanOrEqual(1 + Math.floor(Math.log2(T / 800 + 1)))
  })

  it('a watch that ran its course (a second or more, or with events) is opened again at once', async () => {
    vi.useFakeTimers({now: 0})
    const client = new ClosingClient()
    client.lastsMs = 2_000
    client.eventsPerWatch = 1
    const r = new Reflector(client as never, '/api/v1/pods', {map: (x) => x})
    const ctl = new AbortController()
    const done = r.run(ctl.signal, () => {})
    await vi.advanceTimersByTimeAsync(10_000)
    ctl.abort()
    await vi.advanceTimersByTimeAsync(2_000) // the watch under way ends
    await done
    const gaps = client.watchTimes.slice(1).map((t, i) => t - client.watchTimes[i]!)
    expect(gaps).toEqual([2000, 2000, 2000, 2000, 2000])
  })

  it('keeps only what its filter accepts (a watch across namespaces, kept to some)', async () => {
    const raw = (ns: string, name: string) => ({metadata: {namespace: ns, name, resourceVersion: '7'}})
    const client = {
      list: async (_p: string, _o: unknown, map: (r: unknown) => unknown) => ({
        items: [raw('a', 'p1'), raw('b', 'p2'), raw('c', 'p3')].map(map),
        resourceVersion: '7',
      }),
      async *watch(_p: string, o: {signal: AbortSignal}) {
        yield {type: 'ADDED', object: raw('c', 'p4')}
        yield {type: 'ADDED', object: raw('b', 'p5')}
        await new Promise((res) => o.signal.addEventListener('abort', res))
      },
    }
    const keep = new Set(['b', 'c'])
    const r = new Reflector(client as never, '/api/v1/pods', {
      map: (x) => x,
      filter: (x) => keep.has(x.metadata.namespace),
    })
    const ctl = new AbortController()
    const changes: Array<Change<unknown>> = []
    const done = r.run(ctl.signal, (c) => changes.push(...c))
    await vi.waitFor(() => expect(r.store.has('b/p5')).toBe(true))
    ctl.abort()
    await done
    expect([...r.store.keys()].sort()).toEqual(['b/p2', 'b/p5', 'c/p3', 'c/p4'])
    expect(changes.map((c) => c.key)).toEqual(['b/p2', 'c/p3', 'c/p4', 'b/p5'])
  })
})
