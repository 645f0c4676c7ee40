/**
 * The lab's host kubelet, for one node of one cluster of the real-Liqo lab: it registers the Node
 * (a control-plane node, tainted like kubeadm's unless told not to, at the cluster's API address), keeps it alive
 * with Lease and status heartbeats, and runs the pods bound to it with ./pod-runner.ts: Liqo's own
 * components, and the virtual kubelets Liqo creates per VirtualNode. A pod being deleted is stopped
 * within its grace period and then removed, as the kubelet does.
 */
import {mkdirSync} from 'node:fs'

import type {Json} from 'liqo-topology/k8s/client'
import {Reflector, type Change} from 'liqo-topology/k8s/reflector'
import {ensureNode, renewLease, workerNodeBody} from '../core/nodes.js'
import type {ProcessInfo} from '../state.js'
import type {NodeSetting} from './kubelet-context.js'
import {PodRunner, type KubeletContext, type PodProcess} from './pod-runner.js'

export const CONTROL_PLANE_TAINT = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'} as const

export interface HostKubeletOptions extends NodeSetting {
  /** First and last usable pod IP of this node, as 32-bit numbers. */
  ipRange: [number, number]
}

export const CAPACITY = {cpu: '8', memory: '32Gi', pods: '110'}

const ipToString = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
export const ipToNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)

export class HostKubelet {
  private readonly runners = new Map<string, PodRunner>()
  private readonly abort = new AbortController()
  private readonly usedIps = new Set<number>()
  private timers: NodeJS.Timeout[] = []
  private reflector?: Reflector<Json>
  private running?: Promise<void>
  private readonly ctx: KubeletContext

  constructor(private readonly o: HostKubeletOptions) {
    mkdirSync(o.dir, {recursive: true, mode: 0o755})
    mkdirSync(o.logs, {recursive: true})
    this.ctx = {
      ...o,
      capacity: {cpu: CAPACITY.cpu, memory: CAPACITY.memory},
      allocateIp: () => this.allocateIp(),
      releaseIp: (ip) => this.usedIps.delete(ipToNumber(ip)),
      log: (m) => o.log(`${o.cluster}/${o.nodeName}: ${m}`),
    }
  }

  private allocateIp(): string {
    const [first, last] = this.o.ipRange
    for (let n = first; n <= last; n++) {
      if (!this.usedIps.has(n)) {
        this.usedIps.add(n)
        return ipToString(n)
      }
    }
    throw new Error(`no free pod IP left on ${this.o.nodeName}`)
  }

  /** Registers the node, starts its heartbeats and the pods bound to it. */
  async start(): Promise<void> {
    const body = workerNodeBody(this.o.nodeName)
    body.spec = {taints: this.o.tainted === false ? [] : [{...CONTROL_PLANE_TAINT}]}
    const uid = await ensureNode(this.o.client, body, 'worker', CAPACITY, this.o.nodeIp)
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((e) => this.ctx.log(`heartbeat: ${String(e)}`)), ms)
      t.unref()
      this.timers.push(t)
    }
    every(10_000, () => renewLease(this.o.client, this.o.nodeName, uid))
    every(40_000, async () => void (await ensureNode(this.o.client, body, 'worker', CAPACITY, this.o.nodeIp)))
    this.reflector = new Reflector<Json>(this.o.client, '/api/v1/pods', {
      fieldSelector: `spec.nodeName=${this.o.nodeName}`,
      map: (raw) => raw,
    })
    this.running = this.reflector
      .run(this.abort.signal, (changes) => this.onPods(changes))
      .catch((e) => this.ctx.log(`pod watch ended: ${String(e)}`))
    await this.reflector.whenSynced()
  }

  private onPods(changes: Array<Change<Json>>): void {
    for (const c of changes) {
      const uid = c.obj.metadata?.uid as string
      let runner = this.runners.get(uid)
      if (c.type === 'DELETED') {
        if (runner) {
          this.runners.delete(uid)
          void runner.vanish()
        }
        continue
      }
      const phase = c.obj.status?.phase
      if (!runner) {
        if (phase === 'Succeeded' || phase === 'Failed' || c.obj.metadata?.deletionTimestamp) {
          // Finished, or deleted before it ever ran here: nothing to stop, let it go.
          if (c.obj.metadata?.deletionTimestamp) void this.finishDeletion(c.obj, undefined)
          continue
        }
        runner = new PodRunner(this.ctx, c.obj)
        this.runners.set(uid, runner)
        void runner.run()
        continue
      }
      runner.update(c.obj)
      if (c.obj.metadata?.deletionTimestamp) void this.finishDeletion(c.obj, runner)
    }
  }

  /** Stops the pod within its grace period, then removes the object (grace 0, this UID only). */
  private async finishDeletion(raw: Json, runner: PodRunner | undefined): Promise<void> {
    const graceMs =
      Number(raw.metadata?.deletionGracePeriodSeconds ?? raw.spec?.terminationGracePeriodSeconds ?? 30) * 1000
    await runner?.terminate(graceMs)
    const md = raw.metadata
    try {
      await this.o.client.delete(
        `/api/v1/namespaces/${encodeURIComponent(md.namespace)}/pods/${encodeURIComponent(md.name)}`,
        {gracePeriodSeconds: 0, preconditionsUid: md.uid},
      )
    } catch (e) {
      this.ctx.log(`removing pod ${md.namespace}/${md.name}: ${String(e)}`)
    }
  }

  /** The pods' container processes, named `<cluster>/<app>` (the Deployment, for Liqo's pods). */
  components(): Array<ProcessInfo & {running: boolean}> {
    const out: Array<ProcessInfo & {running: boolean}> = []
    for (const r of this.runners.values()) {
      for (const p of r.processes()) out.push(this.info(r, p))
    }
    return out
  }

  private info(r: PodRunner, p: PodProcess): ProcessInfo & {running: boolean} {
    return {
      name: `${this.o.cluster}/${r.appName}`,
      pid: p.pid,
      port: p.port,
      log: p.log,
      binary: p.binary,
      running: p.running,
      pod: `${p.namespace}/${p.pod}`,
    }
  }

  private byComponent(name: string): PodRunner[] {
    return [...this.runners.values()].filter((r) => `${this.o.cluster}/${r.appName}` === name)
  }

  has(name: string): boolean {
    return this.byComponent(name).length > 0
  }

  async stopComponent(name: string): Promise<void> {
    await Promise.all(this.byComponent(name).map((r) => r.hold()))
  }

  async startComponent(name: string): Promise<void> {
    await Promise.all(this.byComponent(name).map((r) => r.release()))
  }

  /** Stops every pod's processes (the lab is going down: the objects stay as they are). */
  async stop(): Promise<void> {
    this.abort.abort()
    this.timers.splice(0).forEach((t) => clearInterval(t))
    await Promise.all([...this.runners.values()].map((r) => r.terminate(5_000)))
    this.runners.clear()
    await this.running
  }
}
