/**
 * `wait`: block until a namespace has converged (see src/model/convergence.ts), optionally until
 * its pods have left one cluster. Resolves with the final state; throws WaitTimeoutError naming
 * the pods and clusters still off.
 */
import type {Clock} from '../toolkit/clock.js'
import type {KubeClient} from '../k8s/client.js'
import {toForeignCluster} from '../k8s/map.js'
import {fcPath} from '../liqo/constants.js'
import {detectLiqo, requirePeeringApi} from '../liqo/detect.js'
import type {ConvergenceState} from '../model/convergence.js'
import type {ForeignCluster} from '../model/types.js'
import {clusterDisplayName} from '../model/placement.js'
import {resolveForeignCluster} from '../model/resolve.js'
import {waitForConvergence} from './convergence.js'
import {assertNamespaceExists} from './pods-where.js'

export interface WaitCommandOptions {
  namespace: string
  awayFrom?: string
  timeoutMs: number
  signal: AbortSignal
  clock: Clock
  onProgress?: (m: string) => void
  onConnection?: (connected: boolean, detail: string) => void
}

export interface WaitOutcome {
  namespace: string
  context: string
  awayFrom?: {name: string; clusterId: string}
  state: ConvergenceState
  elapsedMs: number
}

export async function waitNamespace(client: KubeClient, o: WaitCommandOptions): Promise<WaitOutcome> {
  requirePeeringApi(await detectLiqo(client), client.context)
  await assertNamespaceExists(client, o.namespace)
  let awayFrom: {name: string; clusterId: string} | undefined
  let foreignClusters: {items: ForeignCluster[]; resourceVersion: string} | undefined
  if (o.awayFrom !== undefined) {
    foreignClusters = await client.list(fcPath(), {}, toForeignCluster)
    const {fc} = resolveForeignCluster(o.awayFrom, foreignClusters.items, client.context)
    awayFrom = {name: clusterDisplayName(fc), clusterId: fc.clusterId}
  }
  const r = await waitForConvergence(client, {
    namespaces: [o.namespace],
    ...(awayFrom ? {awayFrom} : {}),
    ...(foreignClusters ? {foreignClusters} : {}),
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    clock: o.clock,
    ...(o.onProgress ? {onProgress: o.onProgress} : {}),
    ...(o.onConnection ? {onConnection: o.onConnection} : {}),
  })
  return {namespace: o.namespace, context: client.context, ...(awayFrom ? {awayFrom} : {}), state: r.state, elapsedMs: r.elapsedMs}
}
