import {afterEach, describe, expect, it, vi} from 'vitest'

import {ApiError, ConnectionError} from '../../src/toolkit/errors.js'
import {Reflector, objectKey, type Change} from '../../src/k8s/reflector.js'
import {sleep} from '../../src/toolkit/clock.js'

type Raw = {metadata: {name: string; namespace?: string; resourceVersion?: string}; v?: number}
type WatchStep = {type: string; object: Raw} | {throw: unknown} | 'end'
interface WatchCall {
  resourceVersion?: string
  labelSelector?: string
  timeoutSeconds?: number
}

const obj = (name: string, rv: string, v = 0): Raw => ({metadata: {name, namespace: 'ns', resourceVersion: rv}, v})

/**
 * A scripted stand-in for KubeClient: list() returns the current "server" objects, watch() plays
 * the next script and then blocks until aborted (or ends, with 'end').
 */
class FakeClient {
  server = new Map<string, Raw>()
  serverRv = '1'
  listErrors: unknown[] = []
  scripts: WatchStep[][] = []
  listCalls = 0
  watchCalls: WatchCall[] = []

  async list(
    _path: string,
    _opts: unknown,
    map: (raw: Raw) => unknown,
  ): Promise<{items: unknown[]; resourceVersion: string}> {
    this.listCalls++
    await Promise.resolve()
    const err = this.listErrors.shift()
    if (err) throw err
    return {items: [...this.server.values()].map((o) => map(o)), resourceVersion: this.serverRv}
  }

  async *watch(_path: string, opts: WatchCall & {signal: AbortSignal}): AsyncGenerator<{type: string; object: Raw}> {
    this.watchCalls.push({
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      timeoutSeconds: opts.timeoutSeconds,
    })
    const script = this.scripts.shift() ?? []
    for (const step of script) {
      await new Promise((r) => setTimeout(r, 1))
      if (step === 'end') return
      if ('throw' in step) throw step.throw
      yield step
    }
    await new Promise<void>((resolve) => {
      if (opts.signal.aborted) return resolve()
      opts.signal.addEventListener('abort', () => resolve(), {once: true})
    })
  }
}

interface Item {
  name: string
  v: number
}
const map = (raw: Record<string, any>): Item => ({name: raw.metadata.name, v: raw.v ?? 0})

function start(client: FakeClient, opts: Partial<ConstructorParameters<typeof Reflector<Item>>[2]> = {}) {
  const r = new Reflector<Item>(client as any, '/api/v1/namespaces/ns/pods', {
    map,
    watchTimeoutSeconds: 30,
    labelSelector: 'app=web',
    ...opts,
  })
  const ctl = new AbortController()
  const batches: Array<Array<Change<Item>>> = []
  const done = r.run(ctl.signal, (c) => batches.push(c))
  const summary = () => batches.flat().map((c) => `${c.type} ${c.key}${c.type === 'DELETED' ? '' : `@${c.obj.v}`}`)
  return {r, ctl, batches, done, summary}
}

const stops: AbortController[] = []
afterEach(() => {
  for (const c of stops.splice(0)) c.abort()
})

