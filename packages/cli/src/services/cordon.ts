/**
 * `peer cordon|uncordon`: keep new pods off a remote cluster while the ones running there stay, or
 * let them land there again. The cordon is the "cordon" holder's taint on every virtual node of the
 * cluster (../model/cordon.ts), written where the generation's Liqo keeps it (LiqoAdapter.cordons),
 * then waited for on the Nodes, which is what the scheduler reads.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import type {LiqoAdapter} from '../liqo/adapter.js'
import {connectLiqo} from '../liqo/connect.js'
import {NODES, remoteClusterSelector} from '../liqo/nodes.js'
import {countVirtualNodePods} from '../liqo/peers.js'
import {resolveForeignCluster, type MatchKind} from '../liqo/resolve.js'
import {clusterVirtualNodes, cordonInForce, cordonTaint, type CordonHolder} from '../model/cordon.js'
import {clusterDisplayName} from '../model/placement.js'
import type {ForeignCluster, Node} from '../model/types.js'
import {InterruptedError, UserError} from '../toolkit/errors.js'
import {Waiter, type WaiterOptions} from '../wait/waiter.js'

export type CordonAction = 'cordon' | 'uncordon'

/** What `peer cordon|uncordon` holds the cordon as. */
export const PEER_CORDON: CordonHolder = 'cordon'

export interface CordonPlan {
  action: CordonAction
  context: string
  /** "Liqo v0.3–v0.10" or "Liqo v1.x". */
  generation: string
  fc: ForeignCluster
  matchedBy: MatchKind[]
  /** The cluster's display name. */
  cluster: string
  /** The cordon is already written as the action wants it (the wait may still have to see it in force). */
  alreadyDone: boolean
  /** The objects written, as kubectl names them, and the taint. */
  targets: string[]
  taint: string
  /** Pods on the cluster's virtual nodes now: they stay where they are either way. */
  runningPods: number
  /** Cordons of other holders (a disable, a rebalance), which this command leaves alone. */
  others: CordonHolder[]
  /** How the cordon lasts in this generation. */
  lasting: string
  /** The cluster's virtual nodes as read (for the access check). */
  nodes: Node[]
}

/** The cluster's Liqo adapter, its peerings and the Nodes (the API line is checked first). */
export async function readPeerings(
  client: KubeClient,
): Promise<{liqo: LiqoAdapter; fcs: ForeignCluster[]; nodes: Node[]}> {
  const nodesRead = NODES.list(client).then((r) => r.items)
  const liqo = await connectLiqo(client)
  const [fcs, nodes] = await Promise.all([liqo.listPeerings(client, {nodes: nodesRead}), nodesRead])
  return {liqo, fcs: fcs.items, nodes}
}

/** What to cordon or uncordon, against the peerings and Nodes as readPeerings read them. */
export interface CordonRequest {
  liqo: LiqoAdapter
  action: CordonAction
  /** The ForeignCluster's name, cluster ID or cluster name, as given. */
  cluster: string
  fcs: ForeignCluster[]
  /** Every Node of the home cluster. */
  nodes: Node[]
}

export async function planCordon(client: KubeClient, r: CordonRequest): Promise<CordonPlan> {
  const {liqo, action, fcs, nodes: allNodes} = r
  const {fc, matchedBy} = resolveForeignCluster(r.cluster, fcs, client.context)
  const cluster = clusterDisplayName(fc)
  const targets = liqo.cordons.targets(fc, allNodes)
  const holders = liqo.cordons.holders(fc, allNodes)
  const on = action === 'cordon'
  if (on && !targets.length) {
    throw new UserError(
      `the peering with ${fc.name} has no virtual node to cordon ` +
        `(outgoing ${fc.outgoingEnabled}/${fc.outgoingPhase}, ${liqo.generation}): no pod can land on it now`,
      fc.outgoingEnabled === 'No'
        ? `cordon it once it is enabled again (liqo-topology peer enable ${fc.name})`
        : 'see: liqo-topology peer list',
    )
  }
  const nodes = clusterVirtualNodes(allNodes, fc.clusterId)
  const podsOn = await countVirtualNodePods(client, nodes)
  return {
    action,
    context: client.context,
    generation: liqo.generation,
    fc,
    matchedBy,
    cluster,
    alreadyDone: holders.includes(PEER_CORDON) === on,
    targets,
    taint: `${cordonTaint(PEER_CORDON).key}=${cordonTaint(PEER_CORDON).value}:${cordonTaint(PEER_CORDON).effect}`,
    runningPods: [...podsOn.values()].reduce((a, b) => a + b, 0),
    others: holders.filter((h) => h !== PEER_CORDON),
    lasting: liqo.cordons.lasting,
    nodes,
  }
}

export function cordonAccessChecks(liqo: LiqoAdapter, plan: CordonPlan): AccessCheck[] {
  return liqo.cordons.access(plan.fc, plan.nodes)
}

export interface CordonResult {
  plan: CordonPlan
  /** Something was written (false: already so). */
  changed: boolean
  waited: boolean
  /** The cordon is in force (or gone) on every virtual node, as the scheduler sees them. */
  inForce: boolean
  elapsedMs: number
}

export interface CordonApplyOptions extends WaiterOptions {
  wait: boolean
  /** Called once the cordon is written (or found written), before the wait. */
  onApplied?: () => void
}

export async function applyCordon(
  client: KubeClient,
  liqo: LiqoAdapter,
  plan: CordonPlan,
  o: CordonApplyOptions,
): Promise<CordonResult> {
  const start = o.clock.now()
  const on = plan.action === 'cordon'
  if (o.signal.aborted) throw new InterruptedError(`interrupted before the change; ${plan.cluster} left as it was`)
  const {changed} = plan.alreadyDone
    ? {changed: false}
    : await liqo.cordons.set(client, plan.fc, plan.nodes, PEER_CORDON, on)
  o.onApplied?.()
  const result: CordonResult = {plan, changed, waited: false, inForce: false, elapsedMs: 0}
  if (!o.wait) {
    result.inForce = cordonInForce(
      (await NODES.list(client, {labelSelector: remoteClusterSelector(plan.fc.clusterId)})).items,
      plan.fc.clusterId,
      PEER_CORDON,
      on,
    )
  } else {
    await new Waiter(client, liqo, o).cordon({clusterId: plan.fc.clusterId, cluster: plan.cluster}, PEER_CORDON, on)
    Object.assign(result, {waited: true, inForce: true})
  }
  result.elapsedMs = o.clock.now() - start
  return result
}
