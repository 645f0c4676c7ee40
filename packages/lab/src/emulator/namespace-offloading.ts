/**
 * Liqo v0.3's NamespaceOffloading controllers, as the emulator plays them: the finalizer and the
 * v0.3 defaults, the `liqo.io/scheduling-enabled` label on the namespace, one remote namespace per
 * selected and joined cluster with its condition, the offloading phase; and the teardown when the
 * NamespaceOffloading is deleted or a peering goes.
 */
import type {Json} from 'liqo-topology/k8s/client'
import {Reflector} from 'liqo-topology/k8s/reflector'
import {
  ANNOTATION_REMOTE_NAMESPACE,
  LABEL_NODE_TYPE,
  LABEL_SCHEDULING_ENABLED,
  NAMESPACE_OFFLOADING_FINALIZER,
  NAMESPACE_OFFLOADING_NAME,
  VIRTUAL_NODE_TYPE,
  nsOffloadingPath,
} from 'liqo-topology/liqo/constants'
import {matchesTerms} from 'liqo-topology/model/scheduling'
import type {
  ForeignCluster,
  NamespaceOffloading,
  Node,
  NodeSelectorTerm,
  RemoteNamespaceCondition,
} from 'liqo-topology/model/types'
import {ApiError} from 'liqo-topology/toolkit/errors'
import {ignoreNotFound} from './kubelet.js'
import {
  fcByClusterId,
  nowIso,
  offloadingPhase,
  virtualNodeName,
  wantsPeering,
  withCondition,
  type EmuCluster,
} from './model.js'

const IS_VIRTUAL_TERM: NodeSelectorTerm = {
  matchExpressions: [{key: LABEL_NODE_TYPE, operator: 'In', values: [VIRTUAL_NODE_TYPE]}],
}

export interface OffloadingContext {
  home: EmuCluster
  /** Every remote cluster of the lab (grows with the scale scenario). */
  remotes: EmuCluster[]
  byId: Map<string, EmuCluster>
  nsos: Reflector<NamespaceOffloading>
  fcs: Reflector<ForeignCluster>
  homeNodes: Reflector<Node>
  signal: AbortSignal
  log: (msg: string) => void
  /** Queues a NamespaceOffloading (namespace/name) for reconciliation. */
  requeue(key: string): void
}

export class NamespaceOffloadingController {
  constructor(private readonly c: OffloadingContext) {}

  /** The remote namespace of an offloaded namespace; undefined when it is not offloaded. */
  remoteNamespaceOf(namespace: string): string | undefined {
    const nso = this.c.nsos.store.get(`${namespace}/${NAMESPACE_OFFLOADING_NAME}`)
    if (!nso || nso.deletionTimestamp) return undefined
    return this.remoteNamespaceName(nso)
  }

  /** Whether some NamespaceOffloading still has a remote namespace (a condition) on that cluster. */
  offloadsTo(clusterId: string): boolean {
    return [...this.c.nsos.store.values()].some((n) => n.remoteConditions[clusterId])
  }

  /** Every NamespaceOffloading again (a cluster joined or left). */
  requeueAll(): void {
    for (const key of this.c.nsos.store.keys()) this.c.requeue(key)
  }

  async reconcile(key: string): Promise<void | {requeueAfterMs: number}> {
    const nso = this.c.nsos.store.get(key)
    if (!nso || nso.name !== NAMESPACE_OFFLOADING_NAME) return // v0.3 silently ignores other names
    if (nso.deletionTimestamp) return this.finalize(nso)
    if (await this.setUp(nso)) return // the change comes back through the watch
    await this.enableScheduling(nso.namespace)
    const {changed, conditions, retry} = await this.remoteNamespaces(nso)
    const phase = offloadingPhase(conditions, false)
    if (Object.keys(changed).length || phase !== nso.phase) {
      await this.patch(nso, {status: {offloadingPhase: phase, remoteNamespacesConditions: changed}})
      if (phase !== nso.phase) this.c.log(`namespaceoffloading ${key}: ${phase}`)
    }
    return retry ? {requeueAfterMs: 1_000} : undefined
  }

