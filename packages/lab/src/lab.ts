/**
 * The lab as the `lab up|down|status|env` commands see it: start the supervisor (./supervisor.ts)
 * detached and wait until it reports ready, stop it and make sure nothing is left behind, report
 * what runs. Stale state from a crashed run is cleaned up before anything else.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, openSync, rmSync} from 'node:fs'
import http from 'node:http'
import {createRequire} from 'node:module'
import {delimiter, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {UserError} from 'liqo-topology/toolkit/errors'
import {KubeClient} from 'liqo-topology/k8s/client'
import {loadKubeconfig, resolveTarget} from 'liqo-topology/k8s/kubeconfig'
import {buildControlPlane, buildLiqo, lookupBinaries, lookupLiqo} from './binaries.js'
import {isOurProcess} from './process.js'
import {defaultLabDir, labPaths, readState, writeState, type LabOptions, type LabState} from './state.js'
import {controlSocket, supervisorLogTail, type SupervisorMessage} from './supervisor.js'
import {setupTutorial} from './tutorial.js'
import {checkNetworkPrerequisites, destroyNetwork, netFor} from './v1/network.js'
import {LIQO_V1_LINES, type LiqoV1Line} from './v1/liqo-lines.js'

export {defaultLabDir}

const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']

/** Liqo version lines `lab up --liqo` offers: the emulator of v0.3 (default) and Liqo's own v1.0, v1.1, v1.2. */
export const LAB_LIQO_LINES = ['v0.3', ...LIQO_V1_LINES] as const
export type LabLiqoLine = (typeof LAB_LIQO_LINES)[number]

export interface UpOptions {
  dir: string
  tutorial: boolean
  /** v0.3: the emulator; v1.0, v1.1, v1.2: Liqo's own controllers of that release. */
  liqo?: LabLiqoLine
  delayMs: number
  /** Build missing binaries (true) or fail with a hint (false). */
  build: boolean
  /** Test runs: the lab stops when this process is gone. */
  parentPid?: number
  onProgress: (msg: string) => void
  signal?: AbortSignal
}

export interface UpResult {
  state: LabState
  alreadyRunning: boolean
  tutorialAdded: boolean
}

/** How to start the supervisor from this build (sources via tsx, or compiled JavaScript). */
function daemonCommand(): {execArgv: string[]; script: string} {
  const self = fileURLToPath(import.meta.url)
  if (self.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx')
    return {execArgv: ['--import', pathToFileURL(tsx).href], script: join(self, '..', 'daemon.ts')}
  }
  return {execArgv: [], script: join(self, '..', 'daemon.js')}
}

export function supervisorAlive(state: LabState | undefined): boolean {
  return !!state && isOurProcess(state.supervisorPid, ['daemon.js', 'daemon.ts'])
}

/** Kills what a crashed lab left behind (verified by command line, so a recycled PID is never hit). */
function killLeftovers(state: LabState): string[] {
  const killed: string[] = []
  if (supervisorAlive(state)) {
    try {
      process.kill(state.supervisorPid, 'SIGKILL')
      killed.push(`supervisor (pid ${state.supervisorPid})`)
    } catch {
      // gone meanwhile
    }
  }
  for (const p of state.processes ?? []) {
    if (p.binary && isOurProcess(p.pid, [p.binary, ...CONTROL_PLANE_BINARIES])) {
      try {
        process.kill(p.pid, 'SIGKILL')
        killed.push(`${p.name} (pid ${p.pid})`)
      } catch {
        // gone meanwhile
      }
    }
  }
  // The real-Liqo lab's bridge and pod network namespaces.
  if (state.network) killed.push(...destroyNetwork(netFor(state.network.octet)))
  return killed
}

const modeName = (s: {mode?: string; options?: LabOptions}) =>
  s.mode === 'liqo' ? `Liqo ${s.options?.liqo ?? 'v1'} lab` : 'Liqo v0.3 emulator lab'

function wipe(dir: string, keepLogs: boolean): void {
  const p = labPaths(dir)
  for (const path of [p.data, p.pki, p.run, p.kubeconfig, p.state, ...(keepLogs ? [] : [p.logs])])
    rmSync(path, {recursive: true, force: true})
}

