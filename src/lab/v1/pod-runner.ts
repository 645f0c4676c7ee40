/**
 * One pod on the lab's host kubelet. The pod gets its own network namespace and IP and its
 * volumes; each container runs as a host process with the pod's own command, args and env, its
 * identity (runAsUser, groups) and its mounts, inside the pod's network and a private mount and UTS
 * namespace. Containers are probed, restarted by the pod's restartPolicy with back-off, and stopped
 * gracefully when the pod is deleted. The pod's status says what a kubelet would say: a container
 * is `running` only while its process runs.
 */
import {existsSync, mkdirSync, rmSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'

import {ApiError} from '../../toolkit/errors.js'
import type {Json, KubeClient} from '../../k8s/client.js'
import {sleep} from '../../toolkit/clock.js'
import {httpGet} from '../components.js'
import {startProcess, stopProcess, type ManagedProcess} from '../process.js'
import {createPodNetns, deletePodNetns, podNetnsName, type LabNet} from './network.js'
import {
  backoffMs,
  binaryFor,
  containerArgv,
  containerEnv,
  identityArgs,
  kubernetesServiceEnv,
  mountPlan,
  mountScript,
  PRIVATE_ROOTS,
  IMAGE_BIN_DIR,
  type MountPlan,
  readProbe,
  type ImageRule,
  type PodFacts,
  type Probe,
  type Resolved,
} from './pod-spec.js'
import {prepareVolumes, readKeys, type PreparedVolumes} from './pod-volumes.js'

/** What every pod of one host kubelet shares. */
export interface KubeletContext {
  client: KubeClient
  cluster: string
  nodeName: string
  nodeIp: string
  net: LabNet
  /** Where pods reach their API server (the lab has no kube-proxy for the `kubernetes` Service). */
  api: {host: string; port: number}
  /** Binary name → path of the cached build. */
  binaries: Map<string, string>
  imageRule: Omit<ImageRule, 'binaries'>
  /** Pods' folders (volumes). */
  dir: string
  /** Containers' logs. */
  logs: string
  capacity: {cpu: string; memory: string}
  allocateIp(): string
  releaseIp(ip: string): void
  log(message: string): void
  /** The set of running processes changed (the lab's state file lists them). */
  changed(): void
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** A container that ran this long without failing starts its back-off from the beginning again. */
const BACKOFF_RESET_MS = 60_000

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

interface ContainerRun {
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
  readiness?: Probe
  liveness?: Probe
}

export interface PodProcess {
  pod: string
  namespace: string
  container: string
  pid: number
  port: number
  log: string
  binary: string
  running: boolean
}

/** The exit a process had, as a container's `terminated` state. */
function terminatedState(p: ManagedProcess, startedAt: string): Json {
  const signals: Record<string, number> = {SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1}
  const exitCode = p.signal ? 128 + (signals[p.signal] ?? 0) : (p.exitCode ?? 0)
  return {terminated: {exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', ...(p.signal ? {signal: signals[p.signal] ?? 0} : {}), startedAt, finishedAt: nowIso()}}
}

export class PodRunner {
  private raw: Json
  readonly uid: string
  readonly namespace: string
  readonly name: string
  private podIp = ''
  private netns = ''
  private volumes?: PreparedVolumes
  private phase = 'Pending'
  private initialized = false
  private readonly startTime = nowIso()
  private readonly transitions = new Map<string, {status: string; at: string}>()
  private readonly containers: ContainerRun[]
  private terminating?: Promise<void>
  private readonly abort = new AbortController()
  private patching: Promise<void> = Promise.resolve()
  private gone = false

  constructor(
    private readonly k: KubeletContext,
    raw: Json,
  ) {
    this.raw = raw
    this.uid = raw.metadata.uid
    this.namespace = raw.metadata.namespace
    this.name = raw.metadata.name
    const logName = (c: Json) => join(k.logs, `${k.cluster}_${this.namespace}_${this.name}_${c.name}.log`)
    const make = (c: Json, init: boolean): ContainerRun => ({
      spec: c,
      init,
      log: logName(c),
      state: {waiting: {reason: init ? 'PodInitializing' : 'ContainerCreating'}},
      lastState: {},
      ready: false,
      started: false,
      restartCount: 0,
      failures: 0,
      held: false,
      timers: [],
      ...(init ? {} : {readiness: readProbe(c, c.readinessProbe, 'readiness'), liveness: readProbe(c, c.livenessProbe, 'liveness')}),
    })
    this.containers = [...((raw.spec?.initContainers ?? []) as Json[]).map((c) => make(c, true)), ...((raw.spec?.containers ?? []) as Json[]).map((c) => make(c, false))]
  }

  /** The Deployment (or other owner) this pod belongs to, for component names. */
  get appName(): string {
    const owner = ((this.raw.metadata?.ownerReferences ?? []) as Json[]).find((o) => o.controller)
    const hash = this.raw.metadata?.labels?.['pod-template-hash']
    if (owner?.kind === 'ReplicaSet' && hash && String(owner.name).endsWith(`-${hash}`)) return String(owner.name).slice(0, -hash.length - 1)
    return owner ? String(owner.name) : this.name
  }

  update(raw: Json): void {
    this.raw = raw
  }

  processes(): PodProcess[] {
    return this.containers
      .filter((c) => c.proc || c.held)
      .map((c) => ({
        pod: this.name,
        namespace: this.namespace,
        container: String(c.spec.name),
        pid: c.proc?.pid ?? 0,
        port: c.readiness?.port ?? Number(c.spec.ports?.[0]?.containerPort ?? 0),
        log: c.log,
        binary: c.binary ?? '',
        running: !!c.proc && c.proc.exitCode === undefined,
      }))
  }

  /** Starts the pod: network, volumes, init containers in order, then the containers. */
  async run(): Promise<void> {
    try {
      this.podIp = this.k.allocateIp()
      this.netns = podNetnsName(this.k.net, this.podIp)
      createPodNetns(this.k.net, this.podIp)
      await this.flush()
      const facts = this.facts()
      mkdirSync(this.podDir, {recursive: true, mode: 0o755})
      for (;;) {
        if (this.terminating) return
        const r = await prepareVolumes(this.k.client, this.raw, this.podDir, facts, (e) => this.k.log(`${this.key}: token renewal: ${String(e)}`))
        if (r.ok) {
          this.volumes = r.value
          break
        }
        this.setWaiting(r.reason, r.message)
        await this.flush()
        await sleep(2_000, this.abort.signal)
      }
      for (const c of this.containers.filter((x) => x.init)) {
        if (!(await this.runInit(c))) return
      }
      this.initialized = true
      this.phase = 'Running'
      for (const c of this.containers.filter((x) => !x.init)) await this.startContainer(c)
      await this.flush()
    } catch (e) {
      if (!this.terminating) this.k.log(`${this.key}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    }
  }

  get key(): string {
    return `${this.namespace}/${this.name}`
  }

  private get podDir(): string {
    return join(this.k.dir, this.uid)
  }

  private facts(): PodFacts {
    return {podIp: this.podIp, hostIp: this.k.nodeIp, nodeName: this.k.nodeName, capacity: this.k.capacity}
  }

  private setWaiting(reason: string, message: string): void {
    for (const c of this.containers) if (!c.proc || c.proc.exitCode !== undefined) c.state = {waiting: {reason, message}}
  }

  /** Runs an init container until it succeeds (restarting it unless restartPolicy is Never). */
  private async runInit(c: ContainerRun): Promise<boolean> {
    for (;;) {
      if (this.terminating) return false
      const proc = await this.startContainer(c)
      if (!proc) {
        await sleep(backoffMs(++c.failures), this.abort.signal)
        continue
      }
      await proc.exited
      if (proc.exitCode === 0 && !proc.signal) return true
      if (this.raw.spec?.restartPolicy === 'Never') {
        this.phase = 'Failed'
        await this.flush()
        return false
      }
      await sleep(backoffMs(++c.failures), this.abort.signal)
    }
  }

  /** Everything needed to exec a container, or why it cannot run here. */
  private async commandFor(c: ContainerRun): Promise<Resolved<{cmd: string; args: string[]; env: NodeJS.ProcessEnv; binary: string}>> {
    const bin = binaryFor(c.spec, {...this.k.imageRule, binaries: [...this.k.binaries.keys()]})
    if (!bin.ok) return bin
    const keys = new Map<string, Record<string, string> | undefined>()
    const refs = [
      ...((c.spec.envFrom ?? []) as Json[]).map((f) => (f.configMapRef ? ['configMap', f.configMapRef.name] : ['secret', f.secretRef?.name])),
      ...((c.spec.env ?? []) as Json[]).flatMap((e) => {
        const vf = e.valueFrom ?? {}
        if (vf.configMapKeyRef) return [['configMap', vf.configMapKeyRef.name]]
        if (vf.secretKeyRef) return [['secret', vf.secretKeyRef.name]]
        return []
      }),
    ] as Array<['configMap' | 'secret', string]>
    for (const [kind, name] of refs) {
      if (keys.has(`${kind}/${name}`)) continue
      const data = await readKeys(this.k.client, kind, this.namespace, name)
      keys.set(`${kind}/${name}`, data && Object.fromEntries(Object.entries(data).map(([key, v]) => [key, v.toString('utf8')])))
    }
    const env = containerEnv(this.raw, c.spec, this.facts(), (kind, name) => keys.get(`${kind}/${name}`), kubernetesServiceEnv(this.k.api.host, this.k.api.port))
    if (!env.ok) return env
    const binary = this.k.binaries.get(bin.value)!
    const inImage = `${IMAGE_BIN_DIR}/${bin.value}`
    const mounts: Array<MountPlan & {source: string}> = [{volume: '(image)', target: inImage, readOnly: true, source: binary}]
    for (const m of mountPlan(c.spec)) {
      const dir = this.volumes?.dirs.get(m.volume)
      if (!dir) return {ok: false, reason: 'CreateContainerConfigError', message: `volume "${m.volume}" is not defined in the pod`}
      mounts.push({...m, source: m.subPath ? join(dir, m.subPath) : dir})
    }
    const stage = join(this.podDir, 'roots')
    for (const r of PRIVATE_ROOTS) mkdirSync(stage + r, {recursive: true})
    const script = mountScript(mounts, existsSync, {stage, hostname: this.name})
    if (!script.ok) return script
    return {
      ok: true,
      value: {
        cmd: 'ip',
        args: ['netns', 'exec', this.netns, 'unshare', '--uts', '--', 'sh', '-c', script.value, 'sh', ...identityArgs(this.raw, c.spec), inImage, ...containerArgv(c.spec, env.value)],
        env: {PATH: DEFAULT_PATH, HOSTNAME: this.name, HOME: '/', ...Object.fromEntries(env.value)},
        // What the process's command line shows (lab status and lab down recognise it by this).
        binary: inImage,
      },
    }
  }

  private async startContainer(c: ContainerRun): Promise<ManagedProcess | undefined> {
    if (this.terminating || c.held) return undefined
    const plan = await this.commandFor(c)
    if (this.terminating || c.held) return undefined
    if (!plan.ok) {
      c.state = {waiting: {reason: plan.reason, message: plan.message}}
      await this.flush()
      // What is missing may appear (a ConfigMap created a moment later): try again, backing off.
      if (!c.init) this.later(c, () => void this.startContainer(c), backoffMs(++c.failures))
      return undefined
    }
    const proc = startProcess(`${this.k.cluster}/${this.key}/${c.spec.name}`, plan.value.cmd, plan.value.args, c.log, plan.value.env)
    c.proc = proc
    c.binary = plan.value.binary
    const startedAt = nowIso()
    c.state = {running: {startedAt}}
    c.started = true
    c.ready = !c.init && !c.readiness
    this.k.log(`${this.key}: started ${c.spec.name} (pid ${proc.pid})`)
    this.k.changed()
    if (!c.init) this.probe(c, proc)
    void proc.exited.then(() => this.onExit(c, proc, startedAt, Date.now()))
    await this.flush()
    return proc
  }

  private later(c: ContainerRun, fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      c.timers = c.timers.filter((x) => x !== t)
      fn()
    }, ms)
    t.unref()
    c.timers.push(t)
  }

  private clearTimers(c: ContainerRun): void {
    c.timers.splice(0).forEach((t) => clearTimeout(t))
  }

  private onExit(c: ContainerRun, proc: ManagedProcess, startedAt: string, startedMs: number): void {
    if (c.proc !== proc) return
    this.clearTimers(c)
    c.ready = false
    const ended = terminatedState(proc, startedAt)
    this.k.log(`${this.key}: ${c.spec.name} exited (${JSON.stringify(ended.terminated.exitCode)})`)
    this.k.changed()
    if (c.init) return // runInit decides
    if (this.terminating) {
      c.state = ended
    } else if (c.held) {
      c.lastState = ended
      c.state = {waiting: {reason: 'LabStopped', message: `stopped with "liqo-topology lab stop ${this.k.cluster}/${this.appName}"`}}
    } else {
      const policy = this.raw.spec?.restartPolicy ?? 'Always'
      const failed = ended.terminated.exitCode !== 0
      if (policy === 'Always' || (policy === 'OnFailure' && failed)) {
        if (Date.now() - startedMs > BACKOFF_RESET_MS) c.failures = 0
        const wait = backoffMs(++c.failures)
        c.lastState = ended
        c.state = {waiting: {reason: 'CrashLoopBackOff', message: `back-off ${Math.round(wait / 1000)}s restarting failed container=${c.spec.name} pod=${this.name}_${this.namespace}(${this.uid})`}}
        this.later(c, () => {
          c.restartCount++
          void this.startContainer(c)
        }, wait)
      } else {
        c.state = ended
        const mains = this.containers.filter((x) => !x.init)
        if (mains.every((x) => x.state.terminated)) this.phase = mains.every((x) => x.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed'
      }
    }
    void this.flush()
  }

  /** Readiness and liveness probes of a running container, each on its own timer. */
  private probe(c: ContainerRun, proc: ManagedProcess): void {
    const alive = () => c.proc === proc && proc.exitCode === undefined && !this.terminating
    const loop = (p: Probe, kind: 'readiness' | 'liveness') => {
      let ok = 0
      let bad = 0
      const tick = async () => {
        if (!alive()) return
        const passed = await this.check(p, proc)
        if (!alive()) return
        if (passed) {
          bad = 0
          if (++ok >= p.successThreshold && kind === 'readiness' && !c.ready) {
            c.ready = true
            void this.flush()
          }
        } else {
          ok = 0
          if (++bad >= p.failureThreshold) {
            if (kind === 'readiness' && c.ready) {
              c.ready = false
              void this.flush()
            }
            if (kind === 'liveness') {
              this.k.log(`${this.key}: ${c.spec.name} failed its liveness probe; restarting it`)
              void stopProcess(proc, Number(this.raw.spec?.terminationGracePeriodSeconds ?? 30) * 1000)
              return
            }
          }
        }
        this.later(c, () => void tick(), p.periodMs)
      }
      this.later(c, () => void tick(), p.initialDelayMs)
    }
    if (c.readiness) loop(c.readiness, 'readiness')
    if (c.liveness) loop(c.liveness, 'liveness')
  }

  private async check(p: Probe, proc: ManagedProcess): Promise<boolean> {
    if (p.kind === 'http') {
      const r = await httpGet(`${p.scheme.toLowerCase()}://${this.podIp}:${p.port}${p.path}`, {rejectUnauthorized: false}, p.timeoutMs)
      return r.status >= 200 && r.status < 400
    }
    if (p.kind === 'tcp') {
      return await new Promise((resolve) => {
        const s = net.connect({host: this.podIp, port: p.port, timeout: p.timeoutMs}, () => {
          s.destroy()
          resolve(true)
        })
        s.on('error', () => resolve(false))
        s.on('timeout', () => {
          s.destroy()
          resolve(false)
        })
      })
    }
    // exec: inside the container's own namespaces.
    const probeProc = startProcess(`${this.key} probe`, 'nsenter', ['--target', String(proc.pid), '--mount', '--uts', '--net', '--', ...p.command], '/dev/null')
    const timer = setTimeout(() => void stopProcess(probeProc, 0), p.timeoutMs)
    const code = await probeProc.exited
    clearTimeout(timer)
    return code === 0
  }

  private condition(type: string, ok: boolean): Json {
    const status = ok ? 'True' : 'False'
    const prev = this.transitions.get(type)
    const at = prev && prev.status === status ? prev.at : nowIso()
    this.transitions.set(type, {status, at})
    return {type, status, lastProbeTime: null, lastTransitionTime: at}
  }

  private statusBody(): Json {
    const status = (c: ContainerRun): Json => ({
      name: c.spec.name,
      image: c.spec.image,
      imageID: c.binary ? `lab://${c.binary}` : '',
      containerID: c.proc ? `lab://${c.proc.pid}` : undefined,
      ready: c.ready,
      started: !!c.proc && c.proc.exitCode === undefined,
      restartCount: c.restartCount,
      state: c.state,
      lastState: c.lastState,
    })
    const mains = this.containers.filter((c) => !c.init)
    const ready = mains.length > 0 && mains.every((c) => c.ready)
    return {
      status: {
        phase: this.phase,
        conditions: [
          this.condition('PodReadyToStartContainers', !!this.netns),
          this.condition('Initialized', this.initialized),
          this.condition('Ready', ready),
          this.condition('ContainersReady', ready),
          this.condition('PodScheduled', true),
        ],
        hostIP: this.k.nodeIp,
        hostIPs: [{ip: this.k.nodeIp}],
        ...(this.podIp ? {podIP: this.podIp, podIPs: [{ip: this.podIp}]} : {}),
        startTime: this.startTime,
        qosClass: this.raw.status?.qosClass ?? 'BestEffort',
        initContainerStatuses: this.containers.filter((c) => c.init).map(status),
        containerStatuses: mains.map(status),
      },
    }
  }

  /** Reports the status (one patch at a time, the latest state each time). */
  flush(): Promise<void> {
    this.patching = this.patching.then(async () => {
      if (this.gone) return
      try {
        await this.k.client.patch(`/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.name)}/status`, this.statusBody(), 'merge')
      } catch (e) {
        if (e instanceof ApiError && e.isNotFound) this.gone = true
        else this.k.log(`${this.key}: status update: ${String(e)}`)
      }
    })
    return this.patching
  }

  /** `lab stop`: the containers stop and stay stopped (not restarted) until release(). */
  async hold(): Promise<void> {
    const grace = Number(this.raw.spec?.terminationGracePeriodSeconds ?? 30) * 1000
    await Promise.all(
      this.containers
        .filter((c) => !c.init)
        .map(async (c) => {
          c.held = true
          this.clearTimers(c)
          if (c.proc && c.proc.exitCode === undefined) await stopProcess(c.proc, grace)
          else c.state = {waiting: {reason: 'LabStopped', message: `stopped with "liqo-topology lab stop ${this.k.cluster}/${this.appName}"`}}
        }),
    )
    await this.flush()
  }

  /** `lab start`: the held containers start again; resolves when the pod is Ready (or fails). */
  async release(timeoutMs = 60_000): Promise<void> {
    const held = this.containers.filter((c) => c.held)
    for (const c of held) {
      c.held = false
      c.failures = 0
      if (c.lastState.terminated) c.restartCount++
      await this.startContainer(c)
    }
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && !this.terminating) {
      if (this.containers.filter((c) => !c.init).every((c) => c.ready)) return
      await sleep(200)
    }
    throw new Error(`${this.k.cluster}/${this.appName} (pod ${this.key}) was not Ready within ${timeoutMs / 1000}s`)
  }

  /**
   * Stops every container (SIGTERM, SIGKILL after the grace period), reports them terminated and
   * frees the pod's network and folders. Idempotent.
   */
  terminate(graceMs: number): Promise<void> {
    this.terminating ??= (async () => {
      this.abort.abort()
      for (const c of this.containers) this.clearTimers(c)
      await Promise.all(this.containers.map((c) => (c.proc ? stopProcess(c.proc, graceMs) : undefined)))
      for (const c of this.containers) if (!c.state.terminated && c.proc) c.state = {terminated: {exitCode: 137, reason: 'Error', finishedAt: nowIso()}}
      await this.flush()
      this.volumes?.close()
      if (this.podIp) {
        deletePodNetns(this.k.net, this.podIp)
        this.k.releaseIp(this.podIp)
      }
      rmSync(this.podDir, {recursive: true, force: true})
      this.k.changed()
    })()
    return this.terminating
  }

  /** The pod object is gone (force-deleted): stop at once, report nothing more. */
  async vanish(): Promise<void> {
    this.gone = true
    await this.terminate(0)
  }
}