  /** Unpeering: every NamespaceOffloading loses its remote namespace on that cluster, then its key. */
  async detachRemoteNamespaces(remote: EmuCluster): Promise<void> {
    for (const nso of [...this.c.nsos.store.values()]) {
      if (!nso.remoteConditions[remote.id]) continue
      await this.patch(nso, {status: {remoteNamespacesConditions: {[remote.id]: terminatingConditions()}}}).catch(
        ignoreNotFound,
      )
      await this.deleteRemoteNamespace(remote, this.remoteNamespaceName(nso))
      await this.patch(nso, {status: {remoteNamespacesConditions: {[remote.id]: null}}}).catch(ignoreNotFound)
      this.c.requeue(`${nso.namespace}/${nso.name}`)
    }
  }

  private remoteNamespaceName(nso: NamespaceOffloading): string {
    return nso.mappingStrategy === 'EnforceSameName' ? nso.namespace : `${nso.namespace}-${this.c.home.id}`
  }

  /** The finalizer, v0.3's defaulted clusterSelector and status.remoteNamespaceName; true when it patched. */
  private async setUp(nso: NamespaceOffloading): Promise<boolean> {
    const setup: Json = {}
    if (!nso.finalizers.includes(NAMESPACE_OFFLOADING_FINALIZER))
      setup.metadata = {finalizers: [...nso.finalizers, NAMESPACE_OFFLOADING_FINALIZER]}
    // v0.3 defaulting quirk: an empty clusterSelector is written back as "all virtual nodes".
    if (!nso.clusterSelector?.nodeSelectorTerms?.length)
      setup.spec = {clusterSelector: {nodeSelectorTerms: [IS_VIRTUAL_TERM]}}
    const remoteName = this.remoteNamespaceName(nso)
    if (nso.remoteNamespaceName !== remoteName) setup.status = {remoteNamespaceName: remoteName}
    if (!Object.keys(setup).length) return false
    await this.patch(nso, setup)
    return true
  }

  /** The label that makes the pod webhook act on the namespace. */
  private async enableScheduling(namespace: string): Promise<void> {
    const home = this.c.home.client!
    const ns = await home.getOrNull(`/api/v1/namespaces/${namespace}`)
    if (ns && !ns.metadata.deletionTimestamp && ns.metadata.labels?.[LABEL_SCHEDULING_ENABLED] !== 'true') {
      await home.patch(
        `/api/v1/namespaces/${namespace}`,
        {metadata: {labels: {[LABEL_SCHEDULING_ENABLED]: 'true'}}},
        'merge',
      )
    }
  }

