/**
 * The tutorial's teardown as a plan computed from what exists now, so that a second run (or a run
 * after an interruption) does exactly what is left, and nothing when nothing is left. Pure.
 * Order: Deployments (and their pods) → NamespaceOffloading (its finalizer waits for the remote
 * namespaces) → the namespace → outgoing peerings off (optional), or, with unpeering (Liqo v1),
 * each peering torn down as `liqoctl unpeer` does.
 */
import {UsageError} from '../toolkit/errors.js'
import {clusterDisplayName, indexForeignClusters} from './placement.js'
import {
  NAMESPACE_OFFLOADING_NAME,
  type ForeignCluster,
  type Namespace,
  type NamespaceOffloading,
  type Workload,
} from './types.js'
import {byName} from '../toolkit/text.js'

export type CleanupStep =
  | {kind: 'delete-deployment'; namespace: string; name: string; replicas: number; alreadyDeleting: boolean}
  | {
      kind: 'delete-namespaceoffloading'
      namespace: string
      name: string
      remoteClusters: string[]
      alreadyDeleting: boolean
    }
  | {kind: 'delete-namespace'; namespace: string; alreadyDeleting: boolean}
  | {
      kind: 'disable-peering'
      foreignCluster: string
      cluster: string
      clusterId: string
      outgoing: string
      phase: string
    }
  | {
      kind: 'unpeer'
      foreignCluster: string
      cluster: string
      clusterId: string
      context: string
      modules: string[]
      objects: number
    }

/** A peering to unpeer, with what is left of it (module → objects), read on both clusters. */
export interface UnpeerInput {
  foreignCluster: string
  clusterId: string
  /** The remote cluster's context. */
  context: string
  left: Array<{module: string; objects: number}>
}

export interface CleanupInput {
  namespace: string
  namespaceObj?: Namespace
  deployments: Workload[]
  nsos: NamespaceOffloading[]
  fcs: ForeignCluster[]
  /** With unpeering: every peering that has something left (those with nothing left are absent). */
  unpeer?: UnpeerInput[]
}

export interface CleanupOptions {
  /** --deployment names; empty = every Deployment of the namespace. */
  deployments: string[]
  keepPeering: boolean
}

export interface CleanupPlan {
  namespace: string
  steps: CleanupStep[]
  notes: string[]
}

/** Namespaces the cleanup must never delete. */
export function isProtectedNamespace(ns: string): boolean {
  return (
    ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'liqo'].includes(ns) || ns.startsWith('liqo-tenant-')
  )
}

export function planCleanup(i: CleanupInput, o: CleanupOptions): CleanupPlan {
  if (isProtectedNamespace(i.namespace)) {
    throw new UsageError(
      `refusing to clean up namespace "${i.namespace}": it is a system or Liqo namespace`,
      'pass the offloaded namespace with --namespace (e.g. --namespace liqo-test)',
    )
  }
  const steps: CleanupStep[] = []
  const notes: string[] = []
  const byId = indexForeignClusters(i.fcs)

  const wanted = o.deployments.length ? i.deployments.filter((d) => o.deployments.includes(d.name)) : i.deployments
  for (const name of o.deployments) {
    if (!i.deployments.some((d) => d.name === name))
      notes.push(`deployment "${name}" not found in ${i.namespace} (already deleted?)`)
  }
  for (const d of [...wanted].sort((a, b) => byName(a.name, b.name))) {
    steps.push({
      kind: 'delete-deployment',
      namespace: i.namespace,
      name: d.name,
      replicas: d.desired,
      alreadyDeleting: !!d.deletionTimestamp,
    })
  }

  for (const nso of i.nsos) {
    if (nso.name !== NAMESPACE_OFFLOADING_NAME) {
      notes.push(
        `NamespaceOffloading "${nso.name}" is ignored by Liqo (only "${NAMESPACE_OFFLOADING_NAME}" is acted ` +
          `on); it goes away with the namespace`,
      )
      continue
    }
    steps.push({
      kind: 'delete-namespaceoffloading',
      namespace: i.namespace,
      name: nso.name,
      remoteClusters: Object.keys(nso.remoteConditions)
        .map((id) => {
          const fc = byId.get(id)
          return fc ? clusterDisplayName(fc) : id
        })
        .sort(),
      alreadyDeleting: !!nso.deletionTimestamp,
    })
  }

  if (i.namespaceObj)
    steps.push({kind: 'delete-namespace', namespace: i.namespace, alreadyDeleting: !!i.namespaceObj.deletionTimestamp})

  if (i.unpeer) {
    for (const u of [...i.unpeer].sort((a, b) => byName(a.foreignCluster, b.foreignCluster))) {
      const fc = i.fcs.find((f) => f.name === u.foreignCluster)
      steps.push({
        kind: 'unpeer',
        foreignCluster: u.foreignCluster,
        cluster: fc ? clusterDisplayName(fc) : u.foreignCluster,
        clusterId: u.clusterId,
        context: u.context,
        modules: u.left.map((l) => l.module),
        objects: u.left.reduce((n, l) => n + l.objects, 0),
      })
    }
  } else if (!o.keepPeering) {
    for (const fc of [...i.fcs].sort((a, b) => byName(a.name, b.name))) {
      // Off (v1: or no switch left at all) and nothing left to drain.
      if ((fc.outgoingEnabled === 'No' || fc.outgoingEnabled === 'None') && fc.outgoingPhase === 'None') continue
      steps.push({
        kind: 'disable-peering',
        foreignCluster: fc.name,
        cluster: clusterDisplayName(fc),
        clusterId: fc.clusterId,
        outgoing: fc.outgoingEnabled,
        phase: fc.outgoingPhase,
      })
    }
  }
  return {namespace: i.namespace, steps, notes}
}

export function describeStep(s: CleanupStep): string {
  switch (s.kind) {
    case 'delete-deployment':
      return (
        `${s.alreadyDeleting ? 'wait for' : 'delete'} deployment ${s.namespace}/${s.name} and its pods ` +
        `(${s.replicas} replicas)`
      )
    case 'delete-namespaceoffloading':
      return (
        `${s.alreadyDeleting ? 'wait for' : 'delete'} NamespaceOffloading ${s.namespace}/${s.name}; its ` +
        `finalizer waits until the remote namespaces are ` +
        `gone${s.remoteClusters.length ? ` (on ${s.remoteClusters.join(', ')})` : ''}`
      )
    case 'delete-namespace':
      return `${s.alreadyDeleting ? 'wait for the deletion of' : 'delete'} namespace ${s.namespace}, until it is gone`
    case 'disable-peering':
      return s.outgoing === 'No'
        ? `wait for the outgoing peering to ${s.cluster} to reach None (now ${s.phase})`
        : `disable outgoing peering to ${s.cluster} (ForeignCluster ${s.foreignCluster}, ` +
            `now ${s.outgoing}/${s.phase}) and wait for None`
    case 'unpeer':
      return (
        `unpeer ${s.cluster} as liqoctl unpeer does (remote context "${s.context}"): what is left ` +
        `of ${s.modules.join(', ')} (${s.objects} object(s)), each module deleted and waited for in turn`
      )
  }
}
