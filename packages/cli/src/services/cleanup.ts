/**
 * `cleanup`: compute the teardown plan from the current state (src/model/cleanup-plan.ts), then
 * run its steps in order, each waited for through watches. Stuck finalizers are reported with the
 * object, the finalizer and the clusters still listed; never removed. Who takes part in an
 * unpeering is read by src/liqo/unpeer-parties.ts.
 */
import {InterruptedError, WaitTimeoutError} from '../toolkit/errors.js'
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import {DEPLOYMENTS, NAMESPACES, POD_DISRUPTION_BUDGETS, PODS} from '../k8s/kinds.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {connectLiqo} from '../liqo/connect.js'
import {unpeerInputs, unpeering, type UnpeerParties} from '../liqo/unpeer-parties.js'
import {describeStep, planCleanup, type CleanupPlan, type CleanupStep} from '../model/cleanup-plan.js'
import {previewDisableAll, type EvictionImpact} from '../model/impact.js'
import {clusterDisplayName, indexForeignClusters} from '../model/placement.js'
import {NODES} from '../liqo/nodes.js'
import type {ForeignCluster, Namespace, NamespaceOffloading} from '../model/types.js'
import {Waiter, type WaiterOptions} from '../wait/waiter.js'

export interface CleanupPlanOptions {
  namespace: string
  deployments: string[]
  keepPeering: boolean
  /** Unpeer (Liqo v1) instead of disabling: the remote clusters, one client per --remote-context. */
  unpeer?: KubeClient[]
}

export type LoadedCleanupPlan = CleanupPlan & {
  context: string
  foreignClusters: ForeignCluster[]
  liqo: LiqoAdapter
  /** With --unpeer: this cluster's ID and the remote clusters by their ID. */
  unpeering?: UnpeerParties
  /** Pods of other namespaces the peering steps evict, and where their replacements can go. */
  otherNamespaces: EvictionImpact[]
}

export async function loadCleanupPlan(client: KubeClient, o: CleanupPlanOptions): Promise<LoadedCleanupPlan> {
  const liqo = await connectLiqo(client)
  const [namespaceObj, deployments, nsos, fcs] = await Promise.all([
    NAMESPACES.get(client, o.namespace),
    DEPLOYMENTS.list(client, {namespace: o.namespace}),
    liqo.namespaceOffloadings.list(client, {namespace: o.namespace}),
    liqo.listPeerings(client),
  ])
  const u = o.unpeer ? await unpeering(client, liqo, o.unpeer) : undefined
  const unpeer = u ? await unpeerInputs(client, liqo, fcs.items, u) : undefined
  const plan = planCleanup(
    {
      namespace: o.namespace,
      ...(namespaceObj ? {namespaceObj} : {}),
      deployments: deployments.items,
      nsos: nsos.items,
      fcs: fcs.items,
      ...(unpeer ? {unpeer} : {}),
    },
    {deployments: o.deployments, keepPeering: o.keepPeering},
  )
  const otherNamespaces = await peeringImpact(client, plan.steps, o.namespace, fcs.items)
  return {
    ...plan,
    context: client.context,
    foreignClusters: fcs.items,
    liqo,
    otherNamespaces,
    ...(u ? {unpeering: u} : {}),
  }
}

/** What the steps that switch peerings off (or unpeer) do to the pods of every other namespace. */
async function peeringImpact(
  client: KubeClient,
  steps: CleanupStep[],
  namespace: string,
  fcs: ForeignCluster[],
): Promise<EvictionImpact[]> {
  const leavingIds = new Set(
    steps.flatMap((s) => (s.kind === 'disable-peering' || s.kind === 'unpeer' ? [s.clusterId] : [])),
  )
  if (!leavingIds.size) return []
  const leaving = fcs.filter((f) => leavingIds.has(f.clusterId))
  const nodes = (await NODES.list(client)).items
  const vnodes = nodes.filter((n) => n.virtual && n.remoteClusterId && leavingIds.has(n.remoteClusterId))
  const pods = (
    await Promise.all(vnodes.map((n) => PODS.list(client, {fieldSelector: `spec.nodeName=${n.name}`})))
  ).flatMap((r) => r.items)
  const namespaces = [...new Set(pods.map((p) => p.namespace))].filter((n) => n !== namespace)
  const pdbs = (
    await Promise.all(namespaces.map((ns) => POD_DISRUPTION_BUDGETS.list(client, {namespace: ns})))
  ).flatMap((r) => r.items)
  return previewDisableAll(leaving, {namespace, pods, nodes, fcs, pdbs})
}

