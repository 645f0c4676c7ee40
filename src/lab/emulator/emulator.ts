/**
 * The Liqo v0.3 emulator of the lab: plays the parts of Liqo that liqo-topology depends on,
 * against the lab's real API servers, controller managers and scheduler:
 *  - the ForeignCluster controller (outgoing peering Pending → Established, Disconnecting → None),
 *  - the virtual kubelet (virtual node, drain through the Eviction API, remote twins of pods),
 *  - the NamespaceOffloading controllers (remote namespaces, conditions, phase, finalizer),
 *  - the pod mutating webhook (./webhook.ts),
 *  - plain kubelets for each cluster's worker node.
 * Everything is level-triggered from list/watch stores (src/k8s/reflector.ts), so a restart of
 * the emulator or of an API server converges again.
 */
import {ApiError} from '../../toolkit/errors.js'
import type {Json} from '../../k8s/client.js'
import {toNode} from '../../liqo/nodes.js'
import {toForeignCluster, toNamespaceOffloading} from '../../liqo/v0.js'
import {Reflector, type Change} from '../../k8s/reflector.js'
import {sleep} from '../../toolkit/clock.js'
import {
  ANNOTATION_REMOTE_NAMESPACE,
  FOREIGN_CLUSTER,
  LABEL_DISCOVERY_TYPE,
  LABEL_FC_CLUSTER_ID,
  LABEL_NODE_TYPE,
  LABEL_SCHEDULING_ENABLED,
  NAMESPACE_OFFLOADING_FINALIZER,
  NAMESPACE_OFFLOADING_NAME,
  VIRTUAL_NODE_TYPE,
  fcPath,
  nsOffloadingPath,
} from '../../liqo/constants.js'
import {matchesTerms} from '../../model/scheduling.js'
import type {ForeignCluster, NamespaceOffloading, Node, NodeSelectorTerm, RemoteNamespaceCondition} from '../../model/types.js'
import {
  cordonNotReady,
  ensureNode,
  ignoreNotFound,
  renewLease,
  runningStatus,
  twinBody,
  virtualNodeBody,
  workerNodeBody,
  type EmulatedNode,
  type NodeCapacity,
} from './kubelet.js'
import {IpPool, nowIso, type Cond, offloadingPhase, tenantNamespace, virtualNodeName, withCondition, type EmuCluster} from './model.js'
import {WorkQueue} from './queue.js'
import {startWebhook, type WebhookServer} from './webhook.js'

/** Trimmed pod kept in the emulator's stores. */
interface PodEntry {
  metadata: {name: string; namespace: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string}
  spec: Json
  status: {phase?: string; conditions?: Json[]; startTime?: string}
}

function toPodEntry(raw: Json): PodEntry {
  const md = raw.metadata ?? {}
  return {
    metadata: {name: md.name, namespace: md.namespace, uid: md.uid, labels: md.labels, deletionTimestamp: md.deletionTimestamp},
    spec: {
      nodeName: raw.spec?.nodeName,
      containers: raw.spec?.containers,
      restartPolicy: raw.spec?.restartPolicy,
      terminationGracePeriodSeconds: raw.spec?.terminationGracePeriodSeconds,
    },
    status: {phase: raw.status?.phase, conditions: raw.status?.conditions, startTime: raw.status?.startTime},
  }
}

