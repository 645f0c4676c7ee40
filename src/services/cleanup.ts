/**
 * `cleanup`: compute the teardown plan from the current state (src/model/cleanup-plan.ts), then
 * run its steps in order, each waited for through watches. Stuck finalizers are reported with the
 * object, the finalizer and the clusters still listed; never removed.
 */
import {InterruptedError, WaitTimeoutError} from '../toolkit/errors.js'
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import {DEPLOYMENTS, NAMESPACES} from '../k8s/kinds.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {connectLiqo} from '../liqo/connect.js'
import {describeStep, planCleanup, type CleanupPlan, type CleanupStep} from '../model/cleanup-plan.js'
import {clusterDisplayName, indexForeignClusters} from '../model/placement.js'
import type {ForeignCluster, Namespace, NamespaceOffloading} from '../model/types.js'
import {Waiter, type WaiterOptions} from '../wait/waiter.js'

export interface CleanupPlanOptions {
  namespace: string
  deployments: string[]
  keepPeering: boolean
}

export type LoadedCleanupPlan = CleanupPlan & {context: string; foreignClusters: ForeignCluster[]; liqo: LiqoAdapter}

export async function loadCleanupPlan(client: KubeClient, o: CleanupPlanOptions): Promise<LoadedCleanupPlan> {
  const liqo = await connectLiqo(client)
  const [namespaceObj, deployments, nsos, fcs] = await Promise.all([
    NAMESPACES.get(client, o.namespace),
    DEPLOYMENTS.list(client, {namespace: o.namespace}),
    liqo.namespaceOffloadings.list(client, {namespace: o.namespace}),
    liqo.listPeerings(client),
  ])
  const plan = planCleanup(
    {namespace: o.namespace, ...(namespaceObj ? {namespaceObj} : {}), deployments: deployments.items, nsos: nsos.items, fcs: fcs.items},
    {deployments: o.deployments, keepPeering: o.keepPeering},
  )
  return {...plan, context: client.context, foreignClusters: fcs.items, liqo}
}

/** Every permission the plan's steps need, checked before the first one runs. */
export function cleanupAccessChecks(plan: LoadedCleanupPlan): AccessCheck[] {
  const checks: AccessCheck[] = []
  for (const s of plan.steps) {
    if ('alreadyDeleting' in s && s.alreadyDeleting) continue
    if (s.kind === 'delete-deployment') checks.push(DEPLOYMENTS.access('delete', {namespace: s.namespace, name: s.name}))
    if (s.kind === 'delete-namespaceoffloading') checks.push(plan.liqo.namespaceOffloadings.access('delete', {namespace: s.namespace, name: s.name}))
    if (s.kind === 'delete-namespace') checks.push(NAMESPACES.access('delete', {name: s.namespace}))
    if (s.kind === 'disable-peering' && s.outgoing !== 'No') {
      const fc = plan.foreignClusters.find((f) => f.name === s.foreignCluster)
      if (fc) checks.push(...plan.liqo.outgoingAccess(fc))
    }
  }
  return checks
}

export interface CleanupRunOptions extends WaiterOptions {
  onStep?: (index: number, total: number, step: CleanupStep) => void
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
  const reasons = ns.conditions.filter((c) => c.status === 'True' && c.message).map((c) => `${c.reason ?? c.type}: ${c.message}`)
  return [`namespace ${ns.name} is ${ns.phase}${ns.finalizers.length ? ` (finalizers: ${ns.finalizers.join(', ')})` : ''}`, ...reasons]
}

export async function runCleanup(client: KubeClient, plan: LoadedCleanupPlan, o: CleanupRunOptions): Promise<CleanupDone[]> {
  const done: CleanupDone[] = []
  const fcsById = indexForeignClusters(plan.foreignClusters)
  const waiter = new Waiter(client, plan.liqo, o)
  const total = plan.steps.length
  for (const [i, step] of plan.steps.entries()) {
    const started = o.clock.now()
    o.onStep?.(i + 1, total, step)
    try {
      done.push({step, line: await runStep(client, plan, waiter, step, fcsById), elapsedMs: o.clock.now() - started})
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

async function runStep(client: KubeClient, plan: LoadedCleanupPlan, waiter: Waiter, step: CleanupStep, fcsById: Map<string, ForeignCluster>): Promise<string> {
  switch (step.kind) {
    case 'delete-deployment': {
      // Foreground: the Deployment goes only after its ReplicaSets and pods are gone.
      if (!step.alreadyDeleting) await DEPLOYMENTS.delete(client, step.name, {namespace: step.namespace, propagationPolicy: 'Foreground'})
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
        hint: 'Liqo removes the finalizer once every remote namespace is deleted; an unreachable remote cluster keeps it',
      })
      return `${nsos.ref(step.name)} deleted (namespace ${step.namespace})`
    }
    case 'delete-namespace': {
      if (!step.alreadyDeleting) await NAMESPACES.delete(client, step.namespace)
      await waiter.gone(NAMESPACES, step.namespace, {what: `namespace ${step.namespace}`, describe: namespaceStillThere, hint: 'see what is left with: kubectl get all -n ' + step.namespace})
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
  }
}
