/**
 * Every domain wait of liqo-topology, on the one watch library (./wait-for.ts): a namespace's
 * rescheduling converged, a peering disabled (with its timeline) or enabled, an object gone, a
 * Deployment and its pods gone, a peering back to None, a cluster's cordon in force. Each wait names its sources by
 * kind (src/k8s/kinds.ts, the Liqo adapter) and judges them with the pure predicates of src/model/.
 */
import type {Clock} from '../toolkit/clock.js'
import type {KubeClient} from '../k8s/client.js'
import type {Kind} from '../k8s/kind.js'
import {DEPLOYMENTS, PODS, REPLICA_SETS} from '../k8s/kinds.js'
import type {Change} from '../k8s/reflector.js'
import type {LiqoAdapter, PeeringList} from '../liqo/adapter.js'
import {NODES, remoteClusterSelector} from '../liqo/nodes.js'
import {cordonPending, type CordonHolder} from '../model/cordon.js'
import {
  describeBlockers,
  describeConvergence,
  enableBlockers,
  evaluateNamespaces,
  liqoIdle,
  type ConvergenceState,
} from '../model/convergence.js'
import {clusterOfNode, indexForeignClusters, place, type ClusterRef} from '../model/placement.js'
import type {ForeignCluster, NamespaceOffloading, Node, Pod} from '../model/types.js'
import {
  clusterSources,
  namespaceSources,
  podsOf,
  reflectorsOf,
  rememberingSnapshot,
  type ClusterSources,
  type NamespaceSources,
  type WaitMemory,
} from './sources.js'
import {DisableTimeline, EnableTimeline, type MovedPod, type TimelineEvent} from './timeline.js'
import {retryConnectionErrors, waitFor, type Evaluation, type WaitOptions} from './wait-for.js'

export interface WaiterOptions {
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onProgress?: (message: string) => void
  /** Called when the API connection is lost or back. */
  onConnection?: (connected: boolean, detail: string) => void
}

/** A peering being changed, as the waits need it (a PeerPlan is one). */
export interface PeeringChange {
  fc: ForeignCluster
  cluster: ClusterRef
  /** disable: namespaces with pods on the cluster; enable: namespaces offloaded with Liqo. */
  namespaces: string[]
}

export interface DisableChange extends PeeringChange {
  /** The pods that leave the cluster. */
  impact?: {pods: Array<{namespace: string; name: string}>}
  /** Every pod of the namespaces before the change (namespace/name), to tell replacements apart. */
  existingPods: string[]
}

export interface Disabled {
  state: ConvergenceState
  /** The peering's phase when rescheduling converged (Liqo may still be tearing it down). */
  peeringPhase: string
  moved: MovedPod[]
  elapsedMs: number
}

type WaitSpec<R> = Pick<WaitOptions<R>, 'reflectors' | 'evaluate' | 'what' | 'hint' | 'onChange' | 'recheckMs'>

export class Waiter {
  constructor(
    private readonly client: KubeClient,
    private readonly liqo: LiqoAdapter,
    private readonly o: WaiterOptions,
  ) {}

  /** The same waits, on another cluster (e.g. the remote side of an unpeering). */
  on(client: KubeClient): Waiter {
    return new Waiter(client, this.liqo, this.o)
  }

  /** Until the namespaces have converged (optionally with no pod left on `awayFrom`). */
  async converged(
    namespaces: string[],
    c: {awayFrom?: {clusterId: string; name: string}; foreignClusters?: PeeringList} = {},
  ): Promise<{state: ConvergenceState; elapsedMs: number}> {
    const {ns, cluster} = this.convergenceSources(namespaces)
    if (c.foreignClusters) cluster.peerings.seed(c.foreignClusters)
    const memory: WaitMemory = {daemonSets: []}
    const r = await this.run({
      reflectors: reflectorsOf(ns, cluster),
      evaluate: () => this.evaluateConvergence(ns, cluster, memory, c.awayFrom),
      what: namespaces.length
        ? `rescheduling in ${namespaces.map((n) => `"${n}"`).join(', ')}`
        : `the peering with ${c.awayFrom?.name} to settle`,
      hint: 'pods stay Pending when no eligible cluster remains: check "liqo-topology pods where" and "peer list"',
    })
    return {state: r.result, elapsedMs: r.elapsedMs}
  }

