/**
 * The live values shell completion offers: ForeignClusters and namespaces read from the cluster
 * within a short deadline (nothing when it does not answer in time), contexts from the kubeconfig.
 */
import {KubeClient} from '../k8s/client.js'
import {NAMESPACES} from '../k8s/kinds.js'
import {loadKubeconfig, resolveTarget} from '../k8s/kubeconfig.js'
import {connectLiqo} from '../liqo/connect.js'

export interface Where {
  kubeconfig?: string
  context?: string
}

/** Deadline of each completion lookup: a shell must not hang on Tab. */
export const COMPLETION_DEADLINE_MS = 1500

export async function liveCandidates(kind: 'cluster' | 'namespace' | 'context', where: Where): Promise<string[]> {
  const config = loadKubeconfig({kubeconfig: where.kubeconfig})
  if (kind === 'context') return config.contexts.map((c) => c.name)
  const client = await KubeClient.connect(resolveTarget(config, where.context), {requestTimeoutMs: COMPLETION_DEADLINE_MS})
  try {
    if (kind === 'namespace') return (await NAMESPACES.list(client)).items.map((n) => n.name)
    const liqo = await connectLiqo(client)
    return (await liqo.listPeerings(client)).items.map((fc) => fc.name)
  } finally {
    client.close()
  }
}