describe('Reflector', () => {
  it('seeded with a list the caller made: no second list, watches from its resourceVersion', async () => {
    const client = new FakeClient()
    client.scripts.push([{type: 'ADDED', object: obj('c', '9')}])
    const r = new Reflector<Item>(client as any, '/api/v1/namespaces/ns/pods', {map, watchTimeoutSeconds: 30})
    r.seed([{key: 'ns/a', obj: {name: 'a', v: 0}}], '7')
    const ctl = new AbortController()
    stops.push(ctl)
    const batches: Array<Array<Change<Item>>> = []
    void r.run(ctl.signal, (c) => batches.push(c))
    await r.whenSynced()
    await vi.waitFor(() => expect(r.store.has('ns/c')).toBe(true))
    expect(client.listCalls).toBe(0)
    expect(client.watchCalls[0]?.resourceVersion).toBe('7')
    expect(batches.flat().map((c) => `${c.type} ${c.key}`)).toEqual(['ADDED ns/a', 'ADDED ns/c'])
  })

  it('lists first: emits ADDED for every object, sets synced and resolves whenSynced', async () => {
    const client = new FakeClient()
    client.server.set('ns/a', obj('a', '5'))
    client.server.set('ns/b', obj('b', '6'))
    client.serverRv = '6'
    const {r, ctl, batches, done} = start(client)
    stops.push(ctl)
    expect(r.synced).toBe(false)
    await r.whenSynced()
    expect(r.synced).toBe(true)
    expect(batches).toHaveLength(1)
    expect(batches[0]!.map((c) => [c.type, c.key, c.obj])).toEqual([
      ['ADDED', 'ns/a', {name: 'a', v: 0}],
      ['ADDED', 'ns/b', {name: 'b', v: 0}],
    ])
    expect([...r.store.keys()]).toEqual(['ns/a', 'ns/b'])
    await vi.waitFor(() => expect(client.watchCalls).toHaveLength(1))
    expect(client.watchCalls[0]).toEqual({resourceVersion: '6', labelSelector: 'app=web', timeoutSeconds: 30})
    ctl.abort()
    await expect(done).resolves.toBeUndefined()
    expect(r.lists).toBe(1)
  })

  it('whenSynced resolves immediately once synced', async () => {
    const client = new FakeClient()
    const {r, ctl} = start(client)
    stops.push(ctl)
    await r.whenSynced()
    await expect(r.whenSynced()).resolves.toBeUndefined()
  })

  it('applies watch events to the store, ignores bookmarks, and re-watches from the last resourceVersion', async () => {
    const client = new FakeClient()
    client.server.set('ns/a', obj('a', '5'))
    client.server.set('ns/b', obj('b', '5'))
    client.serverRv = '5'
    client.scripts.push([
      {type: 'ADDED', object: obj('c', '7', 1)},
      {type: 'MODIFIED', object: obj('a', '8', 2)},
      {type: 'DELETED', object: obj('b', '9')},
      {type: 'BOOKMARK', object: {metadata: {name: '', resourceVersion: '12'}}},
      'end', // the server closes the watch
    ])
    const {r, ctl, batches, done, summary} = start(client)
    stops.push(ctl)
    await vi.waitFor(() => expect(client.watchCalls).toHaveLength(2))
    expect(summary()).toEqual(['ADDED ns/a@0', 'ADDED ns/b@0', 'ADDED ns/c@1', 'MODIFIED ns/a@2', 'DELETED ns/b'])
    // one change per watch event
    expect(batches.slice(1).map((b) => b.length)).toEqual([1, 1, 1])
    const modified = batches[2]![0]!
    expect(modified.old).toEqual({name: 'a', v: 0})
    expect(batches[3]![0]!.old).toEqual({name: 'b', v: 0})
    expect([...r.store.entries()]).toEqual([
      ['ns/a', {name: 'a', v: 2}],
      ['ns/c', {name: 'c', v: 1}],
    ])
    expect(client.watchCalls[1]!.resourceVersion).toBe('12')
    expect(r.lists).toBe(1)
    expect(r.watches).toBe(2)
    ctl.abort()
    await done
  })

  it('relists after 410 Gone and emits the changes it missed, deletions included', async () => {
    const client = new FakeClient()
    client.server.set('ns/a', obj('a', '5'))
    client.server.set('ns/b', obj('b', '5'))
    client.serverRv = '5'
    client.scripts.push([{throw: new ApiError(410, 'Expired', 'too old resource version', 'watch')}])
    const {r, ctl, done, summary} = start(client)
    stops.push(ctl)
    await r.whenSynced()
    // meanwhile, on the server: b deleted, c created, a changed
    client.server.delete('ns/b')
    client.server.set('ns/c', obj('c', '20', 3))
    client.server.set('ns/a', obj('a', '21', 4))
    client.serverRv = '21'
    // client-go relists after its back-off (800 ms and up to as much again), not at once
    await vi.waitFor(() => expect(client.watchCalls).toHaveLength(2), {timeout: 3000})
    expect(r.lists).toBe(2)
    expect(summary()).toEqual(['ADDED ns/a@0', 'ADDED ns/b@0', 'DELETED ns/b', 'MODIFIED ns/a@4', 'ADDED ns/c@3'])
    expect([...r.store.keys()].sort()).toEqual(['ns/a', 'ns/c'])
    expect(client.watchCalls[1]!.resourceVersion).toBe('21')
    ctl.abort()
    await done
  })

  it('retries connection errors by default (after a backoff, without relisting) and reports the outage', async () => {
    const client = new FakeClient()
    client.server.set('ns/a', obj('a', '5'))
    client.serverRv = '5'
    const lost = new ConnectionError('connection refused', 'https://127.0.0.1:6443')
    client.scripts.push([{throw: lost}], [{type: 'ADDED', object: obj('b', '6', 1)}])
    const connection: Array<[boolean, unknown]> = []
    const {r, ctl, done, summary} = start(client, {onConnection: (c, e) => connection.push([c, e])})
    stops.push(ctl)
    await vi.waitFor(() => expect(r.store.has('ns/b')).toBe(true), {timeout: 3000})
    expect(client.watchCalls.map((w) => w.resourceVersion)).toEqual(['5', '5'])
    expect(r.lists).toBe(1)
    expect(summary()).toEqual(['ADDED ns/a@0', 'ADDED ns/b@1'])
    expect(connection).toEqual([
      [false, lost],
      [true, undefined],
    ])
    ctl.abort()
    await done
  })

  it('retries a failed initial list', async () => {
    const client = new FakeClient()
    client.server.set('ns/a', obj('a', '5'))
    client.listErrors.push(new ConnectionError('connection refused', 'https://x'))
    const {r, ctl, done} = start(client)
    stops.push(ctl)
    await r.whenSynced()
    expect(client.listCalls).toBe(2)
    expect(r.store.has('ns/a')).toBe(true)
    ctl.abort()
    await done
  })

  it.each([
    [503, 'ServiceUnavailable'],
    [429, 'TooManyRequests'],
  ])('retries a %i API error by default', async (code, reason) => {
    const client = new FakeClient()
    client.scripts.push(
      [{throw: new ApiError(code, reason, 'try later', 'watch')}],
      [{type: 'ADDED', object: obj('b', '6', 1)}],
    )
    const {r, ctl, done} = start(client)
    stops.push(ctl)
    await vi.waitFor(() => expect(r.store.has('ns/b')).toBe(true), {timeout: 3000})
    expect(client.watchCalls).toHaveLength(2)
    ctl.abort()
    await expect(done).resolves.toBeUndefined()
  })

  it('rejects run() on a 403 Forbidden', async () => {
    const client = new FakeClient()
    const forbidden = new ApiError(403, 'Forbidden', 'pods is forbidden', 'watch')
    client.scripts.push([{throw: forbidden}])
    const {ctl, done} = start(client)
    stops.push(ctl)
    await expect(done).rejects.toBe(forbidden)
  })

  describe('a 401 or 403 straight after an outage (an API server starting: caches not read yet)', () => {
    const lost = new ConnectionError('connection refused', 'https://127.0.0.1:6443')
    const forbidden = new ApiError(403, 'Forbidden', 'pods is forbidden', 'watch')
    const fast = {backoff: {initialMs: 5, capMs: 20, jitter: 0}}

    it('is retried: the watch carries on from its resourceVersion once the server lets it', async () => {
      const client = new FakeClient()
      client.server.set('ns/a', obj('a', '5'))
      client.serverRv = '5'
      client.scripts.push(
        [{throw: lost}],
        [{throw: new ApiError(401, 'Unauthorized', 'Unauthorized', 'watch')}],
        [{throw: forbidden}],
        [{type: 'ADDED', object: obj('b', '6', 1)}],
      )
      const connection: boolean[] = []
      const {r, ctl, done} = start(client, {...fast, onConnection: (c) => connection.push(c)})
      stops.push(ctl)
      await vi.waitFor(() => expect(r.store.has('ns/b')).toBe(true), {timeout: 3000})
      expect(client.watchCalls.map((w) => w.resourceVersion)).toEqual(['5', '5', '5', '5'])
      expect(r.lists).toBe(1)
      expect(connection).toEqual([false, true])
      ctl.abort()
      await expect(done).resolves.toBeUndefined()
    })

    it('stands once the refusals outlast the grace', async () => {
      const client = new FakeClient()
      client.scripts.push([{throw: lost}], ...Array.from({length: 200}, () => [{throw: forbidden}]))
      const {ctl, done} = start(client, {...fast, refusedAfterOutageMs: 60})
      stops.push(ctl)
      await expect(done).rejects.toBe(forbidden)
      expect(client.watchCalls.length).toBeGreaterThan(2)
    })

    it('stands at once without an outage before it (RBAC changed under a running watch)', async () => {
      const client = new FakeClient()
      client.scripts.push(['end'], [{throw: forbidden}])
      const {ctl, done} = start(client, fast)
      stops.push(ctl)
      await expect(done).rejects.toBe(forbidden)
      expect(client.watchCalls).toHaveLength(2)
    })
  })

  it('follows a custom onError policy', async () => {
    const client = new FakeClient()
    const lost = new ConnectionError('connection refused', 'https://x')
    client.listErrors.push(lost)
    const seen: unknown[] = []
    const {r, ctl, done} = start(client, {onError: (e) => (seen.push(e), 'fail')})
    stops.push(ctl)
    await expect(done).rejects.toBe(lost)
    expect(seen).toEqual([lost])
    expect(r.synced).toBe(false)
  })

  it('stops quietly when aborted during the backoff', async () => {
    const client = new FakeClient()
    client.scripts.push([{throw: new ConnectionError('refused', 'https://x')}])
    const {ctl, done} = start(client)
    await vi.waitFor(() => expect(client.watchCalls).toHaveLength(1))
    await new Promise((r) => setTimeout(r, 20))
    const t0 = Date.now()
    ctl.abort()
    await expect(done).resolves.toBeUndefined()
    expect(Date.now() - t0).toBeLessThan(200)
    expect(client.watchCalls).toHaveLength(1)
  })
})

describe('objectKey / sleep', () => {
  it('keys namespaced objects as ns/name and cluster objects by name', () => {
    expect(objectKey({metadata: {namespace: 'ns', name: 'a'}})).toBe('ns/a')
    expect(objectKey({metadata: {name: 'node-1'}})).toBe('node-1')
  })

  it('sleep resolves early on abort, and at once if already aborted', async () => {
    const ctl = new AbortController()
    const t0 = Date.now()
    const p = sleep(10_000, ctl.signal)
    ctl.abort()
    await p
    await sleep(10_000, ctl.signal)
    expect(Date.now() - t0).toBeLessThan(1000)
  })
})
