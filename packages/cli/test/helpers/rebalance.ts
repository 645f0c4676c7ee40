/**
 * What the rebalance tests share (both/rebalance.test.ts, rebalance-lease.test.ts): the nodes' taints as
 * kubectl shows them, a cluster held off the scheduler, every pod of a namespace moved onto cluster-2, and
 * a quota that holds a move's replacement back.
 */
import {expect} from 'vitest'

import {untilWatched} from '@liqo-topology/lab/tutorial'
import {connectLiqo} from '../../src/liqo/connect.js'
import {NODES, toNode} from '../../src/liqo/nodes.js'
import {cordonInForce} from '../../src/model/cordon.js'
import {admin, clusterId, kubectl, untilPlaced} from './lab.js'

/** Every node's name and taints, one line each, as kubectl shows them. */
export async function nodeTaints(): Promise<string> {
  return (
    await kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}{" "}{.spec.taints}{"\\n"}{end}'])
  ).stdout
}

/**
 * Keeps new pods off `cluster` (on) or lets them back (off) with the `peer cordon` holder's taint,
 * written where the Liqo generation keeps it (a taint put on a Liqo v1 node by hand does not
 * last), until the nodes show it.
 */
export async function holdOff(cluster: string, on: boolean): Promise<void> {
  const c = await admin()
  const liqo = await connectLiqo(c)
  const nodes = (await NODES.list(c)).items
  const fc = (await liqo.listPeerings(c, {nodes})).items.find((f) => f.clusterId === clusterId(cluster))!
  await liqo.cordons.set(c, fc, nodes, 'cordon', on)
  // Watched (one list and one watch of the nodes), each change checked as it arrives.
  await untilWatched(c, ['/api/v1/nodes'], `${cluster} held off: ${on}`, 60_000, ([raw]) =>
    cordonInForce(raw!.map(toNode), fc.clusterId, 'cordon', on),
  )
}

/** Every pod of the namespace onto cluster-2: cluster-3 held off, a rollout restart, cluster-3 let back. */
export async function allOnCluster2(namespace: string): Promise<void> {
  await holdOff('cluster-3', true)
  try {
    await kubectl(['rollout', 'restart', 'deployment/nginx-deployment', '-n', namespace])
    // Until the rollout is complete: mid-way, 3 Ready pods on cluster-2 may still be old ones.
    const done = await kubectl(['rollout', 'status', 'deployment/nginx-deployment', '-n', namespace, '--timeout=100s'])
    expect(done.code, done.stderr).toBe(0)
    await untilPlaced(
      namespace,
      '3 ready pods, all on cluster-2',
      180_000,
      (pods) => pods.length === 3 && pods.every((p) => p.ready && p.cluster === 'cluster-2'),
    )
  } finally {
    await holdOff('cluster-3', false)
  }
}

/**
 * A ResourceQuota of 2 pods on the namespace's 3, once its controller counts them: a rebalance's first
 * eviction then waits, its replacement refused. Returns what lifts it (the quota deleted).
 */
export async function holdReplacements(namespace: string): Promise<() => Promise<void>> {
  const c = await admin()
  const quotas = `/api/v1/namespaces/${namespace}/resourcequotas`
  await c.create(quotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'two'}, spec: {hard: {pods: '2'}}})
  const lift = () => c.delete(`${quotas}/two`).then(() => {})
  try {
    // Watched (one list and one watch of the quotas), each change checked as it arrives.
    await untilWatched(c, [quotas], 'the quota counts 3 pods', 60_000, ([items]) =>
      items!.some((q) => q.metadata?.name === 'two' && q.status?.used?.pods === '3'),
    )
  } catch (e) {
    await lift()
    throw e
  }
  return lift
}
