/**
 * The transport against the lab's real API server, through a fault proxy on loopback
 * (test/helpers/fault-proxy.ts): a 429 with Retry-After then the answer, every watch cut as soon as
 * it opened, a proxy's HTML 502 (worded as kubectl words it, checked against kubectl itself), and a
 * peer disable whose wait spans 25 offloaded namespaces.
 */
import {spawn} from 'node:child_process'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ensurePeerings, untilWatched} from '@liqo-topology/lab/tutorial'
import {fcPath} from '../../src/liqo/constants.js'
import {apiPort, kubeconfigVia} from '../helpers/faults.js'
import {faultProxy, type FaultProxy} from '../helpers/fault-proxy.js'
import {
  admin,
  cli,
  collect,
  expectAllReadyOn,
  lab,
  labState,
  offloadedNamespace,
  remoteIds,
  restorePeerings,
  skipNote,
  startCli,
  until,
  type OffloadedNamespace,
} from '../helpers/lab.js'

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message})

describe.skipIf(!lab)(`transport: retries, watch back-off, non-Status answers, many namespaces${skipNote}`, () => {
  let proxy: FaultProxy
  beforeAll(async () => {
    proxy = await faultProxy(apiPort())
  })
  afterAll(async () => {
    await proxy?.close()
  })

  it('a read answered 429 with Retry-After: 1 succeeds after the delay', async () => {
    proxy.seen = []
    let refused = 0
    proxy.answer = (r) =>
      r.method === 'GET' && r.path === '/api/v1/namespaces/default/pods' && !r.watch && refused++ === 0
        ? {
            status: 429,
            headers: {'Content-Type': 'application/json', 'Retry-After': '1'},
            body: status(429, 'TooManyRequests', 'too many requests, please try again later'),
          }
        : undefined
    try {
      const r = await cli(['pods', 'where', '-n', 'default'], {kubeconfig: kubeconfigVia(proxy.port)})
      expect(r.code, r.stderr).toBe(0)
      const lists = proxy.seen.filter((s) => s.path === '/api/v1/namespaces/default/pods' && !s.watch)
      expect(lists.map((s) => s.status)).toEqual([429, 200])
      expect(lists[1]!.at - lists[0]!.at).toBeGreaterThanOrEqual(1000)
    } finally {
      delete proxy.answer
    }
  })

  it("a proxy's HTML 502: the same words as kubectl's, exit 1", async () => {
    const html =
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad ' +
      'Gateway</h1></center>\r\n</body>\r\n</html>\r\n'
    proxy.answer = (r) =>
      r.path === '/api/v1/namespaces/default/pods' && !r.watch
        ? {status: 502, headers: {'Content-Type': 'text/html'}, body: html}
        : undefined
    try {
      const kubeconfig = kubeconfigVia(proxy.port)
      const ours = await cli(['pods', 'where', '-n', 'default'], {kubeconfig})
      const bin = join(labState().binDir, 'kubectl')
      const theirs = await collect(
        spawn(bin, ['--kubeconfig', kubeconfig, '--context', 'cluster-1', 'get', 'pods', '-n', 'default'], {
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      )
      expect(ours.code).toBe(1)
      expect(theirs.code).toBe(1)
      const line = (s: string) => s.split('\n').find((l) => l.startsWith('Error from server'))
      expect(line(ours.stderr)).toMatch(
        // eslint-disable-next-line max-len -- a regex literal cannot be split
        /^Error from server \(InternalError\): an error on the server \("<html>.*502 Bad Gateway.*"\) has prevented the request from succeeding \(get pods\)$/,
      )
      expect(line(ours.stderr)).toBe(line(theirs.stderr))
    } finally {
      delete proxy.answer
    }
  })

  it('every watch cut as soon as it opened: the watches are re-opened with back-off, not in a loop', async () => {
    proxy.seen = []
    proxy.closeWatches = true
    const child = startCli(['pods', 'where', '-n', 'default', '-w'], {kubeconfig: kubeconfigVia(proxy.port)})
    const done = collect(child, {timeoutMs: 120_000})
    try {
      // Five watches of the pods take at least 0.8 + 1.6 + 3.2 + 6.4 s with client-go's back-off.
      await until(
        'five watches of the pods',
        90_000,
        async () => proxy.seen.filter((s) => s.watch && s.path.endsWith('/pods')).length >= 5,
      )
    } finally {
      child.kill('SIGINT')
      proxy.closeWatches = false
    }
    await done
    const watches = proxy.seen.filter((s) => s.watch)
    const byPath = new Map<string, typeof watches>()
    for (const w of watches) byPath.set(w.path, [...(byPath.get(w.path) ?? []), w])
    const span = (watches.at(-1)!.at - watches[0]!.at) / 1000
    console.log(
      `[transport] ${watches.length} watch requests in ${span.toFixed(1)} s over ${byPath.size} paths ` +
        `(${(watches.length / span).toFixed(2)}/s); lists: ${proxy.seen.filter((s) => !s.watch).length}`,
    )
    for (const [path, ws] of byPath) {
      // n watches need n - 1 delays of at least 800 ms · 2^i: the span covers 800 · (2^(n-1) - 1) ms.
      const ms = ws.at(-1)!.at - ws[0]!.at
      expect(ws.length, `${path}: ${ws.length} watches in ${ms} ms`).toBeLessThanOrEqual(
        1 + Math.floor(Math.log2(ms / 800 + 1)),
      )
      expect(
        proxy.seen.filter((s) => s.path === path && !s.watch && s.at > ws[0]!.at).length,
        `${path}: re-watched, not relisted`,
      ).toBe(0)
    }
  })

  describe('a peer disable whose wait spans 25 offloaded namespaces', () => {
    const namespaces: OffloadedNamespace[] = []
    afterAll(async () => {
      // The namespaces go first: re-peering cluster-3 then has no remote namespace to set up again.
      await Promise.all(namespaces.map((n) => n.remove()))
      await ensurePeerings(await admin(), remoteIds(), 300_000)
    }, 600_000)

    it('converges; peer list answers while it waits', async () => {
      const c = await admin()
      // Every pod on cluster-3: the namespaces are filled while cluster-2 is switched off.
      await c.patch(fcPath('cluster-2'), {spec: {outgoingPeeringEnabled: 'No'}})
      // Watched (one list and one watch of the nodes), each change checked as it arrives.
      const id = labState().clusters.find((x) => x.name === 'cluster-2')!.id
      await untilWatched(
        c,
        ['/api/v1/nodes'],
        'cluster-2 without virtual node',
        90_000,
        ([nodes]) => !nodes!.some((n) => n.metadata?.labels?.['liqo.io/remote-cluster-id'] === id),
      )
      namespaces.push(
        ...(await Promise.all(Array.from({length: 25}, () => offloadedNamespace('it-many', {replicas: 2})))),
      )
      await restorePeerings()
      // One namespace's replacements are held back by a quota until peer list has answered, so
      // that the disable is still waiting then, whatever the speed of the machine.
      const held = namespaces[0]!.name
      const quota = `/api/v1/namespaces/${held}/resourcequotas`
      await c.create(quota, {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: {name: 'hold'},
        spec: {hard: {pods: '0'}},
      })

      proxy.seen = []
      const child = startCli(['peer', 'disable', 'cluster-3', '--yes', '--force', '--timeout', '5m'], {
        kubeconfig: kubeconfigVia(proxy.port),
      })
      const done = collect(child, {timeoutMs: 330_000})
      let err = ''
      child.stderr!.on('data', (d: string) => (err += d))
      await until('the disable waiting', 120_000, async () => /Waiting for /.test(err))
      const list = await cli(['peer', 'list'])
      expect(list.code, list.stderr).toBe(0)
      expect(list.stdout).toMatch(/^cluster-3\s/m)
      expect(child.exitCode, 'peer list answered while the disable was still waiting').toBeNull()
      await c.delete(`${quota}/hold`)

      const r = await done
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/Converged in/)
      for (const n of namespaces) await expectAllReadyOn(n.name, 'cluster-2')
      // What the wait opened: one watch per kind, none per namespace.
      const watched = new Set(proxy.seen.filter((s) => s.watch).map((s) => s.path))
      console.log(`[transport] the 25-namespace disable watched ${watched.size} paths: ${[...watched].join(' ')}`)
      expect([...watched].filter((p) => p.includes('/namespaces/it-many'))).toEqual([])
      expect(watched.size).toBeLessThanOrEqual(8)
    }, 600_000)
  })
})
