/**
 * The client's retries and error wording, against a local HTTP server scripted per test (protocol
 * behaviour only; the same faults in front of the lab's real API server are integration tests).
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {Transport} from '../../src/k8s/auth.js'
import {KubeClient} from '../../src/k8s/client.js'
import {ApiError, ConnectionError} from '../../src/toolkit/errors.js'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void
let server: http.Server
let handler: Handler
let seen: Array<{method: string; url: string; at: number}>
let port = 0

beforeEach(async () => {
  seen = []
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({method: req.method!, url: req.url!, at: Date.now()})
      handler(req, res, seen.length)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  port = (server.address() as AddressInfo).port
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

function client(o: {refresh?: () => Promise<boolean>; timeoutMs?: number} = {}): {c: KubeClient; agent: http.Agent} {
  const agent = new http.Agent({keepAlive: true})
  const transport: Transport = {
    url: new URL(`http://127.0.0.1:${port}`),
    agent,
    headers: async () => ({}),
    close: () => agent.destroy(),
    ...(o.refresh ? {refresh: o.refresh} : {}),
  }
  const target = {
    context: 'test',
    clusterName: 'test',
    userName: 'u',
    server: `http://127.0.0.1:${port}`,
    namespace: 'default',
    cluster: {},
    user: {},
    config: {},
  }
  const Ctor = KubeClient as unknown as new (t: unknown, tr: Transport, opts: unknown) => KubeClient
  return {c: new Ctor(target, transport, {requestTimeoutMs: o.timeoutMs ?? 20_000}), agent}
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, {'Content-Type': 'application/json', ...headers})
  res.end(JSON.stringify(body))
}
const status = (code: number, reason: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message: `${reason} from the test server`,
})

describe('client retries (client-go rest semantics)', () => {
  it('a GET answered 429 with Retry-After: 1 is sent again after the delay and succeeds', async () => {
    handler = (_q, res, n) =>
      n === 1 ? json(res, 429, status(429, 'TooManyRequests'), {'Retry-After': '1'}) : json(res, 200, {ok: true})
    const {c} = client()
    expect(await c.get('/api/v1/namespaces/x')).toEqual({ok: true})
    expect(seen).toHaveLength(2)
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1000)
  })

  it('a 5xx without Retry-After fails at once', async () => {
    handler = (_q, res) => json(res, 503, status(503, 'ServiceUnavailable'))
    await expect(client().c.get('/api/v1/pods')).rejects.toMatchObject({code: 503})
    expect(seen).toHaveLength(1)
  })

  it('at most 10 retries, then the last answer is the error', async () => {
    handler = (_q, res) => json(res, 429, status(429, 'TooManyRequests'), {'Retry-After': '0'})
    await expect(client().c.get('/api/v1/pods')).rejects.toMatchObject({code: 429, reason: 'TooManyRequests'})
    expect(seen).toHaveLength(11)
  })

  it('a Retry-After beyond the request deadline is not waited for', async () => {
    handler = (_q, res) => json(res, 503, status(503, 'ServiceUnavailable'), {'Retry-After': '60'})
    await expect(client({timeoutMs: 5000}).c.get('/api/v1/pods')).rejects.toMatchObject({code: 503})
    expect(seen).toHaveLength(1)
  })

  it('a write answered 429 with Retry-After is sent again (the server did not process it)', async () => {
    handler = (_q, res, n) =>
      n === 1 ? json(res, 429, status(429, 'TooManyRequests'), {'Retry-After': '0'}) : json(res, 200, {patched: true})
    expect(await client().c.patch('/api/v1/namespaces/x', {metadata: {labels: {a: 'b'}}})).toEqual({patched: true})
    expect(seen.map((s) => s.method)).toEqual(['PATCH', 'PATCH'])
  })

  it('a GET whose connection is reset is sent again; a write is not', async () => {
    handler = (req, res, n) => (n === 1 || req.method === 'POST' ? req.socket.destroy() : json(res, 200, {ok: true}))
    const {c} = client()
    expect(await c.get('/api/v1/namespaces/x')).toEqual({ok: true})
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET'])
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1000)
    seen = []
    await expect(c.create('/api/v1/namespaces', {metadata: {name: 'y'}})).rejects.toBeInstanceOf(ConnectionError)
    expect(seen.map((s) => s.method)).toEqual(['POST'])
  })

  it('a 401 asks the transport for a fresh credential once and sends the request again (any verb)', async () => {
    let refreshes = 0
    handler = (_q, res, n) => (n === 1 ? json(res, 401, status(401, 'Unauthorized')) : json(res, 201, {created: true}))
    const ok = client({refresh: async () => (refreshes++, true)})
    expect(await ok.c.create('/api/v1/namespaces', {metadata: {name: 'y'}})).toEqual({created: true})
    expect(refreshes).toBe(1)
    seen = []
    handler = (_q, res) => json(res, 401, status(401, 'Unauthorized'))
    await expect(ok.c.get('/api/v1/pods')).rejects.toMatchObject({code: 401})
    expect(refreshes).toBe(2)
    expect(seen).toHaveLength(2) // once more after the refresh, not again
  })
})

describe('paged lists (client-go pager)', () => {
  it('a continue token that expired (410) lists everything again in one request, nothing twice', async () => {
    handler = (req, res) => {
      const q = new URL(req.url!, 'http://x').searchParams
      if (!q.get('continue') && q.get('limit'))
        return json(res, 200, {metadata: {resourceVersion: '10', continue: 'tok'}, items: [{metadata: {name: 'a'}}]})
      if (q.get('continue')) return json(res, 410, status(410, 'Expired'))
      json(res, 200, {
        metadata: {resourceVersion: '12'},
        items: [{metadata: {name: 'a'}}, {metadata: {name: 'b'}}, {metadata: {name: 'c'}}],
      })
    }
    const r = await client().c.list('/api/v1/pods', {limit: 1}, (raw) => String(raw.metadata.name))
    expect(r).toEqual({items: ['a', 'b', 'c'], resourceVersion: '12'})
    expect(seen.map((s) => new URL(s.url, 'http://x').search)).toEqual(['?limit=1', '?limit=1&continue=tok', ''])
  })

  it('a 410 on the first page is an error (nothing to fall back from)', async () => {
    handler = (_q, res) => json(res, 410, status(410, 'Expired'))
    await expect(client().c.list('/api/v1/pods')).rejects.toMatchObject({isGone: true})
  })
})

describe('answers that are not a Status (client-go NewGenericServerResponse)', () => {
  it(
    'an HTML 502 from a proxy: "an error on the server (…) has prevented ' + 'the request from succeeding (get pods)"',
    async () => {
      handler = (_q, res) => {
        res.writeHead(502, {'Content-Type': 'text/html'})
        res.end('<html>\n<body>Bad "gateway"</body>\n</html>\n')
      }
      const e = (await client()
        .c.get('/api/v1/namespaces/liqo-test/pods')
        .catch((x: unknown) => x)) as ApiError
      expect(e).toBeInstanceOf(ApiError)
      expect(e.message).toBe(
        'Error from server (InternalError): an error on the server ("<html>\\n<body>Bad ' +
          '\\"gateway\\"</body>\\n</html>") has prevented the request from succeeding (get pods)',
      )
    },
  )

  it('a binary body is "unknown"; a named object and its group are named as kubectl names them', async () => {
    handler = (_q, res) => {
      res.writeHead(500, {'Content-Type': 'application/octet-stream'})
      res.end('\u0000\u0001')
    }
    const e = (await client()
      .c.patch('/apis/discovery.liqo.io/v1alpha1/foreignclusters/cluster-3', {})
      .catch((x: unknown) => x)) as ApiError
    expect(e.message).toBe(
      'Error from server (InternalError): an error on the server ("unknown") has prevented the request from ' +
        'succeeding (patch foreignclusters.discovery.liqo.io cluster-3)',
    )
  })

  it('a 404 without a Status, and a 503', async () => {
    handler = (_q, res, n) => {
      res.writeHead(n === 1 ? 404 : 503, {'Content-Type': 'text/plain'})
      res.end('nope')
    }
    const {c} = client()
    await expect(c.delete('/api/v1/namespaces/gone-ns').catch((x: ApiError) => x)).resolves.toBe(false)
    await expect(c.get('/api/v1/nodes')).rejects.toThrow(
      'Error from server (ServiceUnavailable): the server is currently unable to handle the request (get nodes)',
    )
  })
})

describe('watches', () => {
  it('a kept-alive socket that served many watches holds no timeout listener of theirs', async () => {
    handler = (_q, res) => {
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.end(JSON.stringify({type: 'ADDED', object: {metadata: {name: 'a', resourceVersion: '3'}}}) + '\n')
    }
    const {c, agent} = client()
    for (let i = 0; i < 30; i++) {
      for await (const ev of c.watch('/api/v1/pods', {resourceVersion: '1'})) expect(ev.type).toBe('ADDED')
    }
    const sockets = Object.values(agent.freeSockets).flat()
    expect(sockets.length).toBeGreaterThan(0)
    for (const s of sockets) expect(s!.listenerCount('timeout')).toBeLessThanOrEqual(1)
  })

  it('opening a watch is retried on 429 with Retry-After', async () => {
    handler = (_q, res, n) => {
      if (n === 1) return json(res, 429, status(429, 'TooManyRequests'), {'Retry-After': '0'})
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.end(JSON.stringify({type: 'ADDED', object: {metadata: {name: 'a'}}}) + '\n')
    }
    const events = []
    for await (const ev of client().c.watch('/api/v1/pods')) events.push(ev)
    expect(events).toHaveLength(1)
    expect(seen).toHaveLength(2)
  })
})
