/**
 * Who takes part in an unpeering (`cleanup --unpeer`, Liqo v1): this cluster's and each remote
 * context's Liqo cluster ID (read from Liqo's own ConfigMap), and what is left of each peering to
 * unpeer, read on both sides through the adapter's `unpeer`.
 */
import type {KubeClient} from '../k8s/client.js'
import type {UnpeerInput} from '../model/cleanup-plan.js'
import type {ForeignCluster} from '../model/types.js'
import {UsageError, UserError} from '../toolkit/errors.js'
import type {LiqoAdapter} from './adapter.js'
import {localClusterIdentity} from './detect.js'

/** A remote cluster taking part in the unpeering. */
export interface UnpeerRemote {
  client: KubeClient
  clusterId: string
}

/** This cluster's ID and the remote clusters by their ID. */
export interface UnpeerParties {
  homeId: string
  remotes: Map<string, UnpeerRemote>
}

/** This cluster's and each remote context's Liqo cluster ID (read from Liqo's own ConfigMap). */
export async function unpeering(client: KubeClient, liqo: LiqoAdapter, remotes: KubeClient[]): Promise<UnpeerParties> {
  if (!liqo.unpeer) {
    throw new UsageError(
      `--unpeer is for Liqo v1.x; context "${client.context}" runs ${liqo.generation}, where disabling the ` +
        `outgoing peering (the default last step) is the teardown`,
      'run cleanup without --unpeer',
    )
  }
  const idOf = async (c: KubeClient) => {
    const id = (await localClusterIdentity(c))?.id
    if (!id)
      throw new UserError(
        `cannot read the Liqo cluster ID of context "${c.context}" (ConfigMap in the liqo namespace)`,
        'is Liqo installed there, and may this user read the liqo namespace?',
      )
    return id
  }
  const homeId = await idOf(client)
  const byId = new Map<string, UnpeerRemote>()
  for (const r of remotes) {
    const clusterId = await idOf(r)
    byId.set(clusterId, {client: r, clusterId})
  }
  return {homeId, remotes: byId}
}

/** What is left of each peering to unpeer; a peering with leftovers on this side needs its remote context. */
export async function unpeerInputs(
  client: KubeClient,
  liqo: LiqoAdapter,
  fcs: ForeignCluster[],
  u: UnpeerParties,
): Promise<UnpeerInput[]> {
  const inputs: UnpeerInput[] = []
  const missing: string[] = []
  for (const fc of fcs) {
    const remote = u.remotes.get(fc.clusterId)
    const bidirectional = fc.role === 'ConsumerAndProvider'
    if (!remote) {
      // Without the remote cluster only this side can be read: enough to know if anything is left here.
      const here = await liqo.unpeer!.stages({
        home: client,
        remote: client,
        homeId: u.homeId,
        remoteId: fc.clusterId,
        bidirectional: true,
      })
      if (here.some((s) => s.items.some((i) => i.side === 'home'))) missing.push(fc.name)
      continue
    }
    const stages = await liqo.unpeer!.stages({
      home: client,
      remote: remote.client,
      homeId: u.homeId,
      remoteId: fc.clusterId,
      bidirectional,
    })
    if (stages.length)
      inputs.push({
        foreignCluster: fc.name,
        clusterId: fc.clusterId,
        context: remote.client.context,
        left: stages.map((s) => ({module: s.module, objects: s.items.length})),
      })
  }
  if (missing.length) {
    throw new UsageError(
      `--unpeer needs the context of every peered cluster; none given for ${missing.join(', ')}`,
      `pass --remote-context <context of ${missing[0]}> (once per cluster)`,
    )
  }
  return inputs
}