export async function labUp(o: UpOptions): Promise<UpResult> {
  const existing = readState(o.dir)
  const wantLiqo: LiqoV1Line | undefined = o.liqo && o.liqo !== 'v0.3' ? o.liqo : undefined
  if (existing && supervisorAlive(existing)) {
    if (existing.status !== 'ready') {
      throw new UserError(
        `the lab in ${o.dir} is ${existing.status} (supervisor pid ${existing.supervisorPid})`,
        'wait for it, or run: liqo-topology lab down',
      )
    }
    if ((existing.options.liqo ?? undefined) !== wantLiqo) {
      throw new UserError(
        `a ${modeName(existing)} is already running in ${o.dir}`,
        `stop it first (liqo-topology lab down), or use it as it is`,
      )
    }
    let tutorialAdded = false
    if (o.tutorial) {
      o.onProgress('setting up the tutorial state on the running lab')
      await addTutorial(existing, o.onProgress)
      existing.options.tutorial = true
      writeState(existing)
      tutorialAdded = true
    }
    return {state: existing, alreadyRunning: true, tutorialAdded}
  }
  if (existing) {
    const killed = killLeftovers(existing)
    if (killed.length) o.onProgress(`cleaned up a stale lab: ${killed.join(', ')}`)
  }
  wipe(o.dir, false)
  mkdirSync(labPaths(o.dir).logs, {recursive: true, mode: 0o700})

  await ensureBuilt(o, wantLiqo)

  const options: LabOptions = {
    delayMs: o.delayMs,
    tutorial: o.tutorial,
    ...(wantLiqo ? {liqo: wantLiqo} : {}),
    ...(o.parentPid ? {parentPid: o.parentPid} : {}),
  }
  const {execArgv, script} = daemonCommand()
  const out = openSync(labPaths(o.dir).supervisorLog, 'a')
  const child = spawn(process.execPath, [...execArgv, script, o.dir, JSON.stringify(options)], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    cwd: o.dir,
    env: {...process.env, NODE_OPTIONS: ''},
  })
  const outcome = await new Promise<{ok: true} | {ok: false; error: string}>((resolve) => {
    const onAbort = () => {
      child.kill('SIGTERM')
      resolve({ok: false, error: 'interrupted'})
    }
    o.signal?.addEventListener('abort', onAbort, {once: true})
    child.on('message', (m: SupervisorMessage) => {
      if (m.type === 'progress') o.onProgress(m.message)
      else if (m.type === 'ready') resolve({ok: true})
      else if (m.type === 'failed') resolve({ok: false, error: m.error})
    })
    child.on('exit', (code) => resolve({ok: false, error: `the lab supervisor exited with code ${code}`}))
  })
  if (child.connected) child.disconnect()
  child.unref()
  if (!outcome.ok) {
    const tail = supervisorLogTail(o.dir, 8)
    throw new UserError(
      `the lab did not start: ${outcome.error}`,
      `logs are in ${labPaths(o.dir).logs}${tail ? `; last lines:\n${tail}` : ''}`,
    )
  }
  return {state: readState(o.dir)!, alreadyRunning: false, tutorialAdded: false}
}

/** Builds what the lab needs and is missing (first run only), or says how to. */
async function ensureBuilt(o: UpOptions, liqo: LiqoV1Line | undefined): Promise<void> {
  if (liqo) checkNetworkPrerequisites()
  const {missing} = lookupBinaries()
  if (missing.length) {
    if (!o.build) {
      throw new UserError(
        `the control-plane binaries are missing (${missing.join(', ')})`,
        'build them with: npm run lab:build (needs Go), or set KUBEBUILDER_ASSETS',
      )
    }
    o.onProgress('building the control plane from the Go module proxy (first run only)')
    await buildControlPlane((line) => o.onProgress(line.replace(/^\[build-control-plane\] /, '')))
  }
  if (!liqo) return
  const liqoMissing = lookupLiqo(process.env, liqo).missing
  if (liqoMissing.length) {
    if (!o.build)
      throw new UserError(
        `the real-Liqo lab's build of Liqo ${liqo} is missing (${liqoMissing.join(', ')})`,
        `build it with: npm run lab:build:liqo -- ${liqo} (needs Go)`,
      )
    o.onProgress(`building Liqo ${liqo} and kwok from the Go module proxy (first run of this line only)`)
    await buildLiqo((line) => o.onProgress(line.replace(/^\[build-liqo\] /, '')), process.env, liqo)
  }
}

