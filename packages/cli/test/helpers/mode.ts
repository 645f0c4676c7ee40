/**
 * What differs between the two lab modes, for the integration tests in test/integration/both/
 * that run one test body on the Liqo v0.3 emulator lab and on the Liqo v1.2 lab. Every name,
 * path and field here is read back with the API or kubectl, never through liqo-topology.
 */
import type {Json} from '../../src/k8s/client.js'
import {ensurePeerings, setupTutorial, waitVirtualNodesReady} from '@liqo-topology/lab/tutorial'
import {fcPath} from '../../src/liqo/constants.js'
import {admin, cli, clusterId, isV1, kubectl, lab, remoteIds} from './lab.js'

export {isV1, namespaceOffloading} from './lab.js'
/** Title suffix naming the mode, so that the report tells the two runs apart. */
export const modeNote = ` [Liqo ${isV1 ? 'v1.2' : 'v0.3 emulator'}]`

/** The name of a remote cluster's virtual node (v0.x: liqo-<cluster ID>; v1.x: the cluster ID). */
export function virtualNodeName(cluster: string): string {
  return isV1 ? clusterId(cluster) : `liqo-${clusterId(cluster)}`
}

function virtualNodePath(cluster: string): string {
  const id = clusterId(cluster)
  return `/apis/offloading.liqo.io/v1beta1/namespaces/liqo-tenant-${id}/virtualnodes/${id}`
}

/** The remote namespace that mirrors `namespace` on a provider (EnforceSameName on v0.3, liqoctl's default on v1). */
export function remoteNamespace(namespace: string): string {
  return isV1 ? `${namespace}-${clusterId('cluster-1')}` : namespace
}

/** Whether offloading to `cluster` is switched on, read from Liqo's own object. */
export async function offloadingOn(cluster: string): Promise<boolean> {
  const c = await admin()
  if (isV1) return ((await c.get<Json>(virtualNodePath(cluster))).spec?.createNode ?? true) !== false
  return (await c.get<Json>(fcPath(cluster))).spec?.outgoingPeeringEnabled === 'Yes'
}

/**
 * Every remote cluster offloaded to again, its virtual node Ready (tests that switch peerings call this afterwards).
 */
export async function restoreOffloading(): Promise<void> {
  const c = await admin()
  if (!isV1) return ensurePeerings(c, remoteIds(), 90_000)
  for (const cluster of ['cluster-2', 'cluster-3'])
    if (!(await offloadingOn(cluster))) await c.patch(virtualNodePath(cluster), {spec: {createNode: true}}, 'merge')
  await waitVirtualNodesReady(c, remoteIds(), 180_000)
}

/** The tutorial's state: liqo-test offloaded, nginx-deployment's 3 pods Running over both remote clusters. */
export async function setUpTutorial(): Promise<void> {
  await restoreOffloading()
  if (!isV1) return setupTutorial(await admin(), remoteIds(), () => {})
  const up = await cli(['lab', 'up', '--dir', lab!.dir, '--liqo', 'v1.2', '--tutorial'], {timeoutMs: 240_000})
  if (up.code !== 0) throw new Error(`lab up --tutorial failed: ${up.stderr}`)
}

/** A node selector term that picks only `cluster`'s virtual node (by Liqo's remote-cluster-id label). */
export function onlyCluster(cluster: string): Json {
  return {
    nodeSelectorTerms: [
      {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: [clusterId(cluster)]}]},
    ],
  }
}

/** `kubectl get` of the switch, as an operator would check it. */
export async function switchByKubectl(cluster: string): Promise<string> {
  const id = clusterId(cluster)
  const r = isV1
    ? await kubectl(['get', 'virtualnode', id, '-n', `liqo-tenant-${id}`, '-o', 'jsonpath={.spec.createNode}'])
    : await kubectl(['get', 'foreignclusters', cluster, '-o', 'jsonpath={.spec.outgoingPeeringEnabled}'])
  return r.stdout.trim()
}

/** The value switchByKubectl reads when offloading is on, or off. */
export const SWITCH = isV1 ? {on: 'true', off: 'false'} : {on: 'Yes', off: 'No'}
