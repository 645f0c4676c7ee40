/**
 * One pod on the lab's host kubelet. The pod gets its own network namespace and IP and its
 * volumes; each container runs as a host process with the pod's own command, args and env, its
 * identity (runAsUser, groups) and its mounts, inside the pod's network and a private mount and UTS
 * namespace. Containers are probed, restarted by the pod's restartPolicy with back-off, and stopped
 * gracefully when the pod is deleted. The pod's status says what a kubelet would say: a container
 * is `running` only while its process runs.
 */
import {mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import type {Json} from 'liqo-topology/k8s/client'
import {sleep} from 'liqo-topology/toolkit/clock'
import {stopProcess, startProcess, type ManagedProcess} from '../process.js'
import {containerCommand, runProbes, terminatedState, type ContainerRun, type PodPlace} from './container.js'
import {
  clearTimers,
  containerRuns,
  enterBackOff,
  heldState,
  later,
  ownerAppName,
  podProcesses,
  type PodProcess,
} from './container-runs.js'
import {nowIso, type KubeletContext} from './kubelet-context.js'
import {PodStatusReporter} from './pod-status.js'
import {createPodNetns, deletePodNetns, podNetnsName} from './network.js'
import {backoffMs, type PodFacts} from './pod-spec.js'
import {prepareVolumes, type PreparedVolumes} from './pod-volumes.js'

export type {KubeletContext} from './kubelet-context.js'
export type {PodProcess} from './container-runs.js'

export class PodRunner {
  private raw: Json
  readonly uid: string
  readonly namespace: string
  readonly name: string
  private podIp = ''
  private netns = ''
  private making?: Promise<unknown> // the pod's network being made: terminate() waits for it
  private volumes?: PreparedVolumes
  private phase = 'Pending'
  private initialized = false
  private readonly startTime = nowIso()
  private readonly containers: ContainerRun[]
  private terminating?: Promise<void>
  private readonly abort = new AbortController()
  private readonly status: PodStatusReporter

  constructor(
    private readonly k: KubeletContext,
    raw: Json,
  ) {
    this.raw = raw
    this.uid = raw.metadata.uid
    this.namespace = raw.metadata.namespace
    this.name = raw.metadata.name
    this.status = new PodStatusReporter(k.client, this.namespace, this.name, k.log)
    this.containers = containerRuns(raw, (c) =>
      join(k.logs, `${k.cluster}_${this.namespace}_${this.name}_${c.name}.log`),
    )
  }

  /** The Deployment (or other owner) of this pod, for component names. */
  get appName(): string {
    return ownerAppName(this.raw)
  }

  update(raw: Json): void {
    this.raw = raw
    // Readiness changed by someone else (the node lifecycle controller) is written back, as the kubelet does.
    const apiReady = ((raw.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Ready')?.status === 'True'
    const ready = this.containers.some((c) => !c.init) && this.containers.every((c) => c.init || c.ready)
    if (this.phase === 'Running' && !raw.metadata?.deletionTimestamp && apiReady !== ready) void this.flush()
  }

  processes(): PodProcess[] {
    return podProcesses(this.namespace, this.name, this.containers)
  }

  /** Starts the pod: network, volumes, init containers in order, then the containers. */
  async run(): Promise<void> {
    try {
      this.podIp = this.k.allocateIp()
      this.netns = podNetnsName(this.k.net, this.podIp)
      await (this.making = createPodNetns(this.k.net, this.podIp))
      await this.flush()
      const facts = this.facts()
      mkdirSync(this.podDir, {recursive: true, mode: 0o755})
      for (;;) {
        if (this.terminating) return
        const r = await prepareVolumes(this.k.client, this.raw, this.podDir, facts, (e) =>
          this.k.log(`${this.key}: token renewal: ${String(e)}`),
        )
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

  private place(): PodPlace {
    return {
      raw: this.raw,
      namespace: this.namespace,
      name: this.name,
      dir: this.podDir,
      netns: this.netns,
      facts: this.facts(),
      ...(this.volumes ? {volumes: this.volumes} : {}),
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
    for (const c of this.containers)
      if (!c.proc || c.proc.exitCode !== undefined) c.state = {waiting: {reason, message}}
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

  private async startContainer(c: ContainerRun): Promise<ManagedProcess | undefined> {
    if (this.terminating || c.held) return undefined
    const plan = await containerCommand(this.k, this.place(), c.spec)
    if (this.terminating || c.held) return undefined
    if (!plan.ok) {
      c.state = {waiting: {reason: plan.reason, message: plan.message}}
      await this.flush()
      // What is missing may appear (a ConfigMap created a moment later): try again, backing off.
      if (!c.init) later(c, () => void this.startContainer(c), backoffMs(++c.failures))
      return undefined
    }
    const proc = startProcess(
      `${this.k.cluster}/${this.key}/${c.spec.name}`,
      plan.value.cmd,
      plan.value.args,
      c.log,
      plan.value.env,
    )
    c.proc = proc
    c.binary = plan.value.binary
    const startedAt = nowIso()
    c.state = {running: {startedAt}}
    c.started = c.init || !c.startup
    c.ready = !c.init && !c.startup && !c.readiness
    this.k.log(`${this.key}: started ${c.spec.name} (pid ${proc.pid})`)
    this.k.changed()
    if (!c.init) this.probe(c, proc)
    void proc.exited.then(() => this.onExit(c, proc, startedAt, Date.now()))
    await this.flush()
    return proc
  }

  private onExit(c: ContainerRun, proc: ManagedProcess, startedAt: string, startedMs: number): void {
    if (c.proc !== proc) return
    clearTimers(c)
    c.ready = false
    const ended = terminatedState(proc, startedAt)
    this.k.log(`${this.key}: ${c.spec.name} exited (${JSON.stringify(ended.terminated.exitCode)})`)
    this.k.changed()
    if (c.init) return // runInit decides
    if (this.terminating) {
      c.state = ended
    } else if (c.held) {
      c.lastState = ended
      c.state = heldState(this.k.cluster, this.appName)
    } else {
      const policy = this.raw.spec?.restartPolicy ?? 'Always'
      const failed = ended.terminated.exitCode !== 0
      if (policy === 'Always' || (policy === 'OnFailure' && failed)) {
        const wait = enterBackOff(c, ended, startedMs, `${this.name}_${this.namespace}(${this.uid})`)
        later(
          c,
          () => {
            c.restartCount++
            void this.startContainer(c)
          },
          wait,
        )
      } else {
        c.state = ended
        const mains = this.containers.filter((x) => !x.init)
        if (mains.every((x) => x.state.terminated))
          this.phase = mains.every((x) => x.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed'
      }
    }
    void this.flush()
  }

  /** Readiness and liveness probes of a running container, each on its own timer. */
  private probe(c: ContainerRun, proc: ManagedProcess): void {
    runProbes(c, proc, this.podIp, {
      alive: () => c.proc === proc && proc.exitCode === undefined && !this.terminating,
      later: (fn, ms) => later(c, fn, ms),
      changed: () => void this.flush(),
      note: (m) => this.k.log(`${this.key}: ${c.spec.name}: ${m}`),
      restart: () => void stopProcess(proc, Number(this.raw.spec?.terminationGracePeriodSeconds ?? 30) * 1000),
    })
  }

  /** Reports the status (one patch at a time, the latest state each time). */
  flush(): Promise<void> {
    return this.status.report(() => ({
      phase: this.phase,
      networkReady: !!this.netns,
      initialized: this.initialized,
      hostIp: this.k.nodeIp,
      podIp: this.podIp,
      startTime: this.startTime,
      qosClass: this.raw.status?.qosClass ?? 'BestEffort',
      containers: this.containers,
    }))
  }

  /** `lab stop`: the containers stop and stay stopped (not restarted) until release(). */
  async hold(): Promise<void> {
    const grace = Number(this.raw.spec?.terminationGracePeriodSeconds ?? 30) * 1000
    await Promise.all(
      this.containers
        .filter((c) => !c.init)
        .map(async (c) => {
          c.held = true
          clearTimers(c)
          if (c.proc && c.proc.exitCode === undefined) await stopProcess(c.proc, grace)
          else c.state = heldState(this.k.cluster, this.appName)
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
      for (const c of this.containers) clearTimers(c)
      await Promise.all(this.containers.map((c) => (c.proc ? stopProcess(c.proc, graceMs) : undefined)))
      for (const c of this.containers)
        if (!c.state.terminated && c.proc)
          c.state = {terminated: {exitCode: 137, reason: 'Error', finishedAt: nowIso()}}
      await this.flush()
      this.volumes?.close()
      if (this.podIp) {
        await this.making?.catch(() => undefined)
        await deletePodNetns(this.k.net, this.podIp)
        this.k.releaseIp(this.podIp)
      }
      rmSync(this.podDir, {recursive: true, force: true})
      this.k.changed()
    })()
    return this.terminating
  }

  /** The pod object is gone (force-deleted): stop at once, report nothing more. */
  async vanish(): Promise<void> {
    this.status.close()
    await this.terminate(0)
  }
}
