import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runProbes, type ContainerRun} from '../../src/v1/container.js'
import type {ManagedProcess} from '../../src/process.js'
import {supervisorLogTail} from '../../src/supervisor.js'
import type {Probe} from '../../src/v1/pod-spec.js'

// A real HTTP server on loopback answers the probes: /ok with 200, /fail with 500.
let server: http.Server
let port = 0
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 200 : 500
    res.end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const probe = (path: string, over: Partial<Probe> = {}): Probe => ({
  kind: 'http',
  scheme: 'HTTP',
  port,
  path,
  command: [],
  initialDelayMs: 0,
  periodMs: 10,
  firstPeriodMs: 10,
  timeoutMs: 1000,
  failureThreshold: 3,
  successThreshold: 1,
  ...over,
})

function container(p: Partial<ContainerRun>): ContainerRun {
  return {
    spec: {name: 'c'},
    init: false,
    log: '',
    state: {},
    lastState: {},
    ready: false,
    started: !p.startup,
    restartCount: 0,
    failures: 0,
    held: false,
    timers: [],
    ...p,
  }
}

/** Runs the probes until `done` holds; returns what the hooks saw. */
async function run(c: ContainerRun, done: (seen: {restarts: string[]; changes: number}) => boolean) {
  const seen = {restarts: [] as string[], changes: 0}
  let alive = true
  runProbes(c, {pid: 1} as ManagedProcess, '127.0.0.1', {
    alive: () => alive,
    later: (fn, ms) => void setTimeout(fn, ms),
    changed: () => seen.changes++,
    note: () => undefined,
    restart: (kind) => {
      seen.restarts.push(kind)
      alive = false
    },
  })
  await expect.poll(() => done(seen), {timeout: 5000, interval: 5}).toBe(true)
  alive = false
  return seen
}

describe("the lab kubelet's prober", () => {
  it('a failing readiness probe makes the container not Ready and never restarts it', async () => {
    const c = container({readiness: probe('/fail'), ready: true})
    const seen = await run(c, () => !c.ready)
    expect(seen.restarts).toEqual([])
  })
  it('a failing liveness probe restarts the container after failureThreshold failures in a row', async () => {
    const c = container({liveness: probe('/fail')})
    const seen = await run(c, (s) => s.restarts.length > 0)
    expect(seen.restarts).toEqual(['liveness'])
  })
  it('a startup probe holds readiness back until it passes, and restarts the container if it never does', async () => {
    const ok = container({startup: probe('/ok'), readiness: probe('/ok')})
    await run(ok, () => ok.ready)
    expect(ok.started).toBe(true)

    const stuck = container({startup: probe('/fail'), readiness: probe('/ok')})
    const seen = await run(stuck, (s) => s.restarts.length > 0)
    expect(seen.restarts).toEqual(['startup'])
    expect(stuck.ready).toBe(false)
    expect(stuck.started).toBe(false)
  })
})

describe('lab up after a failed start', () => {
  it("quotes the supervisor log's last lines without the error's stack frames", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-tail-'))
    mkdirSync(join(dir, 'logs'))
    const log = [
      '2026-12-07T12:09:43.901Z offloading namespace liqo-test',
      '2026-12-07T12:09:50.000Z failed: LiqoctlError: liqoctl offload namespace failed (exit 1); see liqoctl.log:',
      'ERRO  Failed waiting for offloading to complete: the offloading is in "SomeFailed" state',
      '    at ChildProcess.<anonymous> (file:///x/src/lab/v1/liqoctl.ts:57:16)',
      '    at ChildProcess.emit (node:events:519:28)',
    ]
    writeFileSync(join(dir, 'logs', 'supervisor.log'), log.join('\n') + '\n')
    expect(supervisorLogTail(dir, 8)).toBe(log.slice(0, 3).join('\n'))
  })
})