  /** After disabling a peering: until its pods were rescheduled elsewhere, recording the timeline since `start`. */
  async disabled(change: DisableChange, start: number, timeline: TimelineEvent[]): Promise<Disabled> {
    const {ns, cluster} = this.convergenceSources(change.namespaces)
    const awayFrom = {clusterId: change.fc.clusterId, name: change.cluster.name}
    const clusterOf = (nodeName?: string) =>
      clusterOfNode(
        nodeName,
        new Map([...cluster.nodes.store.values()].map((n) => [n.name, n])),
        indexForeignClusters(cluster.peerings.current()),
      ).name
    const recorder = new DisableTimeline({...change, leaving: change.impact?.pods ?? []}, timeline, clusterOf)
    const memory: WaitMemory = {daemonSets: []}
    const r = await this.run({
      reflectors: reflectorsOf(ns, cluster),
      evaluate: () => {
        const e = this.evaluateConvergence(ns, cluster, memory, awayFrom)
        const idle = e.done
          ? undefined
          : liqoIdle(
              cluster.peerings.get(change.fc.name),
              [...cluster.nodes.store.values()],
              this.o.clock.now() - start,
              {
                advice: this.liqo.stalledDrainAdvice,
                pods: podsOf(ns),
              },
            )
        return idle
          ? {
              ...e,
              message: `${e.message}; ${idle.subject}: ${idle.detail}`,
              pending: [`${idle.subject}: ${idle.detail}`, ...e.pending],
            }
          : e
      },
      recheckMs: 1_000,
      what: `the topology to converge after disabling ${change.cluster.name}`,
      hint: 'run "liqo-topology pods where" to see what is left; Pending pods mean no eligible cluster remains',
      onChange: (source, changes, at) => {
        const t = at - start
        if (source === ns?.pods) recorder.pods(changes as Array<Change<Pod>>, t)
        if (source === cluster.nodes) recorder.nodes(changes as Array<Change<Node>>, t)
        if (cluster.peerings.synced()) recorder.peering(cluster.peerings.get(change.fc.name), t)
      },
    })
    const peeringPhase = cluster.peerings.get(change.fc.name)?.outgoingPhase ?? 'None'
    return {state: r.result, peeringPhase, moved: recorder.finish(), elapsedMs: this.o.clock.now() - start}
  }

  /** After enabling a peering: until it is Established, its virtual node Ready and its remote namespaces Ready. */
  async enabled(change: PeeringChange, start: number, timeline: TimelineEvent[]): Promise<number> {
    const policy = retryConnectionErrors(this.o.onConnection)
    const cluster = clusterSources(this.client, this.liqo, policy)
    const nsos = this.liqo.namespaceOffloadings.reflector(this.client, policy)
    const recorder = new EnableTimeline(change, timeline)
    const name = change.cluster.name
    await this.run<null>({
      reflectors: [...cluster.peerings.reflectors, cluster.nodes, nsos],
      evaluate: () => {
        const blockers = enableBlockers(
          cluster.peerings.get(change.fc.name),
          [...cluster.nodes.store.values()],
          [...nsos.store.values()],
        )
        const message = blockers.length
          ? `Waiting for ${name}: ${blockers.map((b) => b.detail).join(', ')}`
          : `${name} ready: peering Established, virtual node ` +
            `Ready${change.namespaces.length ? `, remote namespaces Ready (${change.namespaces.join(', ')})` : ''}`
        return {
          done: blockers.length === 0,
          message,
          pending: blockers.map((b) => `${b.subject}: ${b.detail}`),
          result: null,
        }
      },
      what: `the peering with ${name} to be ready`,
      hint: 'check "liqo-topology peer list" and the Liqo controller logs',
      onChange: (source, changes, at, initial) => {
        if (initial) return // the state we started from, not something that happened
        const t = at - start
        if (source === cluster.nodes) recorder.nodes(changes as Array<Change<Node>>, t)
        if (cluster.peerings.synced()) recorder.peering(cluster.peerings.get(change.fc.name), t)
        if (source === nsos) recorder.offloadings(changes as Array<Change<NamespaceOffloading>>, t)
      },
    })
    recorder.finish()
    return this.o.clock.now() - start
  }

  /** Until the object `name` of `kind` is gone; `describe` says why it is still there. */
  async gone<T>(
    kind: Kind<T>,
    name: string,
    o: {namespace?: string; what: string; describe: (obj: T) => string[]; hint: string},
  ): Promise<void> {
    const r = kind.reflector(this.client, {
      ...retryConnectionErrors(this.o.onConnection),
      ...(o.namespace ? {namespace: o.namespace} : {}),
      name,
    })
    await this.run({
      reflectors: [r],
      evaluate: () => {
        const obj = [...r.store.values()][0]
        return {
          done: !obj,
          message: obj ? `waiting for ${o.what} to be gone` : `${o.what} gone`,
          pending: obj ? o.describe(obj) : [],
          result: null,
        }
      },
      what: `${o.what} to be deleted`,
      hint: o.hint,
    })
  }

