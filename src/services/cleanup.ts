/**
 * `cleanup`: compute the teardown plan from the current state (src/model/cleanup-plan.ts), then
 * run its steps in order, each waited for through watches. Stuck finalizers are reported with the
 * object, the finalizer and the clusters still listed; never removed.
 */
import type {Clock} from '../toolkit/clock.js'
import {InterruptedError, WaitTimeoutError} from '../toolkit/errors.js'
import type {Json, KubeClient} from '../k8s/client.js'
import {toForeignCluster, toNamespace, toNamespaceOffloading, toNode, toPod, toWorkload} from '../k8s/map.js'
import {Reflector} from '../k8s/reflector.js'
import {fcPath, nsOffloadingPath} from '../liqo/constants.js'
import {detectLiqo, requirePeeringApi} from '../liqo/detect.js'
import {describeStep, planCleanup, type CleanupPlan, type CleanupStep} from '../model/cleanup-plan.js'
import {clusterDisplayName, indexForeignClusters, place} from '../model/placement.js'
import type {ForeignCluster, Namespace, NamespaceOffloading, Node} from '../model/types.js'
import {retryConnectionErrors, waitFor} from '../wait/wait-for.js'
import type {AccessCheck} from './access.js'
import {patchOutgoing} from './peer.js'

export interface CleanupPlanOptions {
  namespace: string
  deployments: string[]
  keepPeering: boolean
}

export type LoadedCleanupPlan = CleanupPlan & {context: string; foreignClusters: ForeignCluster[]}

export async function loadCleanupPlan(client: KubeClient, o: CleanupPlanOptions): Promise<LoadedCleanupPlan> {
  requirePeeringApi(await detectLiqo(client), client.context)
  const ns = encodeURIComponent(o.namespace)
  const [namespaceRaw, deployments, nsos, fcs] = await Promise.all([
    client.getOrNull(`/api/v1/namespaces/${ns}`),
    client.list(`/apis/apps/v1/namespaces/${ns}/deployments`, {}, (r) => toWorkload(r, 'Deployment')),
    client.list(nsOffloadingPath(o.namespace), {}, toNamespaceOffloading),
    client.list(fcPath(), {}, toForeignCluster),
  ])
  const plan = planCleanup(
    {
      namespace: o.namespace,
      ...(namespaceRaw ? {namespaceObj: toNamespace(namespaceRaw)} : {}),
      deployments: deployments.items,
      nsos: nsos.items,
      fcs: fcs.items,
    },
    {deployments: o.deployments, keepPeering: o.keepPeering},
  )
  return {...plan, context: client.context, foreignClusters: fcs.items}
}

/** Every permission the plan's steps need, checked before the first one runs. */
export function cleanupAccessChecks(plan: CleanupPlan): AccessCheck[] {
  const checks: AccessCheck[] = []
  for (const s of plan.steps) {
    if ('alreadyDeleting' in s && s.alreadyDeleting) continue
    if (s.kind === 'delete-deployment') checks.push({verb: 'delete', group: 'apps', resource: 'deployments', namespace: s.namespace, name: s.name})
    if (s.kind === 'delete-namespaceoffloading') checks.push({verb: 'delete', group: 'offloading.liqo.io', resource: 'namespaceoffloadings', namespace: s.namespace, name: s.name})
    if (s.kind === 'delete-namespace') checks.push({verb: 'delete', group: '', resource: 'namespaces', name: s.namespace})
    if (s.kind === 'disable-peering' && s.outgoing !== 'No') checks.push({verb: 'patch', group: 'discovery.liqo.io', resource: 'foreignclusters', name: s.foreignCluster})
  }
  return checks
}

export interface CleanupRunOptions {
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onStep?: (index: number, total: number, step: CleanupStep) => void
  onProgress?: (m: string) => void
  onConnection?: (connected: boolean, detail: string) => void
}

export interface CleanupDone {
  step: CleanupStep
  /** kubectl-style line, e.g. `deployment.apps/nginx-deployment deleted`. */
  line: string
  elapsedMs: number
}

