/**
 * The lab's supervisor process: brings the lab up in the mode asked for (./emulator-lab.ts, or
 * ./v1/liqo-lab.ts for Liqo v1.2), owns every process it starts, and serves a small control API.
 * Started (detached) by `lab up`, stopped by `lab down` with SIGTERM. Its children get a
 * parent-death signal, so they cannot outlive it; with a parent PID (test runs) it also stops
 * when that process is gone. Progress goes to the parent over IPC and to logs/supervisor.log.
 */
import {createWriteStream, existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs'
import http from 'node:http'
import {join} from 'node:path'

import {startEmulatorLab} from './emulator-lab.js'
import type {LabContext, LabRuntime} from './runtime.js'
import {labPaths, writeState, type LabOptions, type LabState} from './state.js'
import {startLiqoLab} from './v1/liqo-lab.js'

export type SupervisorMessage = {type: 'progress'; message: string} | {type: 'ready'} | {type: 'failed'; error: string}

export function controlSocket(dir: string): string {
  return join(labPaths(dir).run, 'control.sock')
}

function initialState(dir: string, options: LabOptions): LabState {
  return {
    version: 1,
    dir,
    status: 'starting',
    mode: options.liqo ? 'liqo' : 'emulator',
    liqoVersion: '',
    createdAt: new Date().toISOString(),
    supervisorPid: process.pid,
    kubeconfig: labPaths(dir).kubeconfig,
    binDir: '',
    kubernetesVersion: '',
    processes: [],
    clusters: [],
    webhookPort: 0,
    etcdPort: 0,
    options,
  }
}

export async function supervise(dir: string, options: LabOptions): Promise<void> {
  const paths = labPaths(dir)
  mkdirSync(paths.logs, {recursive: true})
  mkdirSync(paths.run, {recursive: true})
  const supLog = createWriteStream(paths.supervisorLog, {flags: 'a'})
  const log = (m: string) => supLog.write(`${new Date().toISOString()} ${m}\n`)
  const send = (m: SupervisorMessage) => {
    if (process.connected) process.send?.(m)
  }
  const state = initialState(dir, options)
  writeState(state)
  const teardown: Array<() => Promise<void> | void> = []
  const ctx: LabContext = {
    dir,
    paths,
    options,
    state,
    save: () => writeState(state),
    progress: (m) => {
      log(m)
      send({type: 'progress', message: m})
    },
    log,
    onStop: (step) => void teardown.push(step),
  }

  let control: http.Server | undefined
  let stopping = false
  const shutdown = async (code: number, why: string) => {
    if (stopping) return
    stopping = true
    log(`stopping (${why})`)
    state.status = 'stopping'
    writeState(state)
    control?.close()
    for (const step of teardown.reverse()) {
      await Promise.resolve()
        .then(step)
        .catch((e) => log(`teardown: ${e instanceof Error ? e.message : String(e)}`))
    }
    rmSync(controlSocket(dir), {force: true})
    log('stopped')
    supLog.end()
    setTimeout(() => process.exit(code), 50)
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void shutdown(0, sig))
  process.on('uncaughtException', (e) => {
    log(`uncaught: ${e.stack ?? String(e)}`)
    void shutdown(1, 'uncaught exception')
  })
  process.on('unhandledRejection', (e) =>
    log(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  )
  process.on('disconnect', () => log('parent disconnected'))

  try {
    const runtime = options.liqo ? await startLiqoLab(ctx) : await startEmulatorLab(ctx)
    control = await serveControl(dir, runtime, log)
    if (options.parentPid) watchParent(options.parentPid, () => void shutdown(0, `parent ${options.parentPid} exited`))
    state.status = 'ready'
    state.readyAt = new Date().toISOString()
    state.processes = runtime.components().map(({running: _running, ...info}) => info)
    writeState(state)
    log('ready')
    send({type: 'ready'})
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    log(`failed: ${e instanceof Error ? (e.stack ?? msg) : msg}`)
    state.status = 'failed'
    state.error = msg
    writeState(state)
    send({type: 'failed', error: msg})
    await shutdown(1, 'start-up failed')
  }
}

function watchParent(pid: number, onGone: () => void): void {
  const t = setInterval(() => {
    try {
      process.kill(pid, 0)
    } catch {
      clearInterval(t)
      onGone()
    }
  }, 1_000)
}

/**
 * A tiny control API on a unix socket in the lab directory (mode 0600 directory): list, stop and
 * start components, for fault-injection tests and for trying failures by hand, plus the mode's
 * own requests.
 */
async function serveControl(dir: string, runtime: LabRuntime, log: (m: string) => void): Promise<http.Server> {
  const sock = controlSocket(dir)
  if (existsSync(sock)) rmSync(sock)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab')
    const name = url.searchParams.get('name') ?? ''
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, {'Content-Type': 'application/json'})
      res.end(JSON.stringify(body))
    }
    const act = async () => {
      if (req.method === 'GET' && url.pathname === '/components') return reply(200, runtime.components())
      if (req.method !== 'POST') return reply(404, {error: `unknown request ${req.method} ${url.pathname}`})
      if (url.pathname === '/stop' || url.pathname === '/start') {
        const known = runtime.components().map((c) => c.name)
        if (!known.includes(name))
          return reply(400, {error: `no lab component named ${name} (known: ${[...new Set(known)].join(', ')})`})
        log(`control: ${url.pathname.slice(1)} ${name}`)
        await (url.pathname === '/stop' ? runtime.stopComponent(name) : runtime.startComponent(name))
        return reply(200, {[url.pathname === '/stop' ? 'stopped' : 'started']: name})
      }
      const handler = runtime.requests?.[url.pathname.slice(1)]
      if (!handler) return reply(404, {error: `this lab does not offer ${url.pathname.slice(1)}`})
      log(`control: ${url.pathname.slice(1)} ${url.search}`)
      return reply(200, await handler(url.searchParams))
    }
    act().catch((e) => reply(400, {error: e instanceof Error ? e.message : String(e)}))
  })
  await new Promise<void>((resolve) => server.listen(sock, () => resolve()))
  return server
}

/** Reads the log of the supervisor (for errors shown by `lab up`). */
/**
 * The last lines of the supervisor's log, for a message to the user: a failure's stack frames stay
 * in the log (for whoever debugs the lab) and are left out here.
 */
export function supervisorLogTail(dir: string, lines = 15): string {
  try {
    const all = readFileSync(labPaths(dir).supervisorLog, 'utf8').trimEnd().split('\n')
    return all
      .filter((l) => !/^\s+at /.test(l))
      .slice(-lines)
      .join('\n')
  } catch {
    return ''
  }
}
