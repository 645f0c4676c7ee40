/**
 * The core Kubernetes kinds liqo-topology reads, watches and deletes, as descriptors (./kind.ts)
 * with their mappers (./map.ts). Liqo's kinds, and the Liqo view of nodes, are in src/liqo/.
 */
import {UserError} from '../toolkit/errors.js'
import type {KubeClient} from './client.js'
import {Kind} from './kind.js'
import {toEvent, toNamespace, toPdb, toPod, toWorkload} from './map.js'

export const PODS = new Kind({group: '', version: 'v1', plural: 'pods', kind: 'Pod'}, toPod)
export const NAMESPACES = new Kind({group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace'}, toNamespace)
export const CONFIG_MAPS = new Kind({group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap'}, (raw) => raw)
export const DEPLOYMENTS = new Kind({group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment'}, (raw) =>
  toWorkload(raw, 'Deployment'),
)
export const REPLICA_SETS = new Kind({group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet'}, (raw) =>
  toWorkload(raw, 'ReplicaSet'),
)
export const STATEFUL_SETS = new Kind(
  {group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet'},
  (raw) => toWorkload(raw, 'StatefulSet'),
)
export const EVENTS = new Kind({group: '', version: 'v1', plural: 'events', kind: 'Event'}, toEvent)
export const POD_DISRUPTION_BUDGETS = new Kind(
  {group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget'},
  toPdb,
)

/** Throws a UserError when the namespace does not exist (an empty list from a typo is not "no pods"). */
export async function requireNamespace(client: KubeClient, namespace: string): Promise<void> {
  if (!(await client.getOrNull(NAMESPACES.path({name: namespace})))) {
    throw new UserError(
      `namespace "${namespace}" not found on context "${client.context}"`,
      'check the name with: kubectl get namespaces',
    )
  }
}