/** Every permission the plan's steps need, checked before the first one runs. */
export function cleanupAccessChecks(plan: LoadedCleanupPlan): AccessCheck[] {
  const checks: AccessCheck[] = []
  for (const s of plan.steps) {
    if ('alreadyDeleting' in s && s.alreadyDeleting) continue
    if (s.kind === 'delete-deployment')
      checks.push(DEPLOYMENTS.access('delete', {namespace: s.namespace, name: s.name}))
    if (s.kind === 'delete-namespaceoffloading')
      checks.push(plan.liqo.namespaceOffloadings.access('delete', {namespace: s.namespace, name: s.name}))
    if (s.kind === 'delete-namespace') checks.push(NAMESPACES.access('delete', {name: s.namespace}))
    if (s.kind === 'unpeer') checks.push(...(plan.liqo.unpeer?.access.home ?? []))
    if (s.kind === 'disable-peering' && s.outgoing !== 'No') {
      const fc = plan.foreignClusters.find((f) => f.name === s.foreignCluster)
      if (fc) checks.push(...plan.liqo.outgoingAccess(fc))
    }
  }
  // Unpeering several clusters asks for the same permissions once.
  return [...new Map(checks.map((c) => [JSON.stringify(c), c])).values()]
}

export interface CleanupRunOptions extends WaiterOptions {
  onStep?: (index: number, total: number, step: CleanupStep) => void
  /** A step finished: what it did and how long it took. */
  onStepDone?: (index: number, total: number, done: CleanupDone) => void
}

export interface CleanupDone {
  step: CleanupStep
  /** kubectl-style line, e.g. `deployment.apps/nginx-deployment deleted`. */
  line: string
  elapsedMs: number
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
  const reasons = ns.conditions
    .filter((c) => c.status === 'True' && c.message)
    .map((c) => `${c.reason ?? c.type}: ${c.message}`)
  return [
    `namespace ${ns.name} is ${ns.phase}${ns.finalizers.length ? ` (finalizers: ${ns.finalizers.join(', ')})` : ''}`,
    ...reasons,
  ]
}

export async function runCleanup(
  client: KubeClient,
  plan: LoadedCleanupPlan,
  o: CleanupRunOptions,
): Promise<CleanupDone[]> {
  const done: CleanupDone[] = []
  const fcsById = indexForeignClusters(plan.foreignClusters)
  const waiter = new Waiter(client, plan.liqo, o)
  const total = plan.steps.length
  for (const [i, step] of plan.steps.entries()) {
    const started = o.clock.now()
    o.onStep?.(i + 1, total, step)
    // A signal between two steps stops before the next one changes anything.
    if (o.signal.aborted)
      throw new InterruptedError(
        `interrupted: cleanup stopped before step ${i + 1}/${total}`,
        'run the same cleanup again to resume from what is left',
      )
    try {
      const d = {step, line: await runStep(client, step, {plan, waiter, fcsById}), elapsedMs: o.clock.now() - started}
      done.push(d)
      o.onStepDone?.(i + 1, total, d)
    } catch (e) {
      const where = `cleanup stopped at step ${i + 1}/${total} (${describeStep(step)})`
      const resume = 'run the same cleanup again to resume from what is left'
      if (e instanceof WaitTimeoutError)
        throw new WaitTimeoutError(
          `${e.message}`,
          e.pending,
          `${where}; ${resume}; a stuck finalizer is never removed by this tool`,
        )
      if (e instanceof InterruptedError)
        throw Object.assign(new InterruptedError(`interrupted: ${where}`, resume), {lastState: e.lastState})
      throw e
    }
  }
  return done
}

