/**
 * Liqo's virtual kubelet and the lab's plain kubelets, as the emulator plays them: a pod bound to
 * an emulated node becomes Running and Ready (an offloaded pod gets its remote twin first), a pod
 * being deleted is finished as a kubelet would (its twin removed first), a virtual node is drained
 * through the Eviction API when its peering goes, and every node's Lease is renewed. Like a kubelet's
 * status manager, the emulator keeps a started pod's status: when another writer turns it not Ready
 * (the node lifecycle controller does, from a stale view of a node just re-created), it writes it
 * back after a status sync period, until the API server has it.
 */
import type {Json} from 'liqo-topology/k8s/client'
import type {Reflector} from 'liqo-topology/k8s/reflector'
import type {Node} from 'liqo-topology/model/types'
import {sleep} from 'liqo-topology/toolkit/clock'
import {ApiError} from 'liqo-topology/toolkit/errors'
import {renewLease} from '../core/nodes.js'
import {postReady, runningConditions, runningStatus, twinBody, type EmulatedNode} from './kubelet.js'
import type {EmuCluster} from './model.js'

/** Trimmed pod kept in the emulator's stores. */
export interface PodEntry {
  metadata: {name: string; namespace: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string}
  spec: Json
  status: {phase?: string; conditions?: Json[]; startTime?: string}
}

export function toPodEntry(raw: Json): PodEntry {
  const md = raw.metadata ?? {}
  return {
    metadata: {
      name: md.name,
      namespace: md.namespace,
      uid: md.uid,
      labels: md.labels,
      deletionTimestamp: md.deletionTimestamp,
    },
    spec: {
      nodeName: raw.spec?.nodeName,
      containers: raw.spec?.containers,
      restartPolicy: raw.spec?.restartPolicy,
      terminationGracePeriodSeconds: raw.spec?.terminationGracePeriodSeconds,
    },
    status: {phase: raw.status?.phase, conditions: raw.status?.conditions, startTime: raw.status?.startTime},
  }
}

/** How long a started pod's status may differ from the kubelet's before it is written back. */
export const STATUS_SYNC_MS = 2_000

function isRunningReady(p: PodEntry): boolean {
  return (
    p.status.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  )
}

export interface KubeletContext {
  home: EmuCluster
  /** Nodes the emulator plays the kubelet for, by name. */
  nodes: Map<string, EmulatedNode>
  homePods: Reflector<PodEntry>
  /** The home cluster's nodes, watched. */
  homeNodes: Reflector<Node>
  remotePods: Map<string, Reflector<PodEntry>>
  signal: AbortSignal
  log: (msg: string) => void
  /** The remote namespace of an offloaded namespace (the NamespaceOffloading controller knows it). */
  remoteNamespaceOf(namespace: string): string | undefined
}

export class VirtualKubelet {
  /** Remote namespace of each offloaded pod (by UID), to delete its twin after the fact. */
  private readonly twinNamespaces = new Map<string, string>()
  private readonly started = new Set<string>()
  /** When the status of a started pod seen not Ready is written back, by UID. */
  private readonly resyncAt = new Map<string, number>()
  private readonly evictionRetryAt = new Map<string, number>()

  constructor(private readonly c: KubeletContext) {}

  /**
   * The node heartbeat of every emulated node, as a kubelet's: renews its Lease, and posts its status
   * again when the API server's differs from what the kubelet reports (Ready, unless its peering is
   * being withdrawn). A beat that fails while the API server is away is followed by the next one on
   * the same period, which posts once the API server answers.
   */
  async beat(): Promise<void> {
    await Promise.all(
      [...this.c.nodes.values()].map(async (n) => {
        try {
          await renewLease(n.client, n.name)
          if (!n.withdrawn && (await this.notReady(n))) {
            await postReady(n.client, n.name)
            this.c.log(`node ${n.name}: posted Ready again`)
          }
        } catch (e) {
          if (!this.c.signal.aborted)
            this.c.log(`heartbeat of node ${n.name}: ${e instanceof Error ? e.message : String(e)}`)
        }
      }),
    )
  }