/** Sets up the tutorial's state on a running lab, the way its mode does it. */
async function addTutorial(state: LabState, onProgress: (m: string) => void): Promise<void> {
  if (state.mode === 'liqo') {
    await control(state.dir, '/tutorial', 'tutorial')
    return
  }
  const client = await KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig: state.kubeconfig}), 'cluster-1'))
  try {
    await setupTutorial(
      client,
      state.clusters.filter((c) => c.role === 'remote').map((c) => c.id),
      onProgress,
    )
  } finally {
    client.close()
  }
}

export interface DownResult {
  wasRunning: boolean
  stopped: string[]
}

export async function labDown(dir: string, onProgress: (m: string) => void = () => {}): Promise<DownResult> {
  const state = readState(dir)
  if (!state) return {wasRunning: false, stopped: []}
  const stopped: string[] = []
  if (supervisorAlive(state)) {
    onProgress(`stopping the lab supervisor (pid ${state.supervisorPid})`)
    process.kill(state.supervisorPid, 'SIGTERM')
    const deadline = Date.now() + 45_000
    while (supervisorAlive(state) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    stopped.push('supervisor', ...state.processes.map((p) => p.name))
  }
  // Whatever survived (a supervisor killed with -9, a hung process) goes now.
  const killed = killLeftovers(state)
  if (killed.length) onProgress(`killed leftovers: ${killed.join(', ')}`)
  wipe(dir, true)
  return {wasRunning: stopped.length > 0 || killed.length > 0, stopped}
}

export interface ComponentStatus {
  name: string
  pid: number
  port: number
  running: boolean
  /** namespace/name, for a pod's container in the real-Liqo lab. */
  pod?: string
}

export interface StatusReport {
  dir: string
  state?: LabState
  supervisorRunning: boolean
  components: ComponentStatus[]
}

export function labStatus(dir: string): StatusReport {
  const state = readState(dir)
  const supervisorRunning = supervisorAlive(state)
  const components = (state?.processes ?? []).map((p) => ({
    name: p.name,
    pid: p.pid,
    port: p.port,
    running: !!p.binary && isOurProcess(p.pid, [p.binary, ...CONTROL_PLANE_BINARIES]),
    ...(p.pod ? {pod: p.pod} : {}),
  }))
  return {dir, ...(state ? {state} : {}), supervisorRunning, components}
}

/** Shell lines that point kubectl (and liqo-topology) at the lab. */
export function labEnv(dir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const state = readState(dir)
  if (!state || !supervisorAlive(state)) {
    throw new UserError(`no lab is running in ${dir}`, 'start one with: liqo-topology lab up --tutorial')
  }
  const lines = [`export KUBECONFIG=${shellQuote(state.kubeconfig)}`]
  const onPath = (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'kubectl')))
  if (!onPath && state.binDir && existsSync(join(state.binDir, 'kubectl')))
    lines.push(`export PATH=${shellQuote(state.binDir)}:"$PATH"`)
  return lines
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** Stops or starts one component of a running lab (fault injection). */
export async function labControl(dir: string, action: 'stop' | 'start', name: string): Promise<void> {
  await control(dir, `/${action}?name=${encodeURIComponent(name)}`, `${action} ${name}`)
}

/** Populates the scale scenario in a running lab; resolves with how long it took. */
export async function labScale(
  dir: string,
  o: {clusters: number; pods: number; namespace: string},
): Promise<{ms: number}> {
  return control(
    dir,
    `/scale?clusters=${o.clusters}&pods=${o.pods}&namespace=${encodeURIComponent(o.namespace)}`,
    'scale',
  ) as Promise<{ms: number}>
}

async function control(dir: string, path: string, what: string): Promise<unknown> {
  const sock = controlSocket(dir)
  if (!existsSync(sock)) throw new UserError(`no lab is running in ${dir}`, 'start one with: liqo-topology lab up')
  return await new Promise((resolve, reject) => {
    const req = http.request({socketPath: sock, method: 'POST', path}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => {
        if (res.statusCode === 200) resolve(JSON.parse(body))
        else
          reject(
            new UserError(
              `lab ${what}: ${(() => {
                try {
                  return JSON.parse(body).error as string
                } catch {
                  return body
                }
              })()}`,
            ),
          )
      })
    })
    req.on('error', reject)
    req.end()
  })
}
