/**
 * The lab's long-running host processes as a set: each started, probed until ready, recorded
 * (name, PID, port, log) and stoppable or restartable by name with the same flags (fault
 * injection: "the API server went away").
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'

import {startProcess, stopProcess, tailLog, type ManagedProcess} from './process.js'
import type {ProcessInfo} from './state.js'

export interface ControlPlane {
  processes: ManagedProcess[]
  infos: ProcessInfo[]
  stop(): Promise<void>
  /** Stops one component. */
  stopComponent(name: string): Promise<void>
  /** Starts a stopped component again with the same flags and port, and waits until it is ready. */
  startComponent(name: string): Promise<void>
}

export interface ComponentSpec {
  name: string
  bin: string
  args: string[]
  log: string
  port: number
  probe: () => Promise<boolean>
  timeoutMs: number
  env?: NodeJS.ProcessEnv
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

/**
 * A GET that never throws: status 0 when the server could not be reached or did not answer within
 * timeoutMs (the whole request, as the kubelet times a probe); the body then says why.
 */
export function httpGet(
  url: string,
  opts: https.RequestOptions = {},
  timeoutMs = 2000,
): Promise<{status: number; body: string}> {
  return new Promise((resolve) => {
    const lib = url.startsWith('https:') ? https : http
    const req = lib.get(url, opts, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => done({status: res.statusCode ?? 0, body}))
      res.on('error', (e) => done({status: 0, body: e.message}))
    })
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs)
    const done = (r: {status: number; body: string}) => {
      clearTimeout(timer)
      resolve(r)
    }
    req.on('error', (e) => done({status: 0, body: e.message}))
  })
}

export async function waitReady(p: ManagedProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (p.exitCode !== undefined) {
      throw new Error(
        `${p.name} exited with code ${p.exitCode} while starting; last lines of ${p.log}:\n${tailLog(p.log)}`,
      )
    }
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${p.name} was not ready within ${timeoutMs / 1000}s; last lines of ${p.log}:\n${tailLog(p.log)}`)
}

export class ComponentSet {
  readonly processes: ManagedProcess[] = []
  readonly infos: ProcessInfo[] = []
  private readonly components: Array<ComponentSpec & {proc: ManagedProcess}> = []

  /** Starts a component, records it, and waits for its readiness probe. */
  async launch(spec: ComponentSpec): Promise<void> {
    const proc = startProcess(spec.name, spec.bin, spec.args, spec.log, spec.env)
    this.components.push({...spec, proc})
    this.processes.push(proc)
    this.infos.push({name: spec.name, pid: proc.pid, port: spec.port, log: spec.log, binary: spec.bin})
    await waitReady(proc, spec.probe, spec.timeoutMs)
  }

  has(name: string): boolean {
    return this.components.some((c) => c.name === name)
  }

  names(): string[] {
    return this.components.map((c) => c.name)
  }

  private find(name: string) {
    const c = this.components.find((x) => x.name === name)
    if (!c) throw new Error(`no lab component named ${name} (known: ${this.names().join(', ')})`)
    return c
  }

  async stop(): Promise<void> {
    for (const c of [...this.components].reverse()) await stopProcess(c.proc)
  }

  async stopComponent(name: string): Promise<void> {
    await stopProcess(this.find(name).proc)
  }

  async startComponent(name: string): Promise<void> {
    const c = this.find(name)
    if (c.proc.exitCode === undefined) return
    c.proc = startProcess(c.name, c.bin, c.args, c.log, c.env)
    const i = this.infos.findIndex((x) => x.name === name)
    if (i >= 0) this.infos[i] = {...this.infos[i]!, pid: c.proc.pid}
    this.processes.push(c.proc)
    await waitReady(c.proc, c.probe, c.timeoutMs)
  }

  running(name: string): boolean {
    const c = this.components.find((x) => x.name === name)
    return !!c && c.proc.exitCode === undefined
  }

  asControlPlane(): ControlPlane {
    return {
      processes: this.processes,
      infos: this.infos,
      stop: () => this.stop(),
      stopComponent: (n) => this.stopComponent(n),
      startComponent: (n) => this.startComponent(n),
    }
  }
}
