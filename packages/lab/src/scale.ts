/**
 * The scale scenario: up to 100 remote clusters (the lab's two, plus clusters that exist only as
 * peered virtual nodes, with no API server behind them) and N pods in one offloaded namespace,
 * created through Deployments so that the real controller manager, scheduler and webhook place them.
 */
import {randomUUID} from 'node:crypto'

import type {KubeClient} from 'liqo-topology/k8s/client'
import {LABEL_PROVIDER, LABEL_REGION} from 'liqo-topology/liqo/constants'
import {addForeignCluster} from './emulator/bootstrap.js'
import type {Emulator} from './emulator/emulator.js'
import type {EmuCluster} from './emulator/model.js'
import {ensurePeerings, nginxDeploymentBody, offloadNamespace, untilWatched} from './tutorial.js'

export interface ScaleOptions {
  clusters: number
  pods: number
  namespace: string
  /** Replicas per Deployment. */
  perDeployment: number
}

const REGIONS = ['eu-west', 'eu-east', 'us-west', 'us-east', 'ap-south']

export async function populateScale(
  emulator: Emulator,
  home: EmuCluster,
  existing: EmuCluster[],
  o: ScaleOptions,
  progress: (m: string) => void,
): Promise<{ms: number}> {
  const started = Date.now()
  const client = home.client as KubeClient
  const extra: EmuCluster[] = []
  for (let i = existing.length + 1; i <= o.clusters; i++) {
    const name = `scale-${String(i).padStart(3, '0')}`
    extra.push({
      name,
      id: randomUUID(),
      role: 'virtual',
      labels: {[LABEL_PROVIDER]: `provider-${name}`, [LABEL_REGION]: REGIONS[i % REGIONS.length]!},
      nodeName: '',
      index: 10 + i,
      authUrl: `https://${name}.lab.local`,
    })
  }
  emulator.addVirtualClusters(extra)
  progress(`peering ${extra.length} more clusters (${o.clusters} remote clusters in all)`)
  for (const c of extra) await addForeignCluster(client, c)
  await ensurePeerings(
    client,
    [...existing, ...extra].map((c) => c.id),
    600_000,
  )

  progress(`offloading namespace ${o.namespace}`)
  await offloadNamespace(client, o.namespace)
  const deployments = Math.ceil(o.pods / o.perDeployment)
  progress(`creating ${o.pods} pods in ${deployments} Deployments`)
  for (let d = 0; d < deployments; d++) {
    const replicas = Math.min(o.perDeployment, o.pods - d * o.perDeployment)
    const body = nginxDeploymentBody(o.namespace, replicas)
    const app = `scale-${d}`
    body.metadata.name = app
    body.metadata.labels = {app}
    body.spec.selector.matchLabels = {app}
    body.spec.template.metadata.labels = {app}
    await client.create(`/apis/apps/v1/namespaces/${o.namespace}/deployments`, body).catch((e: {code?: number}) => {
      if (e.code !== 409) throw e
    })
  }
  // Watched (one list and one watch of the Deployments), each status change counted as it arrives;
  // progress is reported when the count changes.
  let ready = -1
  const budgetMs = Math.max(0, 1_800_000 - (Date.now() - started))
  await untilWatched(client, [`/apis/apps/v1/namespaces/${o.namespace}/deployments`], 'the pods', budgetMs, ([ds]) => {
    const now = ds!.reduce((n, d) => n + ((d.status?.readyReplicas as number | undefined) ?? 0), 0)
    if (now !== ready) progress(`${now}/${o.pods} pods ready`)
    ready = now
    return ready >= o.pods
  }).catch((e: Error) => {
    throw new Error(`only ${Math.max(ready, 0)}/${o.pods} pods ready after 30 minutes`, {cause: e})
  })
  return {ms: Date.now() - started}
}