/** Waits until the object `name` of a collection is gone; `describe` says why it is still there. */
async function waitGone<T>(
  client: KubeClient,
  o: CleanupRunOptions,
  collection: string,
  name: string,
  map: (raw: Json) => T,
  what: string,
  describe: (obj: T) => string[],
  hint: string,
): Promise<void> {
  const policy = retryConnectionErrors(o.onConnection)
  const r = new Reflector(client, collection, {...policy, fieldSelector: `metadata.name=${name}`, map})
  await waitFor({
    reflectors: [r],
    evaluate: () => {
      const obj = [...r.store.values()][0]
      return {done: !obj, message: obj ? `waiting for ${what} to be gone` : `${what} gone`, pending: obj ? describe(obj) : [], result: null}
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `${what} to be deleted`,
    hint,
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
}

function nsoStillThere(nso: NamespaceOffloading, fcsById: Map<string, ForeignCluster>): string[] {
  const clusters = Object.entries(nso.remoteConditions).map(([id, conds]) => {
    const fc = fcsById.get(id)
    const c = conds.find((x) => x.type === 'Ready') ?? conds[0]
    return `${fc ? clusterDisplayName(fc) : id}${c ? ` (${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''})` : ''}`
  })
  return [
    `namespaceoffloading ${nso.namespace}/${nso.name} still has finalizer(s) ${nso.finalizers.join(', ') || '<none>'}` +
      (clusters.length ? `, waiting for remote namespaces on: ${clusters.join(', ')}` : ''),
  ]
}

function namespaceStillThere(ns: Namespace): string[] {
  const reasons = ns.conditions.filter((c) => c.status === 'True' && c.message).map((c) => `${c.reason ?? c.type}: ${c.message}`)
  return [`namespace ${ns.name} is ${ns.phase}${ns.finalizers.length ? ` (finalizers: ${ns.finalizers.join(', ')})` : ''}`, ...reasons]
}

export async function runCleanup(client: KubeClient, plan: LoadedCleanupPlan, o: CleanupRunOptions): Promise<CleanupDone[]> {
  const done: CleanupDone[] = []
  const fcsById = indexForeignClusters(plan.foreignClusters)
  const total = plan.steps.length
  for (const [i, step] of plan.steps.entries()) {
    const started = o.clock.now()
    o.onStep?.(i + 1, total, step)
    try {
      done.push({step, line: await runStep(client, step, o, fcsById), elapsedMs: o.clock.now() - started})
    } catch (e) {
      const where = `cleanup stopped at step ${i + 1}/${total} (${describeStep(step)})`
      const resume = 'run the same cleanup again to resume from what is left'
      if (e instanceof WaitTimeoutError) throw new WaitTimeoutError(`${e.message}`, e.pending, `${where}; ${resume}; a stuck finalizer is never removed by this tool`)
      if (e instanceof InterruptedError) throw new InterruptedError(`interrupted: ${where}`, resume)
      throw e
    }
  }
  return done
}

async function runStep(client: KubeClient, step: CleanupStep, o: CleanupRunOptions, fcsById: Map<string, ForeignCluster>): Promise<string> {
  switch (step.kind) {
    case 'delete-deployment': {
      const path = `/apis/apps/v1/namespaces/${encodeURIComponent(step.namespace)}/deployments`
      // Foreground: the Deployment goes only after its ReplicaSets and pods are gone.
      if (!step.alreadyDeleting) await client.delete(`${path}/${encodeURIComponent(step.name)}`, {propagationPolicy: 'Foreground'})
      await waitDeploymentGone(client, step, o)
      return `deployment.apps/${step.name} deleted (namespace ${step.namespace})`
    }
    case 'delete-namespaceoffloading': {
      const path = nsOffloadingPath(step.namespace)
      if (!step.alreadyDeleting) await client.delete(nsOffloadingPath(step.namespace, step.name))
      await waitGone(client, o, path, step.name, toNamespaceOffloading, `namespaceoffloading ${step.namespace}/${step.name}`, (n) => nsoStillThere(n, fcsById), 'Liqo removes the finalizer once every remote namespace is deleted; an unreachable remote cluster keeps it')
      return `namespaceoffloading.offloading.liqo.io/${step.name} deleted (namespace ${step.namespace})`
    }
    case 'delete-namespace': {
      if (!step.alreadyDeleting) await client.delete(`/api/v1/namespaces/${encodeURIComponent(step.namespace)}`)
      await waitGone(client, o, '/api/v1/namespaces', step.namespace, toNamespace, `namespace ${step.namespace}`, namespaceStillThere, 'see what is left with: kubectl get all -n ' + step.namespace)
      return `namespace/${step.namespace} deleted`
    }
    case 'disable-peering': {
      if (step.outgoing !== 'No') {
        const fc = await client.getOrNull(fcPath(step.foreignCluster))
        if (fc) await patchOutgoing(client, toForeignCluster(fc), 'No')
      }
      await waitPeeringNone(client, step, o)
      return `foreigncluster.discovery.liqo.io/${step.foreignCluster} outgoing peering disabled (None)`
    }
  }
}

/** Waits for a Deployment deleted in the foreground; names its pods still there, and where. */
async function waitDeploymentGone(client: KubeClient, step: Extract<CleanupStep, {kind: 'delete-deployment'}>, o: CleanupRunOptions): Promise<void> {
  const policy = retryConnectionErrors(o.onConnection)
  const ns = encodeURIComponent(step.namespace)
  const deployments = new Reflector(client, `/apis/apps/v1/namespaces/${ns}/deployments`, {...policy, fieldSelector: `metadata.name=${step.name}`, map: (r) => toWorkload(r, 'Deployment')})
  const replicasets = new Reflector(client, `/apis/apps/v1/namespaces/${ns}/replicasets`, {...policy, map: (r) => toWorkload(r, 'ReplicaSet')})
  const pods = new Reflector(client, `/api/v1/namespaces/${ns}/pods`, {...policy, map: toPod})
  const nodes = new Reflector(client, '/api/v1/nodes', {...policy, map: toNode})
  const fcs = new Reflector(client, fcPath(), {...policy, map: toForeignCluster})
  await waitFor({
    reflectors: [deployments, replicasets, pods, nodes, fcs],
    evaluate: () => {
      const d = [...deployments.store.values()][0]
      if (!d) return {done: true, message: `deployment ${step.namespace}/${step.name} and its pods gone`, pending: [], result: null}
      const rsUids = new Set([...replicasets.store.values()].filter((rs) => rs.owner?.uid === d.uid).map((rs) => rs.uid))
      const left = [...pods.store.values()].filter((p) => p.owner && rsUids.has(p.owner.uid))
      const placed = place(left, [...nodes.store.values()], [...fcs.store.values()]).items
      const pending = placed.length
        ? placed.map((p) => `pod/${p.name}: ${p.status} on ${p.cluster.name}`)
        : [`deployment ${step.namespace}/${step.name}: still being deleted (ReplicaSets left: ${rsUids.size})`]
      return {done: false, message: `waiting for deployment ${step.namespace}/${step.name}: ${placed.length} pod(s) left`, pending, result: null}
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `deployment ${step.namespace}/${step.name} and its pods to be deleted`,
    hint: 'pods stuck Terminating on a remote cluster usually mean that cluster is unreachable (liqo-topology peer list)',
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
}

async function waitPeeringNone(client: KubeClient, step: Extract<CleanupStep, {kind: 'disable-peering'}>, o: CleanupRunOptions): Promise<void> {
  const policy = retryConnectionErrors(o.onConnection)
  const fcs = new Reflector(client, fcPath(), {...policy, fieldSelector: `metadata.name=${step.foreignCluster}`, map: toForeignCluster})
  const nodes = new Reflector(client, '/api/v1/nodes', {...policy, map: toNode})
  await waitFor({
    reflectors: [fcs, nodes],
    evaluate: () => {
      const fc = [...fcs.store.values()][0]
      const node = [...nodes.store.values()].find((n: Node) => n.virtual && n.remoteClusterId === step.clusterId)
      const pending = [
        ...(fc && fc.outgoingPhase !== 'None' ? [`foreigncluster ${fc.name}: outgoing peering ${fc.outgoingPhase}`] : []),
        ...(node ? [`node ${node.name}: still present${node.deletionTimestamp ? ' (being deleted)' : ''}`] : []),
      ]
      return {done: pending.length === 0, message: pending.length ? `waiting for the peering to ${step.cluster}: ${pending.join(', ')}` : `peering to ${step.cluster} is None`, pending, result: null}
    },
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    what: `the outgoing peering to ${step.cluster} to reach None`,
    hint: 'the virtual node drains first: pods that cannot be evicted (PodDisruptionBudgets) hold it',
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
  })
}