async function runStep(
  client: KubeClient,
  step: CleanupStep,
  run: {plan: LoadedCleanupPlan; waiter: Waiter; fcsById: Map<string, ForeignCluster>},
): Promise<string> {
  const {plan, waiter, fcsById} = run
  switch (step.kind) {
    case 'delete-deployment': {
      // Foreground: the Deployment goes only after its ReplicaSets and pods are gone.
      if (!step.alreadyDeleting)
        await DEPLOYMENTS.delete(client, step.name, {namespace: step.namespace, propagationPolicy: 'Foreground'})
      await waiter.deploymentGone(step.namespace, step.name)
      return `${DEPLOYMENTS.ref(step.name)} deleted (namespace ${step.namespace})`
    }
    case 'delete-namespaceoffloading': {
      const nsos = plan.liqo.namespaceOffloadings
      if (!step.alreadyDeleting) await nsos.delete(client, step.name, {namespace: step.namespace})
      await waiter.gone(nsos, step.name, {
        namespace: step.namespace,
        what: `namespaceoffloading ${step.namespace}/${step.name}`,
        describe: (n) => nsoStillThere(n, fcsById),
        hint:
          'Liqo removes the finalizer once every remote namespace is deleted; an unreachable remote cluster ' +
          'keeps it',
      })
      return `${nsos.ref(step.name)} deleted (namespace ${step.namespace})`
    }
    case 'delete-namespace': {
      if (!step.alreadyDeleting) await NAMESPACES.delete(client, step.namespace)
      await waiter.gone(NAMESPACES, step.namespace, {
        what: `namespace ${step.namespace}`,
        describe: namespaceStillThere,
        hint: 'see what is left with: kubectl get all -n ' + step.namespace,
      })
      return `${NAMESPACES.ref(step.namespace)} deleted`
    }
    case 'disable-peering': {
      if (step.outgoing !== 'No') {
        const fc = await plan.liqo.getPeering(client, step.foreignCluster)
        if (fc) await plan.liqo.setOutgoing(client, fc, 'No')
      }
      await waiter.peeringNone(step)
      return `${plan.liqo.peeringRef(step.foreignCluster)} outgoing peering disabled (None)`
    }
    case 'unpeer':
      return unpeerStep(client, plan, waiter, step)
  }
}

/** The permissions the unpeering needs on each remote cluster, for the preflight. */
export function remoteAccessChecks(plan: LoadedCleanupPlan): Array<{client: KubeClient; checks: AccessCheck[]}> {
  const ids = new Set(plan.steps.flatMap((s) => (s.kind === 'unpeer' ? [s.clusterId] : [])))
  return [...ids].flatMap((id) => {
    const r = plan.unpeering?.remotes.get(id)
    return r ? [{client: r.client, checks: plan.liqo.unpeer?.access.remote ?? []}] : []
  })
}

/** One peering torn down as liqoctl unpeer does: each module's objects deleted, then waited for, in order. */
async function unpeerStep(
  client: KubeClient,
  plan: LoadedCleanupPlan,
  waiter: Waiter,
  step: Extract<CleanupStep, {kind: 'unpeer'}>,
): Promise<string> {
  const u = plan.unpeering!
  const remote = u.remotes.get(step.clusterId)!
  const fc = plan.foreignClusters.find((f) => f.name === step.foreignCluster)
  // Read again: a run that resumes does only what is left now.
  const unpeer = plan.liqo.unpeer!
  const target = {home: client, remote: remote.client, homeId: u.homeId, remoteId: step.clusterId}
  const stages = await unpeer.stages({...target, bidirectional: fc?.role === 'ConsumerAndProvider'})
  const remoteWaiter = waiter.on(remote.client)
  for (const stage of stages) {
    for (const i of stage.items) {
      if (!i.obj.deletionTimestamp)
        await i.kind.delete(
          i.side === 'home' ? client : remote.client,
          i.obj.name,
          i.obj.namespace ? {namespace: i.obj.namespace} : {},
        )
    }
    for (const i of stage.items) {
      const w = i.side === 'home' ? waiter : remoteWaiter
      const context = i.side === 'home' ? client.context : remote.client.context
      await w.gone(i.kind, i.obj.name, {
        ...(i.obj.namespace ? {namespace: i.obj.namespace} : {}),
        what: `${i.kind.ref(i.obj.name)} (${stage.module}, context "${context}")`,
        describe: () => unpeer.stillThere(i, context),
        hint:
          'Liqo removes these finalizers itself (a ResourceSlice waits for its virtual node to drain); an ' +
          'unreachable cluster keeps them',
      })
    }
  }
  return `${plan.liqo.peeringRef(step.foreignCluster)} unpeered (${step.modules.join(', ') || 'nothing was left'})`
}