function isRunningReady(p: PodEntry): boolean {
  return p.status.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

const IS_VIRTUAL_TERM: NodeSelectorTerm = {matchExpressions: [{key: LABEL_NODE_TYPE, operator: 'In', values: [VIRTUAL_NODE_TYPE]}]}

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
  /** ForeignCluster name → cluster ID, to unpeer after a ForeignCluster is deleted. */
  private readonly fcIds = new Map<string, string>()
  /** Remote namespace of each offloaded pod (by UID), to delete its twin after the fact. */
  private readonly twinNamespaces = new Map<string, string>()
  private readonly started = new Set<string>()
  private readonly evictionRetryAt = new Map<string, number>()

  private readonly fcs: Reflector<ForeignCluster>
  private readonly homeNodes: Reflector<Node>
  private readonly homePods: Reflector<PodEntry>
  private readonly nsos: Reflector<NamespaceOffloading>
  private readonly remotePods = new Map<string, Reflector<PodEntry>>()

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
      if (!this.abort.signal.aborted) o.log(`watch ${what}: ${e instanceof Error ? e.message : String(e)}; reconnecting`)
      return 'retry' as const
    }
    this.fcs = new Reflector(home, fcPath(), {map: toForeignCluster, onError: onError('foreignclusters')})
    this.homeNodes = new Reflector(home, '/api/v1/nodes', {map: toNode, onError: onError('nodes')})
    this.homePods = new Reflector(home, '/api/v1/pods', {fieldSelector: 'spec.nodeName!=', map: toPodEntry, onError: onError('pods')})
    this.nsos = new Reflector(home, nsOffloadingPath(), {map: toNamespaceOffloading, onError: onError('namespaceoffloadings')})
    this.fcQueue = new WorkQueue('foreigncluster', (k) => this.reconcileFc(k), 32, o.log)
    this.nsoQueue = new WorkQueue('namespaceoffloading', (k) => this.reconcileNso(k), 4, o.log)
    this.podQueue = new WorkQueue('pod', (k) => this.reconcileHomePod(k), 16, o.log)
    for (const r of o.remotes) {
      if (!r.client) continue
      this.remotePods.set(
        r.name,
        new Reflector(r.client, '/api/v1/pods', {fieldSelector: `spec.nodeName=${r.nodeName}`, map: toPodEntry, onError: onError(`pods of ${r.name}`)}),
      )
      this.remotePodQueues.set(r.name, new WorkQueue(`pod@${r.name}`, (k) => this.reconcileRemotePod(r, k), 8, o.log))
    }
  }

  private get delay(): Promise<void> {
    return sleep(this.o.delayMs, this.abort.signal)
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
    for (const [name, r] of this.remotePods) runBg(r, (cs) => cs.forEach((c) => this.remotePodQueues.get(name)!.add(c.key)))
    await Promise.all([this.fcs, this.homeNodes, this.homePods, this.nsos, ...this.remotePods.values()].map((r) => r.whenSynced()))
    this.webhook = await startWebhook(
      this.o.webhook.port,
      this.o.webhook.certFile,
      this.o.webhook.keyFile,
      (ns) => this.nsos.store.get(`${ns}/${NAMESPACE_OFFLOADING_NAME}`),
      this.o.log,
    )
    this.heartbeat = setInterval(() => void this.beat(), 10_000)
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
    this.nodes.set(c.nodeName, {name: c.nodeName, client: c.client!, kind: 'worker', ips: new IpPool(`10.${244 + Math.min(c.index, 11)}`)})
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
    await Promise.all([this.fcQueue, this.nsoQueue, this.podQueue, ...this.remotePodQueues.values()].map((q) => q.idle()))
  }

  // --- kubelets ---------------------------------------------------------------------------------

  private async beat(): Promise<void> {
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        try {
          await renewLease(n.client, n.name)
        } catch (e) {
          if (!this.abort.signal.aborted) this.o.log(`heartbeat of node ${n.name}: ${e instanceof Error ? e.message : String(e)}`)
        }
      }),
    )
  }

  private onHomeNode(c: Change<Node>): void {
    // A virtual node going away or coming back changes which clusters a namespace is offloaded to.
    if (c.obj.virtual && (c.type !== 'MODIFIED' || c.old?.ready !== c.obj.ready || c.old?.unschedulable !== c.obj.unschedulable)) {
      for (const key of this.nsos.store.keys()) this.nsoQueue.add(key)
    }
  }

  private async reconcileHomePod(key: string): Promise<void | {requeueAfterMs: number}> {
    const p = this.homePods.store.get(key)
    if (!p) {
      return
    }
    const node = this.nodes.get(p.spec.nodeName)
    if (!node) return
    const client = node.client
    if (p.metadata.deletionTimestamp) {
      if (node.kind === 'virtual' && node.remote?.client) {
        const ns = this.twinNamespaces.get(p.metadata.uid) ?? this.remoteNamespaceOf(p.metadata.namespace)
        if (ns) await node.remote.client.delete(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}`)
      }
      await this.finishPod(client, p)
      return
    }
    if (isRunningReady(p) || this.started.has(p.metadata.uid)) return
    if (node.kind === 'virtual' && node.remote?.client) {
      const remoteNs = this.remoteNamespaceOf(p.metadata.namespace)
      if (!remoteNs) {
        this.o.log(`pod ${key} is on ${node.name} but namespace ${p.metadata.namespace} is not offloaded; waiting`)
        return {requeueAfterMs: 2_000}
      }
      const raw = await client.getOrNull(`/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`)
      if (!raw || raw.metadata.uid !== p.metadata.uid) return
      try {
        await node.remote.client.create(`/api/v1/namespaces/${remoteNs}/pods`, twinBody(raw, remoteNs, this.o.home, node.remote))
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e
      }
      this.twinNamespaces.set(p.metadata.uid, remoteNs)
    }
    await this.markRunning(client, p, node)
  }

  private async reconcileRemotePod(c: EmuCluster, key: string): Promise<void> {
    const p = this.remotePods.get(c.name)!.store.get(key)
    if (!p) return
    const node = this.nodes.get(p.spec.nodeName)
    if (!node) return
    if (p.metadata.deletionTimestamp) return this.finishPod(node.client, p)
    if (isRunningReady(p) || this.started.has(p.metadata.uid)) return
    await this.markRunning(node.client, p, node)
  }

  private async markRunning(client: EmulatedNode['client'], p: PodEntry, node: EmulatedNode): Promise<void> {
    const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`
    const hostIP = node.kind === 'virtual' ? '10.200.0.1' : '172.18.0.2'
    try {
      await client.patch(path, {metadata: {uid: p.metadata.uid}, ...runningStatus(p as unknown as Json, node.ips.next(), hostIP)}, 'merge')
      this.started.add(p.metadata.uid)
    } catch (e) {
      if (e instanceof ApiError && (e.isNotFound || e.isConflict)) return // gone or replaced meanwhile
      throw e
    }
  }

  /** What the kubelet does once the containers have stopped: delete with grace 0, UID-guarded. */
  private async finishPod(client: EmulatedNode['client'], p: PodEntry): Promise<void> {
    try {
      await client.delete(`/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`, {gracePeriodSeconds: 0, preconditionsUid: p.metadata.uid})
    } catch (e) {
      if (!(e instanceof ApiError && e.isConflict)) throw e
    }
    this.started.delete(p.metadata.uid)
    this.twinNamespaces.delete(p.metadata.uid)
  }

  // --- ForeignCluster controller ---------------------------------------------------------------

  private fcByClusterId(id: string): ForeignCluster | undefined {
    for (const fc of this.fcs.store.values()) if (fc.clusterId === id) return fc
    return undefined
  }

  private wantsPeering(fc: ForeignCluster | undefined): boolean {
    // Auto means "do not peer" for clusters added by hand (liqoctl add cluster), as in v0.3.
    return !!fc && fc.outgoingEnabled === 'Yes' && !fc.deletionTimestamp
  }

  private async reconcileFc(name: string): Promise<void | {requeueAfterMs: number}> {
    const fc = this.fcs.store.get(name)
    const id = fc?.clusterId ?? this.fcIds.get(name)
    if (!id) return
    const remote = this.byId.get(id)
    if (!remote || remote.role === 'home') {
      if (fc) this.o.log(`foreigncluster ${name}: cluster ${id} is not part of this lab; ignoring`)
      return
    }
    if (fc) this.fcIds.set(name, id)
    else this.fcIds.delete(name)
    return this.wantsPeering(fc) ? this.peer(fc!, remote) : this.unpeer(fc, remote)
  }

  private async setPeering(fcName: string, type: 'OutgoingPeering', status: string, reason: string, message: string): Promise<void> {
    const raw = await this.o.home.client!.getOrNull(fcPath(fcName))
    if (!raw) return
    let conds: Cond[] = raw.status?.peeringConditions ?? []
    conds = withCondition(conds, {type, status, reason, message})
    const established = status === 'Established'
    // The tutorial's peerings are one-way: nothing peers back into the home cluster.
    if (!conds.some((c) => c.type === 'IncomingPeering')) {
      conds = withCondition(conds, {type: 'IncomingPeering', status: 'None', reason: 'NoResourceRequest', message: 'No ResourceRequest has been received'})
    }
    conds = withCondition(conds, {
      type: 'AuthenticationStatus',
      status: 'Established',
      reason: 'IdentityAccepted',
      message: 'The identity has been accepted by the remote cluster',
    })
    if (status !== 'Pending' && status !== 'Disconnecting') {
      conds = withCondition(conds, {
        type: 'NetworkStatus',
        status: established ? 'Established' : 'None',
        reason: established ? 'TunnelEndpointAvailable' : 'NetworkConfigNotFound',
        message: established ? 'The tunnel to the remote cluster is up' : 'No network configuration for this cluster',
      })
    }
    const remoteId = raw.spec?.clusterIdentity?.clusterID
    await this.o.home.client!.patch(
      `${fcPath(fcName)}/status`,
      {status: {peeringConditions: conds, tenantNamespace: {local: tenantNamespace(remoteId), remote: tenantNamespace(this.o.home.id)}}},
      'merge',
    )
    this.o.log(`foreigncluster ${fcName}: ${type} ${status} (${reason})`)
  }

  /** The remote side's ForeignCluster for the home cluster (created by the incoming peering). */
  private async setIncomingOnRemote(remote: EmuCluster, status: 'Established' | 'None'): Promise<void> {
    const client = remote.client
    if (!client) return
    const home = this.o.home
    const path = fcPath(home.id)
    if (!(await client.getOrNull(path))) {
      if (status === 'None') return
      await client.create(fcPath(), {
        apiVersion: `${FOREIGN_CLUSTER.group}/${FOREIGN_CLUSTER.version}`,
        kind: FOREIGN_CLUSTER.kind,
        metadata: {name: home.id, labels: {[LABEL_FC_CLUSTER_ID]: home.id, [LABEL_DISCOVERY_TYPE]: 'IncomingPeering'}},
        spec: {clusterIdentity: {clusterID: home.id, clusterName: home.name}, foreignAuthUrl: home.authUrl},
      })
    }
    const raw = await client.get(path)
    let conds: Cond[] = raw.status?.peeringConditions ?? []
    const est = status === 'Established'
    conds = withCondition(conds, {type: 'IncomingPeering', status, reason: est ? 'ResourceRequestAccepted' : 'NoResourceRequest', message: est ? 'The ResourceRequest has been accepted' : 'No ResourceRequest has been received'})
    conds = withCondition(conds, {type: 'AuthenticationStatus', status: 'Established', reason: 'IdentityAccepted', message: 'The identity has been accepted'})
    await client.patch(`${path}/status`, {status: {peeringConditions: conds, tenantNamespace: {local: tenantNamespace(home.id), remote: tenantNamespace(remote.id)}}}, 'merge')
  }

  private async peer(fc: ForeignCluster, remote: EmuCluster): Promise<void | {requeueAfterMs: number}> {
    const nodeName = virtualNodeName(remote)
    const node = this.homeNodes.store.get(nodeName)
    if (node?.deletionTimestamp) return {requeueAfterMs: 250}
    if (fc.outgoingPhase === 'Established' && node && node.ready && !node.unschedulable) {
      if (!this.nodes.has(nodeName)) this.nodes.set(nodeName, {name: nodeName, client: this.o.home.client!, kind: 'virtual', remote, ips: new IpPool(`10.${202 + (remote.index % 50)}`)})
      return
    }
    const home = this.o.home.client!
    if (fc.outgoingPhase !== 'Pending' && fc.outgoingPhase !== 'Established') {
      await this.setPeering(fc.name, 'OutgoingPeering', 'Pending', 'ResourceRequestPending', 'The ResourceRequest has been sent to the remote cluster')
      await this.delay
    }
    const tenant = tenantNamespace(remote.id)
    if (!(await home.getOrNull(`/api/v1/namespaces/${tenant}`))) {
      await home.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: tenant, labels: {'liqo.io/tenant-namespace': 'true', [LABEL_FC_CLUSTER_ID]: remote.id}}}).catch(ignoreConflict)
    }
    if (fc.outgoingPhase !== 'Established') {
      await this.setPeering(fc.name, 'OutgoingPeering', 'Pending', 'KubeletPending', 'The remote cluster accepted the ResourceRequest; the virtual kubelet is starting')
      await this.delay
    }
    this.nodes.set(nodeName, {name: nodeName, client: home, kind: 'virtual', remote, ips: new IpPool(`10.${202 + (remote.index % 50)}`)})
    await ensureNode(home, virtualNodeBody(remote), 'virtual', this.o.capacity, `10.200.${remote.index % 250}.1`)
    await this.setPeering(fc.name, 'OutgoingPeering', 'Established', 'ResourceRequestAccepted', 'The ResourceRequest has been accepted by the remote cluster')
    await this.setIncomingOnRemote(remote, 'Established')
    for (const key of this.nsos.store.keys()) this.nsoQueue.add(key)
  }

  private async unpeer(fc: ForeignCluster | undefined, remote: EmuCluster): Promise<void | {requeueAfterMs: number}> {
    const home = this.o.home.client!
    const nodeName = virtualNodeName(remote)
    const node = this.homeNodes.store.get(nodeName)
    const hasConditions = [...this.nsos.store.values()].some((n) => n.remoteConditions[remote.id])
    if ((!fc || fc.outgoingPhase === 'None') && !node && !hasConditions) return
    if (fc && fc.outgoingPhase !== 'None' && fc.outgoingPhase !== 'Disconnecting') {
      await this.setPeering(fc.name, 'OutgoingPeering', 'Disconnecting', 'ResourceRequestDeleting', 'The ResourceRequest is being withdrawn')
      await this.delay
    }
    if (node && !node.deletionTimestamp) {
      await cordonNotReady(home, nodeName)
      if ((await this.drain(nodeName, fc?.name)) === 'aborted') {
        this.o.log(`node ${nodeName}: drain aborted, the peering is wanted again`)
        return
      }
      await home.delete(`/api/v1/nodes/${nodeName}`)
    }
    // Deleting the node's NamespaceMap tears down the remote namespaces; then the node finalizer goes.
    await this.detachRemoteNamespaces(remote)
    if (node) await home.patch(`/api/v1/nodes/${nodeName}`, {metadata: {finalizers: null}}, 'merge').catch(ignoreNotFound)
    this.nodes.delete(nodeName)
    if (fc && fc.outgoingPhase !== 'None') {
      await this.delay
      await this.setPeering(fc.name, 'OutgoingPeering', 'None', 'NoResourceRequest', 'No ResourceRequest has been created')
    }
    await this.setIncomingOnRemote(remote, 'None')
  }

  /** Evicts every pod of the node (PodDisruptionBudgets respected) and waits until they are gone. */
  private async drain(nodeName: string, fcName: string | undefined): Promise<'drained' | 'aborted'> {
    const warned = new Set<string>()
    for (;;) {
      if (this.abort.signal.aborted) return 'aborted'
      if (fcName && this.wantsPeering(this.fcs.store.get(fcName))) return 'aborted'
      const pods = [...this.homePods.store.values()].filter((p) => p.spec.nodeName === nodeName)
      if (pods.length === 0) return 'drained'
      const now = Date.now()
      await Promise.all(
        pods
          .filter((p) => !p.metadata.deletionTimestamp && (this.evictionRetryAt.get(p.metadata.uid) ?? 0) <= now)
          .map(async (p) => {
            const {namespace, name, uid} = p.metadata
            try {
              await this.o.home.client!.create(`/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
                apiVersion: 'policy/v1',
                kind: 'Eviction',
                metadata: {name, namespace},
              })
              this.evictionRetryAt.delete(uid)
            } catch (e) {
              if (e instanceof ApiError && e.isNotFound) return
              if (e instanceof ApiError && e.code === 429) {
                if (!warned.has(uid)) this.o.log(`drain ${nodeName}: eviction of ${namespace}/${name} refused: ${e.serverMessage}; retrying`)
                warned.add(uid)
                this.evictionRetryAt.set(uid, Date.now() + 2_000)
                return
              }
              throw e
            }
          }),
      )
      await sleep(200, this.abort.signal)
    }
  }

  // --- NamespaceOffloading controllers ---------------------------------------------------------

  private remoteNamespaceOf(namespace: string): string | undefined {
    const nso = this.nsos.store.get(`${namespace}/${NAMESPACE_OFFLOADING_NAME}`)
    if (!nso || nso.deletionTimestamp) return undefined
    return this.remoteNamespaceName(nso)
  }

  private remoteNamespaceName(nso: NamespaceOffloading): string {
    return nso.mappingStrategy === 'EnforceSameName' ? nso.namespace : `${nso.namespace}-${this.o.home.id}`
  }

  /** Remote clusters whose peering is up and whose virtual node can take pods. */
  private joinedClusters(): Array<{remote: EmuCluster; node: Node}> {
    const out: Array<{remote: EmuCluster; node: Node}> = []
    for (const remote of this.o.remotes) {
      const fc = this.fcByClusterId(remote.id)
      const node = this.homeNodes.store.get(virtualNodeName(remote))
      if (fc?.outgoingPhase === 'Established' && this.wantsPeering(fc) && node && !node.deletionTimestamp && !node.unschedulable) out.push({remote, node})
    }
    return out
  }

  private async patchNso(nso: NamespaceOffloading, body: Json): Promise<void> {
    // v0.3 has no status subresource: status is written through the main resource.
    await this.o.home.client!.patch(nsOffloadingPath(nso.namespace, nso.name), body, 'merge')
  }

  private async reconcileNso(key: string): Promise<void | {requeueAfterMs: number}> {
    const nso = this.nsos.store.get(key)
    if (!nso || nso.name !== NAMESPACE_OFFLOADING_NAME) return // v0.3 silently ignores other names
    if (nso.deletionTimestamp) return this.finalizeNso(nso)
    const home = this.o.home.client!
    const remoteName = this.remoteNamespaceName(nso)

    const setup: Json = {}
    if (!nso.finalizers.includes(NAMESPACE_OFFLOADING_FINALIZER)) setup.metadata = {finalizers: [...nso.finalizers, NAMESPACE_OFFLOADING_FINALIZER]}
    // v0.3 defaulting quirk: an empty clusterSelector is written back as "all virtual nodes".
    if (!nso.clusterSelector?.nodeSelectorTerms?.length) setup.spec = {clusterSelector: {nodeSelectorTerms: [IS_VIRTUAL_TERM]}}
    if (nso.remoteNamespaceName !== remoteName) setup.status = {remoteNamespaceName: remoteName}
    if (Object.keys(setup).length) {
      await this.patchNso(nso, setup)
      return // the change comes back through the watch
    }
    const ns = await home.getOrNull(`/api/v1/namespaces/${nso.namespace}`)
    if (ns && !ns.metadata.deletionTimestamp && ns.metadata.labels?.[LABEL_SCHEDULING_ENABLED] !== 'true') {
      await home.patch(`/api/v1/namespaces/${nso.namespace}`, {metadata: {labels: {[LABEL_SCHEDULING_ENABLED]: 'true'}}}, 'merge')
    }

    const terms = nso.clusterSelector?.nodeSelectorTerms ?? [IS_VIRTUAL_TERM]
    const conditions: Record<string, RemoteNamespaceCondition[]> = {...nso.remoteConditions}
    const changed: Record<string, RemoteNamespaceCondition[]> = {}
    let retry = false
    for (const {remote, node} of this.joinedClusters()) {
      const before = conditions[remote.id] ?? []
      let next: RemoteNamespaceCondition[]
      if (matchesTerms(node, terms)) {
        const ok = await this.ensureRemoteNamespace(remote, remoteName)
        if (!ok) retry = true
        next = ok
          ? withCondition(before.filter((c) => c.type === 'Ready'), {type: 'Ready', status: 'True', reason: 'RemoteNamespaceCreated', message: 'Namespace correctly created'})
          : withCondition(before.filter((c) => c.type === 'Ready'), {type: 'Ready', status: 'False', reason: 'CreationLoopBackOff', message: 'Some problems occurred during remote Namespace creation'})
      } else {
        next = withCondition(before.filter((c) => c.type === 'OffloadingRequired'), {
          type: 'OffloadingRequired',
          status: 'False',
          reason: 'ClusterNotSelected',
          message: 'You have not selected this cluster through ClusterSelector fields',
        })
      }
      if (JSON.stringify(next) !== JSON.stringify(before)) {
        changed[remote.id] = next
        conditions[remote.id] = next
      }
    }
    const phase = offloadingPhase(conditions, false)
    if (Object.keys(changed).length || phase !== nso.phase) {
      await this.patchNso(nso, {status: {offloadingPhase: phase, remoteNamespacesConditions: changed}})
      if (phase !== nso.phase) this.o.log(`namespaceoffloading ${key}: ${phase}`)
    }
    return retry ? {requeueAfterMs: 1_000} : undefined
  }

  /** Creates the remote namespace if missing; false while it cannot be (yet). */
  private async ensureRemoteNamespace(remote: EmuCluster, name: string): Promise<boolean> {
    const client = remote.client
    if (!client) return true // scale-scenario clusters have no API server behind them
    const ns = await client.getOrNull(`/api/v1/namespaces/${name}`)
    if (ns?.metadata?.deletionTimestamp) return false
    if (ns) return true
    try {
      await client.create('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {name, annotations: {[ANNOTATION_REMOTE_NAMESPACE]: this.o.home.id}},
      })
      this.o.log(`remote namespace ${name} created on ${remote.name}`)
      return true
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) return true
      this.o.log(`remote namespace ${name} on ${remote.name}: ${e instanceof Error ? e.message : String(e)}`)
      return false
    }
  }

  /** Deletes a remote namespace and waits until it is gone. */
  private async deleteRemoteNamespace(remote: EmuCluster, name: string): Promise<void> {
    const client = remote.client
    if (!client) return
    await client.delete(`/api/v1/namespaces/${name}`)
    const deadline = Date.now() + 120_000
    while (await client.getOrNull(`/api/v1/namespaces/${name}`)) {
      if (this.abort.signal.aborted) return
      if (Date.now() > deadline) throw new Error(`remote namespace ${name} on ${remote.name} is still terminating`)
      await sleep(200, this.abort.signal)
    }
    this.o.log(`remote namespace ${name} deleted on ${remote.name}`)
  }

  /** Unpeering: every NamespaceOffloading loses its remote namespace on that cluster, then its key. */
  private async detachRemoteNamespaces(remote: EmuCluster): Promise<void> {
    for (const nso of [...this.nsos.store.values()]) {
      if (!nso.remoteConditions[remote.id]) continue
      const terminating = [{type: 'Ready', status: 'False', reason: 'TerminatingNamespace', message: 'Remote namespace is being deleted', lastTransitionTime: nowIso()}]
      await this.patchNso(nso, {status: {remoteNamespacesConditions: {[remote.id]: terminating}}}).catch(ignoreNotFound)
      await this.deleteRemoteNamespace(remote, this.remoteNamespaceName(nso))
      await this.patchNso(nso, {status: {remoteNamespacesConditions: {[remote.id]: null}}}).catch(ignoreNotFound)
      this.nsoQueue.add(`${nso.namespace}/${nso.name}`)
    }
  }

  private async finalizeNso(nso: NamespaceOffloading): Promise<void | {requeueAfterMs: number}> {
    if (nso.phase !== 'Terminating') await this.patchNso(nso, {status: {offloadingPhase: 'Terminating'}})
    const remoteName = this.remoteNamespaceName(nso)
    // Remote namespaces go in parallel (one NamespaceMap per cluster in Liqo); an unreachable
    // cluster keeps its key, and so the finalizer, until it answers again.
    await Promise.all(
      Object.keys(nso.remoteConditions).map(async (id) => {
        const remote = this.byId.get(id)
        if (remote) {
          const conds = nso.remoteConditions[id] ?? []
          if (!conds.some((c) => c.reason === 'TerminatingNamespace')) {
            await this.patchNso(nso, {
              status: {remoteNamespacesConditions: {[id]: [{type: 'Ready', status: 'False', reason: 'TerminatingNamespace', message: 'Remote namespace is being deleted', lastTransitionTime: nowIso()}]}},
            })
          }
          await this.deleteRemoteNamespace(remote, remoteName)
        }
        await this.patchNso(nso, {status: {remoteNamespacesConditions: {[id]: null}}})
      }),
    )
    const ns = await this.o.home.client!.getOrNull(`/api/v1/namespaces/${nso.namespace}`)
    if (ns?.metadata?.labels?.[LABEL_SCHEDULING_ENABLED]) {
      await this.o.home.client!.patch(`/api/v1/namespaces/${nso.namespace}`, {metadata: {labels: {[LABEL_SCHEDULING_ENABLED]: null}}}, 'merge').catch(ignoreGoneNamespace)
    }
    if (nso.finalizers.includes(NAMESPACE_OFFLOADING_FINALIZER)) {
      await this.patchNso(nso, {metadata: {finalizers: nso.finalizers.filter((f) => f !== NAMESPACE_OFFLOADING_FINALIZER)}}).catch(ignoreNotFound)
      this.o.log(`namespaceoffloading ${nso.namespace}/${nso.name}: finalizer removed`)
    }
  }
}

function ignoreConflict(e: unknown): void {
  if (e instanceof ApiError && e.code === 409) return
  throw e
}

function ignoreGoneNamespace(e: unknown): void {
  if (e instanceof ApiError && (e.isNotFound || e.code === 409 || e.code === 422)) return
  throw e
}
