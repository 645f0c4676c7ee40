/**
 * A container of a pod on the host kubelet: its state as the kubelet reports it, the command line
 * that runs it (image → cached binary, env, identity, mounts, in the pod's namespaces), and its
 * probes.
 */
import {existsSync, mkdirSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'

import type {Json} from 'liqo-topology/k8s/client'
import {httpGet} from '../components.js'
import {startProcess, stopProcess, type ManagedProcess} from '../process.js'
import {nowIso, type KubeletContext} from './kubelet-context.js'
import {
  binaryFor,
  containerArgv,
  containerEnv,
  identityArgs,
  kubernetesServiceEnv,
  type PodFacts,
  type Probe,
  type Resolved,
} from './pod-spec.js'
import {IMAGE_BIN_DIR, mountPlan, mountScript, PRIVATE_ROOTS, type MountPlan} from './pod-mounts.js'
import {readKeys} from './pod-volumes.js'

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface ContainerRun {
  spec: Json
  init: boolean
  log: string
  proc?: ManagedProcess
  binary?: string
  state: Json
  lastState: Json
  ready: boolean
  started: boolean
  restartCount: number
  failures: number
  held: boolean
  timers: NodeJS.Timeout[]
  startup?: Probe
  readiness?: Probe
  liveness?: Probe
}

/** Where a container of the pod runs: what its command line needs to know of the pod. */
export interface PodPlace {
  raw: Json
  namespace: string
  name: string
  /** The pod's folder. */
  dir: string
  netns: string
  facts: PodFacts
  volumes?: {dirs: Map<string, string>}
}

export interface ContainerCommand {
  cmd: string
  args: string[]
  env: NodeJS.ProcessEnv
  /** What the process's command line shows (lab status and lab down recognise it by this). */
  binary: string
}

/** The exit a process had, as a container's `terminated` state. */
export function terminatedState(p: ManagedProcess, startedAt: string): Json {
  const signals: Record<string, number> = {SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1}
  const exitCode = p.signal ? 128 + (signals[p.signal] ?? 0) : (p.exitCode ?? 0)
  return {
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      ...(p.signal ? {signal: signals[p.signal] ?? 0} : {}),
      startedAt,
      finishedAt: nowIso(),
    },
  }
}

/** A container's entry in the pod's status. */
export function containerStatus(c: ContainerRun): Json {
  return {
    name: c.spec.name,
    image: c.spec.image,
    imageID: c.binary ? `lab://${c.binary}` : '',
    containerID: c.proc ? `lab://${c.proc.pid}` : undefined,
    ready: c.ready,
    started: c.started && !!c.proc && c.proc.exitCode === undefined,
    restartCount: c.restartCount,
    state: c.state,
    lastState: c.lastState,
  }
}

/** Everything needed to exec a container, or why it cannot run here. */
export async function containerCommand(
  k: KubeletContext,
  pod: PodPlace,
  spec: Json,
): Promise<Resolved<ContainerCommand>> {
  const bin = binaryFor(spec, {...k.imageRule, binaries: [...k.binaries.keys()]})
  if (!bin.ok) return bin
  const keys = new Map<string, Record<string, string> | undefined>()
  const refs = [
    ...((spec.envFrom ?? []) as Json[]).map((f) =>
      f.configMapRef ? ['configMap', f.configMapRef.name] : ['secret', f.secretRef?.name],
    ),
    ...((spec.env ?? []) as Json[]).flatMap((e) => {
      const vf = e.valueFrom ?? {}
      if (vf.configMapKeyRef) return [['configMap', vf.configMapKeyRef.name]]
      if (vf.secretKeyRef) return [['secret', vf.secretKeyRef.name]]
      return []
    }),
  ] as Array<['configMap' | 'secret', string]>
  for (const [kind, name] of refs) {
    if (keys.has(`${kind}/${name}`)) continue
    const data = await readKeys(k.client, kind, pod.namespace, name)
    keys.set(
      `${kind}/${name}`,
      data && Object.fromEntries(Object.entries(data).map(([key, v]) => [key, v.toString('utf8')])),
    )
  }
  const env = containerEnv(
    pod.raw,
    spec,
    pod.facts,
    (kind, name) => keys.get(`${kind}/${name}`),
    kubernetesServiceEnv(k.api.host, k.api.port),
  )
  if (!env.ok) return env
  const binary = k.binaries.get(bin.value)!
  const inImage = `${IMAGE_BIN_DIR}/${bin.value}`
  const mounts: Array<MountPlan & {source: string}> = [
    {volume: '(image)', target: inImage, readOnly: true, source: binary},
  ]
  for (const m of mountPlan(spec)) {
    const dir = pod.volumes?.dirs.get(m.volume)
    if (!dir)
      return {
        ok: false,
        reason: 'CreateContainerConfigError',
        message: `volume "${m.volume}" is not defined in the pod`,
      }
    mounts.push({...m, source: m.subPath ? join(dir, m.subPath) : dir})
  }
  const stage = join(pod.dir, 'roots')
  for (const r of PRIVATE_ROOTS) mkdirSync(stage + r, {recursive: true})
  const script = mountScript(mounts, existsSync, {stage, hostname: pod.name})
  if (!script.ok) return script
  return {
    ok: true,
    value: {
      cmd: 'ip',
      args: [
        'netns',
        'exec',
        pod.netns,
        'unshare',
        '--uts',
        '--',
        'sh',
        '-c',
        script.value,
        'sh',
        ...identityArgs(pod.raw, spec),
        inImage,
        ...containerArgv(spec, env.value),
      ],
      env: {PATH: DEFAULT_PATH, HOSTNAME: pod.name, HOME: '/', ...Object.fromEntries(env.value)},
      // What the process's command line shows (lab status and lab down recognise it by this).
      binary: inImage,
    },
  }
}

