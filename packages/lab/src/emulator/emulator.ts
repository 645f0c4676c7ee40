/**
 * The Liqo v0.3 emulator of the lab: plays the parts of Liqo that liqo-topology depends on,
 * against the lab's real API servers, controller managers and scheduler, one file per controller:
 *  - the ForeignCluster controller (./foreign-cluster.ts),
 *  - the virtual kubelet, its drain, and plain kubelets for each cluster's worker node
 *    (./virtual-kubelet.ts, with the Node and pod bodies of ./kubelet.ts),
 *  - the NamespaceOffloading controllers (./namespace-offloading.ts),
 *  - the pod mutating webhook (./webhook.ts).
 * This class wires them: list/watch stores (src/k8s/reflector.ts) feed keyed work queues
 * (./queue.ts), so everything is level-triggered and a restart of the emulator or of an API
 * server converges again.
 */
import {Reflector, type Change} from 'liqo-topology/k8s/reflector'
import {NAMESPACE_OFFLOADING_NAME, fcPath, nsOffloadingPath} from 'liqo-topology/liqo/constants'
import {toNode} from 'liqo-topology/liqo/nodes'
import {toForeignCluster, toNamespaceOffloading} from 'liqo-topology/liqo/v0'
import type {ForeignCluster, NamespaceOffloading, Node} from 'liqo-topology/model/types'
import {ForeignClusterController} from './foreign-cluster.js'
import {ensureNode, workerNodeBody, type NodeCapacity} from '../core/nodes.js'
import type {EmulatedNode} from './kubelet.js'
import {IpPool, type EmuCluster} from './model.js'
import {NamespaceOffloadingController} from './namespace-offloading.js'
import {WorkQueue} from './queue.js'
import {VirtualKubelet, toPodEntry, type PodEntry} from './virtual-kubelet.js'
import {startWebhook, type WebhookServer} from './webhook.js'

export interface EmulatorOptions {
  home: EmuCluster
  remotes: EmuCluster[]
  delayMs: number
  capacity: NodeCapacity
  webhook: {port: number; certFile: string; keyFile: string}
  log: (msg: string) => void
}

export class Emulator {
  private readonly abort = new AbortController()
  private readonly byId = new Map<string, EmuCluster>()
  /** Nodes this emulator plays the kubelet for, by name. */
  private readonly nodes = new Map<string, EmulatedNode>()

  private readonly fcs: Reflector<ForeignCluster>
  private readonly homeNodes: Reflector<Node>
  private readonly homePods: Reflector<PodEntry>
  private readonly nsos: Reflector<NamespaceOffloading>
  private readonly remotePods = new Map<string, Reflector<PodEntry>>()

  private readonly kubelet: VirtualKubelet
  private readonly offloading: NamespaceOffloadingController
  private readonly peering: ForeignClusterController

  private readonly fcQueue: WorkQueue
  private readonly nsoQueue: WorkQueue
  private readonly podQueue: WorkQueue
  private readonly remotePodQueues = new Map<string, WorkQueue>()
  private webhook?: WebhookServer
  private heartbeat?: NodeJS.Timeout
  private readonly runs: Array<Promise<void>> = []

  constructor(private readonly o: EmulatorOptions) {
    const home = o.home.client!
    for (const c of [o.home, ...o.remotes]) this.byId.set(c.id, c)
    const onError = (what: string) => (e: unknown) => {
      if (!this.abort.signal.aborted)
        o.log(`watch ${what}: ${e instanceof Error ? e.message : String(e)}; reconnecting`)
      return 'retry' as const
    }
    // After a lab API server restarts, the emulator is back within seconds (a shorter back-off
    // than client-go's, which the CLI keeps): tests restart API servers and wait for the lab.
    const backoff = {initialMs: 250, capMs: 5_000}
    this.fcs = new Reflector(home, fcPath(), {map: toForeignCluster, onError: onError('foreignclusters'), backoff})
    this.homeNodes = new Reflector(home, '/api/v1/nodes', {map: toNode, onError: onError('nodes'), backoff})
    this.homePods = new Reflector(home, '/api/v1/pods', {
      fieldSelector: 'spec.nodeName!=',
      map: toPodEntry,
      onError: onError('pods'),
      backoff,
    })
    this.nsos = new Reflector(home, nsOffloadingPath(), {
      map: toNamespaceOffloading,
      onError: onError('namespaceoffloadings'),
      backoff,
    })
    for (const r of o.remotes) {
      if (!r.client) continue
      this.remotePods.set(
        r.name,
        new Reflector(r.client, '/api/v1/pods', {
          fieldSelector: `spec.nodeName=${r.nodeName}`,
          map: toPodEntry,
          onError: onError(`pods of ${r.name}`),
          backoff,
        }),
      )
    }

    const shared = {home: o.home, signal: this.abort.signal, log: o.log}
    this.offloading = new NamespaceOffloadingController({
      ...shared,
      remotes: o.remotes,
      byId: this.byId,
      nsos: this.nsos,
      fcs: this.fcs,
      homeNodes: this.homeNodes,
      requeue: (key) => this.nsoQueue.add(key),
    })
    this.kubelet = new VirtualKubelet({
      ...shared,
      nodes: this.nodes,
      homePods: this.homePods,
      homeNodes: this.homeNodes,
      remotePods: this.remotePods,
      remoteNamespaceOf: (ns) => this.offloading.remoteNamespaceOf(ns),
    })
    this.peering = new ForeignClusterController({
      ...shared,
      byId: this.byId,
      fcs: this.fcs,
      homeNodes: this.homeNodes,
      nodes: this.nodes,
      capacity: o.capacity,
      delayMs: o.delayMs,
      kubelet: this.kubelet,
      offloading: this.offloading,
    })

    this.fcQueue = new WorkQueue('foreigncluster', (k) => this.peering.reconcile(k), 32, o.log)
    this.nsoQueue = new WorkQueue('namespaceoffloading', (k) => this.offloading.reconcile(k), 4, o.log)
    this.podQueue = new WorkQueue('pod', (k) => this.kubelet.reconcileHomePod(k), 16, o.log)
    for (const r of o.remotes) {
      if (r.client)
        this.remotePodQueues.set(
          r.name,
          new WorkQueue(`pod@${r.name}`, (k) => this.kubelet.reconcileRemotePod(r, k), 8, o.log),
        )
    }
  }

