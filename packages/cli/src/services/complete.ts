/**
 * The live values shell completion offers: ForeignClusters and namespaces read from the cluster
 * within a short deadline (nothing when it does not answer in time), contexts from the kubeconfig.
 */
import {KubeClient} from '../k8s/client.js'
import {NAMESPACES, PODS} from '../k8s/kinds.js'
import {loadKubeconfig, resolveTarget} from '../k8s/kubeconfig.js'
import {overridesNameServer, type ConnectionOverrides} from '../k8s/overrides.js'
import {connectLiqo} from '../liqo/connect.js'

export interface Where {
  kubeconfig?: string
  context?: string
  /** -n typed so far (pods are completed from it, else from the context's namespace). */
  namespace?: string
  /** kubectl's connection flags typed so far (--server, --token, --user, …), as the command would use them. */
  overrides?: ConnectionOverrides
}

/** Deadline of each completion lookup: a shell must not hang on Tab. */
export const COMPLETION_DEADLINE_MS = 1500

export async function liveCandidates(
  kind: 'cluster' | 'pod' | 'namespace' | 'context' | 'kubeconfig-cluster' | 'kubeconfig-user',
  where: Where,
): Promise<string[]> {
  const overrides = where.overrides ?? {}
  const config = loadKubeconfig({kubeconfig: where.kubeconfig, optional: overridesNameServer(overrides)})
  if (kind === 'context') return config.contexts.map((c) => c.name)
  if (kind === 'kubeconfig-cluster') return config.clusters.map((c) => c.name)
  if (kind === 'kubeconfig-user') return config.users.map((u) => u.name)
  const target = resolveTarget(config, where.context, where.namespace, overrides)
  const client = await KubeClient.connect(target, {requestTimeoutMs: COMPLETION_DEADLINE_MS})
  try {
    if (kind === 'pod') return (await PODS.list(client, {namespace: target.namespace})).items.map((p) => p.name)
    if (kind === 'namespace') return (await NAMESPACES.list(client)).items.map((n) => n.name)
    const liqo = await connectLiqo(client)
    return (await liqo.listPeerings(client)).items.map((fc) => fc.name)
  } finally {
    client.close()
  }
}
