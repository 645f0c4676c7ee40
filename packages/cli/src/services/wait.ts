/**
 * `wait`: block until a namespace has converged (see src/model/convergence.ts), optionally until
 * its pods have left one cluster. Resolves with the final state; throws WaitTimeoutError naming
 * the pods and clusters still off.
 */
import type {KubeClient} from '../k8s/client.js'
import {requireNamespace} from '../k8s/kinds.js'
import {connectLiqo} from '../liqo/connect.js'
import {resolveForeignCluster} from '../liqo/resolve.js'
import type {ConvergenceState} from '../model/convergence.js'
import {clusterDisplayName} from '../model/placement.js'
import type {PeeringList} from '../liqo/adapter.js'
import {Waiter, type WaiterOptions} from '../wait/waiter.js'

export interface WaitCommandOptions extends WaiterOptions {
  namespace: string
  awayFrom?: string
}

export interface WaitOutcome {
  namespace: string
  context: string
  awayFrom?: {name: string; clusterId: string}
  state: ConvergenceState
  elapsedMs: number
}

export async function waitNamespace(client: KubeClient, o: WaitCommandOptions): Promise<WaitOutcome> {
  const liqo = await connectLiqo(client)
  await requireNamespace(client, o.namespace)
  let awayFrom: {name: string; clusterId: string} | undefined
  let foreignClusters: PeeringList | undefined
  if (o.awayFrom !== undefined) {
    const list = await liqo.listPeerings(client)
    foreignClusters = list
    const {fc} = resolveForeignCluster(o.awayFrom, list.items, client.context)
    awayFrom = {name: clusterDisplayName(fc), clusterId: fc.clusterId}
  }
  const r = await new Waiter(client, liqo, o).converged([o.namespace], {
    ...(awayFrom ? {awayFrom} : {}),
    ...(foreignClusters ? {foreignClusters} : {}),
  })
  return {
    namespace: o.namespace,
    context: client.context,
    ...(awayFrom ? {awayFrom} : {}),
    state: r.state,
    elapsedMs: r.elapsedMs,
  }
}