  /** Starts watching and serving; resolves once every store is synced and the webhook listens. */
  async start(): Promise<void> {
    const signal = this.abort.signal
    const runBg = <T>(r: Reflector<T>, on: (c: Change<T>[]) => void) => {
      this.runs.push(r.run(signal, on).catch((e) => this.o.log(`reflector ${r.path} stopped: ${String(e)}`)))
    }
    runBg(this.fcs, (cs) => cs.forEach((c) => this.fcQueue.add(c.key)))
    runBg(this.homeNodes, (cs) => cs.forEach((c) => this.onHomeNode(c)))
    runBg(this.homePods, (cs) => cs.forEach((c) => this.podQueue.add(c.key)))
    runBg(this.nsos, (cs) => cs.forEach((c) => this.nsoQueue.add(c.key)))
    for (const [name, r] of this.remotePods)
      runBg(r, (cs) => cs.forEach((c) => this.remotePodQueues.get(name)!.add(c.key)))
    await Promise.all(
      [this.fcs, this.homeNodes, this.homePods, this.nsos, ...this.remotePods.values()].map((r) => r.whenSynced()),
    )
    this.webhook = await startWebhook(
      this.o.webhook.port,
      this.o.webhook.certFile,
      this.o.webhook.keyFile,
      (ns) => this.nsos.store.get(`${ns}/${NAMESPACE_OFFLOADING_NAME}`),
      this.o.log,
    )
    this.heartbeat = setInterval(() => void this.kubelet.beat(), 10_000)
    this.heartbeat.unref()
  }

  async stop(): Promise<void> {
    this.abort.abort()
    for (const q of [this.fcQueue, this.nsoQueue, this.podQueue, ...this.remotePodQueues.values()]) q.stop()
    if (this.heartbeat) clearInterval(this.heartbeat)
    await this.webhook?.close()
    await Promise.allSettled(this.runs)
  }

  /** Creates (or re-reports Ready) the worker node of a cluster and starts playing its kubelet. */
  async addWorkerNode(c: EmuCluster): Promise<void> {
    this.nodes.set(c.nodeName, {
      name: c.nodeName,
      client: c.client!,
      kind: 'worker',
      ips: new IpPool(`10.${244 + Math.min(c.index, 11)}`),
    })
    await ensureNode(c.client!, workerNodeBody(c.nodeName), 'worker', this.o.capacity, `172.18.0.${c.index + 2}`)
  }

  /** Adds remote clusters that exist only as virtual nodes (the scale scenario). */
  addVirtualClusters(clusters: EmuCluster[]): void {
    for (const c of clusters) {
      this.byId.set(c.id, c)
      this.o.remotes.push(c)
    }
  }

  /** Everything started is settled (for `lab up` to report readiness). */
  async idle(): Promise<void> {
    await Promise.all(
      [this.fcQueue, this.nsoQueue, this.podQueue, ...this.remotePodQueues.values()].map((q) => q.idle()),
    )
  }

  private onHomeNode(c: Change<Node>): void {
    // A virtual node going away or coming back changes which clusters a namespace is offloaded to.
    if (
      c.obj.virtual &&
      (c.type !== 'MODIFIED' || c.old?.ready !== c.obj.ready || c.old?.unschedulable !== c.obj.unschedulable)
    )
      this.offloading.requeueAll()
  }
}
