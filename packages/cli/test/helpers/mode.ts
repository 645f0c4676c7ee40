/**
 * What differs between the two lab modes, for the integration tests in test/integration/both/
 * that run one test body on the Liqo v0.3 emulator lab and on the Liqo v1 labs (v1.2; v1.0 and v1.1
 * for the tutorial). Every name,
 * path and field here is read back with the API or kubectl, never through liqo-topology.
 */
import type {Json} from '../../src/k8s/client.js'
import {pinnedLiqoVersions} from '@liqo-topology/lab/binaries'
import {ensurePeerings, setupTutorial, untilWatched, waitVirtualNodesReady} from '@liqo-topology/lab/tutorial'
import type {LiqoV1Line} from '@liqo-topology/lab/v1/liqo-lines'
import {fcPath} from '../../src/liqo/constants.js'
import {admin, cli, clusterId, isV1, kubectl, lab, labLiqo, remoteIds} from './lab.js'

export {isV1, namespaceOffloading} from './lab.js'
/** The Liqo release the lab runs: the one its line's wrapper module pins (e.g. v1.0.1), or v0.3.2 emulated. */
export const liqoRelease = isV1 ? pinnedLiqoVersions(labLiqo as LiqoV1Line).liqo : 'v0.3.2'
/** Title suffix naming the mode, so that the report tells the two runs apart. */
export const modeNote = ` [Liqo ${isV1 ? labLiqo : 'v0.3 emulator'}]`

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
 * Until offloading to `cluster` is seen switched off in Liqo's own object: watched (one list, one
 * watch), so the moment the patch lands is seen as it is written, not at the next poll.
 */
export async function offloadingOff(cluster: string, timeoutMs: number): Promise<void> {
  const path = isV1 ? virtualNodePath(cluster) : fcPath(cluster)
  const slash = path.lastIndexOf('/')
  const [collection, name] = [path.slice(0, slash), path.slice(slash + 1)]
  await untilWatched(await admin(), [collection], `offloading to ${cluster} switched off`, timeoutMs, ([objs]) => {
    const obj = objs!.find((o) => o.metadata?.name === name)
    return !!obj && (isV1 ? obj.spec?.createNode === false : obj.spec?.outgoingPeeringEnabled !== 'Yes')
  })
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
  const up = await cli(['lab', 'up', '--dir', lab!.dir, '--liqo', labLiqo, '--tutorial'], {timeoutMs: 240_000})
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