  /** Whether the API server has the node, not Ready: the home cluster's nodes from the watched store. */
  private async notReady(n: EmulatedNode): Promise<boolean> {
    if (n.client === this.c.home.client) {
      const node = this.c.homeNodes.store.get(n.name)
      return !!node && !node.deletionTimestamp && !node.ready
    }
    const raw = await n.client.getOrNull(`/api/v1/nodes/${n.name}`)
    const ready = ((raw?.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Ready')
    return !!raw && !raw.metadata?.deletionTimestamp && ready?.status !== 'True'
  }

  async reconcileHomePod(key: string): Promise<void | {requeueAfterMs: number}> {
    const p = this.c.homePods.store.get(key)
    if (!p) return
    const node = this.c.nodes.get(p.spec.nodeName)
    if (!node) return
    const client = node.client
    if (p.metadata.deletionTimestamp) {
      if (node.kind === 'virtual' && node.remote?.client) {
        const ns = this.twinNamespaces.get(p.metadata.uid) ?? this.c.remoteNamespaceOf(p.metadata.namespace)
        if (ns) await node.remote.client.delete(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}`)
      }
      await this.finishPod(client, p)
      return
    }
    if (this.inSync(p)) return
    if (this.started.has(p.metadata.uid)) return this.resync(client, p)
    if (node.kind === 'virtual' && node.remote?.client) {
      const remoteNs = this.c.remoteNamespaceOf(p.metadata.namespace)
      if (!remoteNs) {
        this.c.log(`pod ${key} is on ${node.name} but namespace ${p.metadata.namespace} is not offloaded; waiting`)
        return {requeueAfterMs: 2_000}
      }
      const raw = await client.getOrNull(`/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`)
      if (!raw || raw.metadata.uid !== p.metadata.uid) return
      try {
        await node.remote.client.create(
          `/api/v1/namespaces/${remoteNs}/pods`,
          twinBody(raw, remoteNs, this.c.home, node.remote),
        )
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e
      }
      this.twinNamespaces.set(p.metadata.uid, remoteNs)
    }
    await this.markRunning(client, p, node)
  }

  async reconcileRemotePod(cluster: EmuCluster, key: string): Promise<void | {requeueAfterMs: number}> {
    const p = this.c.remotePods.get(cluster.name)!.store.get(key)
    if (!p) return
    const node = this.c.nodes.get(p.spec.nodeName)
    if (!node) return
    if (p.metadata.deletionTimestamp) return this.finishPod(node.client, p)
    if (this.inSync(p)) return
    if (this.started.has(p.metadata.uid)) return this.resync(node.client, p)
    await this.markRunning(node.client, p, node)
  }

  /** Whether the API server has the status the kubelet reports (Running and Ready). */
  private inSync(p: PodEntry): boolean {
    if (!isRunningReady(p)) return false
    this.resyncAt.delete(p.metadata.uid)
    return true
  }

  /**
   * A started pod seen not Running and Ready: its containers still run, so the kubelet's status is
   * written back once a status sync period has passed (an update of ours still on its way to the
   * store has arrived by then, and a writer working from a stale view has caught up).
   */
  private async resync(client: EmulatedNode['client'], p: PodEntry): Promise<void | {requeueAfterMs: number}> {
    const uid = p.metadata.uid
    // A pod in a terminal phase stays so (the API server refuses the way back).
    if (p.status.phase === 'Succeeded' || p.status.phase === 'Failed') return
    const now = Date.now()
    const due = this.resyncAt.get(uid) ?? now + STATUS_SYNC_MS
    if (now < due) {
      this.resyncAt.set(uid, due)
      return {requeueAfterMs: due - now}
    }
    this.resyncAt.delete(uid)
    const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`
    const status = {phase: 'Running', conditions: runningConditions(p.status.conditions)}
    try {
      await client.patch(path, {metadata: {uid}, status}, 'merge')
      this.c.log(`pod ${p.metadata.namespace}/${p.metadata.name}: status written back (another writer changed it)`)
    } catch (e) {
      if (e instanceof ApiError && (e.isNotFound || e.isConflict)) return // gone or replaced meanwhile
      throw e
    }
  }

  private async markRunning(client: EmulatedNode['client'], p: PodEntry, node: EmulatedNode): Promise<void> {
    const path = `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`
    const hostIP = node.kind === 'virtual' ? '10.200.0.1' : '172.18.0.2'
    try {
      await client.patch(
        path,
        {metadata: {uid: p.metadata.uid}, ...runningStatus(p as unknown as Json, node.ips.next(), hostIP)},
        'merge',
      )
      this.started.add(p.metadata.uid)
    } catch (e) {
      if (e instanceof ApiError && (e.isNotFound || e.isConflict)) return // gone or replaced meanwhile
      throw e
    }
  }

  /** What the kubelet does once the containers have stopped: delete with grace 0, UID-guarded. */
  private async finishPod(client: EmulatedNode['client'], p: PodEntry): Promise<void> {
    try {
      await client.delete(`/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`, {
        gracePeriodSeconds: 0,
        preconditionsUid: p.metadata.uid,
      })
    } catch (e) {
      if (!(e instanceof ApiError && e.isConflict)) throw e
    }
    this.started.delete(p.metadata.uid)
    this.resyncAt.delete(p.metadata.uid)
    this.twinNamespaces.delete(p.metadata.uid)
  }

  /**
   * Evicts every pod of the node (PodDisruptionBudgets respected) and waits until they are gone;
   * 'aborted' as soon as `wantedAgain` says the peering is wanted back.
   */
  async drain(nodeName: string, wantedAgain: () => boolean): Promise<'drained' | 'aborted'> {
    const warned = new Set<string>()
    for (;;) {
      if (this.c.signal.aborted || wantedAgain()) return 'aborted'
      const pods = [...this.c.homePods.store.values()].filter((p) => p.spec.nodeName === nodeName)
      if (pods.length === 0) return 'drained'
      const now = Date.now()
      const due = pods.filter(
        (p) => !p.metadata.deletionTimestamp && (this.evictionRetryAt.get(p.metadata.uid) ?? 0) <= now,
      )
      await Promise.all(due.map((p) => this.evict(nodeName, p, warned)))
      await sleep(200, this.c.signal)
    }
  }

  /** One eviction; a refusal (429, a PodDisruptionBudget) is retried after 2s, and logged once. */
  private async evict(nodeName: string, p: PodEntry, warned: Set<string>): Promise<void> {
    const {namespace, name, uid} = p.metadata
    try {
      await this.c.home.client!.create(`/api/v1/namespaces/${namespace}/pods/${name}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: {name, namespace},
      })
      this.evictionRetryAt.delete(uid)
    } catch (e) {
      if (e instanceof ApiError && e.isNotFound) return
      if (e instanceof ApiError && e.code === 429) {
        if (!warned.has(uid))
          this.c.log(`drain ${nodeName}: eviction of ${namespace}/${name} refused: ${e.serverMessage}; retrying`)
        warned.add(uid)
        this.evictionRetryAt.set(uid, Date.now() + 2_000)
        return
      }
      throw e
    }
  }
}