  /** A remote namespace on every joined cluster the clusterSelector selects; the conditions that changed. */
  private async remoteNamespaces(nso: NamespaceOffloading): Promise<{
    changed: Record<string, RemoteNamespaceCondition[]>
    conditions: Record<string, RemoteNamespaceCondition[]>
    retry: boolean
  }> {
    const terms = nso.clusterSelector?.nodeSelectorTerms ?? [IS_VIRTUAL_TERM]
    const remoteName = this.remoteNamespaceName(nso)
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
          ? withCondition(
              before.filter((c) => c.type === 'Ready'),
              {type: 'Ready', status: 'True', reason: 'RemoteNamespaceCreated', message: 'Namespace correctly created'},
            )
          : withCondition(
              before.filter((c) => c.type === 'Ready'),
              {
                type: 'Ready',
                status: 'False',
                reason: 'CreationLoopBackOff',
                message: 'Some problems occurred during remote Namespace creation',
              },
            )
      } else {
        next = withCondition(
          before.filter((c) => c.type === 'OffloadingRequired'),
          {
            type: 'OffloadingRequired',
            status: 'False',
            reason: 'ClusterNotSelected',
            message: 'You have not selected this cluster through ClusterSelector fields',
          },
        )
      }
      if (JSON.stringify(next) !== JSON.stringify(before)) {
        changed[remote.id] = next
        conditions[remote.id] = next
      }
    }
    return {changed, conditions, retry}
  }

  /** Remote clusters whose peering is up and whose virtual node can take pods. */
  private joinedClusters(): Array<{remote: EmuCluster; node: Node}> {
    const out: Array<{remote: EmuCluster; node: Node}> = []
    for (const remote of this.c.remotes) {
      const fc = fcByClusterId(this.c.fcs, remote.id)
      const node = this.c.homeNodes.store.get(virtualNodeName(remote))
      if (
        fc?.outgoingPhase === 'Established' &&
        wantsPeering(fc) &&
        node &&
        !node.deletionTimestamp &&
        !node.unschedulable
      )
        out.push({remote, node})
    }
    return out
  }

  private async patch(nso: NamespaceOffloading, body: Json): Promise<void> {
    // v0.3 has no status subresource: status is written through the main resource.
    await this.c.home.client!.patch(nsOffloadingPath(nso.namespace, nso.name), body, 'merge')
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
        metadata: {name, annotations: {[ANNOTATION_REMOTE_NAMESPACE]: this.c.home.id}},
      })
      this.c.log(`remote namespace ${name} created on ${remote.name}`)
      return true
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) return true
      this.c.log(`remote namespace ${name} on ${remote.name}: ${e instanceof Error ? e.message : String(e)}`)
      return false
    }
  }

  /**
   * Deletes a remote namespace and waits until it is gone, watching it (as Liqo's controllers see
   * it, through a watch): the namespace controller empties it first, which takes seconds, and polling
   * it meanwhile was most of what the emulator asked the remote API servers (docs/benchmarks.md).
   */
  private async deleteRemoteNamespace(remote: EmuCluster, name: string): Promise<void> {
    const client = remote.client
    if (!client) return
    await client.delete(`/api/v1/namespaces/${name}`)
    const ctl = new AbortController()
    const stop = () => ctl.abort()
    this.c.signal.addEventListener('abort', stop, {once: true})
    const timer = setTimeout(stop, 120_000)
    const ns = new Reflector<Json>(client, '/api/v1/namespaces', {
      fieldSelector: `metadata.name=${name}`,
      map: (raw) => raw,
    })
    try {
      await new Promise<void>((resolve, reject) => {
        const gone = () => (ns.synced && ns.store.size === 0 ? resolve() : undefined)
        ns.run(ctl.signal, gone).then(resolve, reject)
        void ns.whenSynced().then(gone)
      })
    } finally {
      ctl.abort()
      clearTimeout(timer)
      this.c.signal.removeEventListener('abort', stop)
    }
    if (this.c.signal.aborted) return
    if (!ns.synced || ns.store.size) throw new Error(`remote namespace ${name} on ${remote.name} is still terminating`)
    this.c.log(`remote namespace ${name} deleted on ${remote.name}`)
  }

  private async finalize(nso: NamespaceOffloading): Promise<void | {requeueAfterMs: number}> {
    if (nso.phase !== 'Terminating') await this.patch(nso, {status: {offloadingPhase: 'Terminating'}})
    const remoteName = this.remoteNamespaceName(nso)
    // Remote namespaces go in parallel (one NamespaceMap per cluster in Liqo); an unreachable
    // cluster keeps its key, and so the finalizer, until it answers again.
    await Promise.all(
      Object.keys(nso.remoteConditions).map(async (id) => {
        const remote = this.c.byId.get(id)
        if (remote) {
          const conds = nso.remoteConditions[id] ?? []
          if (!conds.some((c) => c.reason === 'TerminatingNamespace'))
            await this.patch(nso, {status: {remoteNamespacesConditions: {[id]: terminatingConditions()}}})
          await this.deleteRemoteNamespace(remote, remoteName)
        }
        await this.patch(nso, {status: {remoteNamespacesConditions: {[id]: null}}})
      }),
    )
    const home = this.c.home.client!
    const ns = await home.getOrNull(`/api/v1/namespaces/${nso.namespace}`)
    if (ns?.metadata?.labels?.[LABEL_SCHEDULING_ENABLED]) {
      await home
        .patch(`/api/v1/namespaces/${nso.namespace}`, {metadata: {labels: {[LABEL_SCHEDULING_ENABLED]: null}}}, 'merge')
        .catch(ignoreGoneNamespace)
    }
    if (nso.finalizers.includes(NAMESPACE_OFFLOADING_FINALIZER)) {
      await this.patch(nso, {
        metadata: {finalizers: nso.finalizers.filter((f) => f !== NAMESPACE_OFFLOADING_FINALIZER)},
      }).catch(ignoreNotFound)
      this.c.log(`namespaceoffloading ${nso.namespace}/${nso.name}: finalizer removed`)
    }
  }
}

/** The condition of a remote namespace being deleted. */
function terminatingConditions(): RemoteNamespaceCondition[] {
  return [
    {
      type: 'Ready',
      status: 'False',
      reason: 'TerminatingNamespace',
      message: 'Remote namespace is being deleted',
      lastTransitionTime: nowIso(),
    },
  ]
}

function ignoreGoneNamespace(e: unknown): void {
  if (e instanceof ApiError && (e.isNotFound || e.code === 409 || e.code === 422)) return
  throw e
}