  /** Until a Deployment deleted in the foreground is gone; names its pods still there, and where. */
  async deploymentGone(namespace: string, name: string): Promise<void> {
    const policy = retryConnectionErrors(this.o.onConnection)
    const deployments = DEPLOYMENTS.reflector(this.client, {...policy, namespace, name})
    const replicasets = REPLICA_SETS.reflector(this.client, {...policy, namespace})
    const pods = PODS.reflector(this.client, {...policy, namespace})
    const {nodes, peerings} = clusterSources(this.client, this.liqo, policy)
    await this.run({
      reflectors: [deployments, replicasets, pods, nodes, ...peerings.reflectors],
      evaluate: () => {
        const d = [...deployments.store.values()][0]
        if (!d)
          return {done: true, message: `deployment ${namespace}/${name} and its pods gone`, pending: [], result: null}
        const rsUids = new Set(
          [...replicasets.store.values()].filter((rs) => rs.owner?.uid === d.uid).map((rs) => rs.uid),
        )
        const left = [...pods.store.values()].filter((p) => p.owner && rsUids.has(p.owner.uid))
        const placed = place(left, [...nodes.store.values()], peerings.current()).items
        const pending = placed.length
          ? placed.map((p) => `pod/${p.name}: ${p.status} on ${p.cluster.name}`)
          : [`deployment ${namespace}/${name}: still being deleted (ReplicaSets left: ${rsUids.size})`]
        return {
          done: false,
          message: `waiting for deployment ${namespace}/${name}: ${placed.length} pod(s) left`,
          pending,
          result: null,
        }
      },
      what: `deployment ${namespace}/${name} and its pods to be deleted`,
      hint:
        'pods stuck Terminating on a remote cluster usually mean that cluster is unreachable (liqo-topology ' +
        'peer list)',
    })
  }

  /** Until the outgoing peering with a cluster is None and its virtual node gone. */
  async peeringNone(p: {foreignCluster: string; cluster: string; clusterId: string}): Promise<void> {
    const policy = retryConnectionErrors(this.o.onConnection)
    const nodes = NODES.reflector(this.client, policy)
    const peerings = this.liqo.watchPeerings(this.client, policy, nodes, {name: p.foreignCluster})
    await this.run({
      reflectors: [...peerings.reflectors, nodes],
      evaluate: () => {
        const fc = peerings.get(p.foreignCluster)
        const node = [...nodes.store.values()].find((n) => n.virtual && n.remoteClusterId === p.clusterId)
        const pending = [
          ...(fc && fc.outgoingPhase !== 'None'
            ? [`foreigncluster ${fc.name}: outgoing peering ${fc.outgoingPhase}`]
            : []),
          ...(node ? [`node ${node.name}: still present${node.deletionTimestamp ? ' (being deleted)' : ''}`] : []),
        ]
        return {
          done: pending.length === 0,
          message: pending.length
            ? `waiting for the peering to ${p.cluster}: ${pending.join(', ')}`
            : `peering to ${p.cluster} is None`,
          pending,
          result: null,
        }
      },
      what: `the outgoing peering to ${p.cluster} to reach None`,
      hint: 'the virtual node drains first: pods that cannot be evicted (PodDisruptionBudgets) hold it',
    })
  }

  /**
   * Until `holder`'s cordon is in force (`on`) or gone on every virtual node of the cluster, as the
   * scheduler sees the Nodes (Liqo v1's virtual kubelet copies a VirtualNode's taints to its Node).
   */
  async cordon(c: {clusterId: string; cluster: string}, holder: CordonHolder, on: boolean): Promise<number> {
    const start = this.o.clock.now()
    const nodes = NODES.reflector(this.client, {
      ...retryConnectionErrors(this.o.onConnection),
      labelSelector: remoteClusterSelector(c.clusterId),
    })
    const verb = on ? 'cordoned' : 'uncordoned'
    await this.run({
      reflectors: [nodes],
      evaluate: () => {
        const pending = cordonPending([...nodes.store.values()], c.clusterId, holder, on)
        const message = pending.length ? `waiting for ${pending.join(', ')} to be ${verb}` : `${c.cluster} ${verb}`
        return {
          done: pending.length === 0,
          message,
          pending: pending.map((n) => `node ${n}: not yet ${verb}`),
          result: null,
        }
      },
      what: `the virtual nodes of ${c.cluster} to be ${verb}`,
    })
    return this.o.clock.now() - start
  }

  private convergenceSources(namespaces: string[]): {ns: NamespaceSources | undefined; cluster: ClusterSources} {
    const policy = retryConnectionErrors(this.o.onConnection)
    return {
      ns: namespaceSources(this.client, namespaces, policy),
      cluster: clusterSources(this.client, this.liqo, policy),
    }
  }

  /** One evaluation of a convergence wait; `memory` lives as long as the wait (./sources.ts). */
  private evaluateConvergence(
    ns: NamespaceSources | undefined,
    cluster: ClusterSources,
    memory: WaitMemory,
    awayFrom?: {clusterId: string; name: string},
  ): Evaluation<ConvergenceState> {
    const snap = rememberingSnapshot(ns, cluster, memory, awayFrom ? {awayFrom} : {})
    const state = evaluateNamespaces(snap.namespaces, snap.cluster)
    const label = ns?.namespaces.length ? ns.namespaces.join(', ') : `peering with ${awayFrom?.name ?? 'the cluster'}`
    return {
      done: state.converged,
      message: describeConvergence(state, label),
      pending: describeBlockers(state),
      result: state,
    }
  }

  private run<R>(spec: WaitSpec<R>) {
    return waitFor<R>({
      ...spec,
      timeoutMs: this.o.timeoutMs,
      signal: this.o.signal,
      clock: this.o.clock,
      ...(this.o.onProgress ? {onProgress: this.o.onProgress} : {}),
    })
  }
}