/** One probe of a container: HTTP(S) or TCP at the pod's IP, exec in the container's namespaces. */
export async function probeOnce(p: Probe, podIp: string, pid: number): Promise<{ok: boolean; detail: string}> {
  const started = Date.now()
  const took = () => `${Date.now() - started}ms`
  if (p.kind === 'http') {
    const r = await httpGet(
      `${p.scheme.toLowerCase()}://${podIp}:${p.port}${p.path}`,
      {rejectUnauthorized: false, agent: false},
      p.timeoutMs,
    )
    return {ok: r.status >= 200 && r.status < 400, detail: `${p.path}: ${r.status || r.body} after ${took()}`}
  }
  if (p.kind === 'tcp') {
    return await new Promise((resolve) => {
      const s = net.connect({host: podIp, port: p.port, timeout: p.timeoutMs}, () => {
        s.destroy()
        resolve({ok: true, detail: `connected in ${took()}`})
      })
      s.on('error', (e) => resolve({ok: false, detail: `${e.message} in ${took()}`}))
      s.on('timeout', () => {
        s.destroy()
        resolve({ok: false, detail: `no connection in ${took()}`})
      })
    })
  }
  // exec: inside the container's own namespaces.
  const probeProc = startProcess(
    `probe of pid ${pid}`,
    'nsenter',
    ['--target', String(pid), '--mount', '--uts', '--net', '--', ...p.command],
    '/dev/null',
  )
  const timer = setTimeout(() => void stopProcess(probeProc, 0), p.timeoutMs)
  const code = await probeProc.exited
  clearTimeout(timer)
  return {ok: code === 0, detail: `exit ${code} in ${took()}`}
}

export interface ProbeHooks {
  /** Is the process probed still the container's, and the pod not going away? */
  alive(): boolean
  /** Runs fn after ms on the container's timers (cleared when it stops). */
  later(fn: () => void, ms: number): void
  /** The container's readiness changed. */
  changed(): void
  /** What the prober saw, for the lab's log (transitions and failures). */
  note(message: string): void
  /** The liveness or startup probe failed: the container must restart. */
  restart(kind: 'liveness' | 'startup'): void
}

/**
 * The probes of a running container, as the kubelet's prober runs them: a startup probe first (if
 * any), and only once it passed the readiness and liveness probes, each on its own period. A
 * readiness failure makes the container not Ready (the pod leaves its Services' endpoints) and
 * nothing else; a liveness or startup failure (failureThreshold in a row) kills the container,
 * which restarts by the pod's restartPolicy with back-off.
 */
export function runProbes(c: ContainerRun, proc: ManagedProcess, podIp: string, h: ProbeHooks): void {
  const loop = (p: Probe, kind: 'startup' | 'readiness' | 'liveness') => {
    let ok = 0
    let bad = 0
    let passed = false
    const tick = async () => {
      if (!h.alive()) return
      const {ok: good, detail} = await probeOnce(p, podIp, proc.pid)
      if (!h.alive()) return
      // Failures are logged up to the threshold; a container that keeps failing is not logged every period.
      if (!good && bad < p.failureThreshold)
        h.note(`${kind} probe failed (${bad + 1}/${p.failureThreshold}): ${detail}`)
      if (good) {
        bad = 0
        if (++ok >= p.successThreshold) {
          passed = true
          if (kind === 'startup') return started(true)
          if (kind === 'readiness' && !c.ready) {
            c.ready = true
            h.note('Ready')
            h.changed()
          }
        }
      } else {
        ok = 0
        if (++bad >= p.failureThreshold) {
          if (kind !== 'readiness') {
            h.note(`failed its ${kind} probe; restarting it`)
            return h.restart(kind)
          }
          if (c.ready) {
            c.ready = false
            h.note('not Ready')
            h.changed()
          }
        }
      }
      h.later(() => void tick(), passed ? p.periodMs : p.firstPeriodMs)
    }
    h.later(() => void tick(), p.initialDelayMs)
  }
  const started = (afterStartupProbe: boolean) => {
    if (afterStartupProbe) {
      c.started = true
      c.ready = !c.readiness
      h.changed()
    }
    if (c.readiness) loop(c.readiness, 'readiness')
    if (c.liveness) loop(c.liveness, 'liveness')
  }
  if (c.startup) loop(c.startup, 'startup')
  else started(false)
}
