/**
 * What the Liqo v1 releases do differently for the tool's users, in one table, read from
 * liqotech/liqo at each tag (pkg/liqo-controller-manager/offloading/virtualnode-controller/drain.go,
 * the drain of a virtual node that switching offloading off starts):
 * - v1.0: the drain evicts every pod on the virtual node, DaemonSet pods included.
 * - v1.1: the same, but when the ForeignCluster is dead it force-deletes the pods instead of evicting them.
 * - v1.2: as v1.1, and it skips DaemonSet pods and mirror pods (they go with the node).
 * The release is read from the controller manager Deployment's app.kubernetes.io/version label.
 */
import type {KubeClient} from '../k8s/client.js'
import type {DrainBehaviour} from '../model/impact.js'
import {liqoVersion} from './detect.js'

interface ReleaseRow {
  /** The first minor release of v1 the row holds for. */
  fromMinor: number
  evictsDaemonSetPods: boolean
  /** Dead ForeignCluster: the drain force-deletes its pods (grace period 0) instead of evicting them. */
  forceDeletesPodsOfDeadCluster: boolean
}

/** Newest first. */
const RELEASES: ReleaseRow[] = [
  {fromMinor: 2, evictsDaemonSetPods: false, forceDeletesPodsOfDeadCluster: true},
  {fromMinor: 1, evictsDaemonSetPods: true, forceDeletesPodsOfDeadCluster: true},
  {fromMinor: 0, evictsDaemonSetPods: true, forceDeletesPodsOfDeadCluster: false},
]

/** The row of a v1 release ("v1.0.1", "1.1.2"); the newest row when the version is unknown or not v1. */
export function releaseRow(version: string | undefined): ReleaseRow {
  const m = /^v?1\.(\d+)\./.exec(version ?? '')
  const minor = m ? Number(m[1]) : Infinity
  return RELEASES.find((r) => minor >= r.fromMinor) ?? RELEASES[0]!
}

/**
 * How a v1 release drains a virtual node, for a disable's preview. A release that cannot be read
 * (no permission, another namespace, a build tag) is taken as the oldest, whose drain evicts the
 * most: a preview may warn of an eviction that does not come, never hide one that does.
 */
export function drainBehaviourOf(version: string | undefined): DrainBehaviour {
  const known = !!version && /^v?1\.\d+\./.test(version)
  if (!known) return {release: 'Liqo v1 (release not read)', evictsDaemonSetPods: true}
  return {release: `Liqo v${version.replace(/^v/, '')}`, evictsDaemonSetPods: releaseRow(version).evictsDaemonSetPods}
}

/** The drain behaviour of the Liqo v1 release `client`'s cluster runs. */
export async function readDrainBehaviour(client: KubeClient): Promise<DrainBehaviour> {
  return drainBehaviourOf(await liqoVersion(client))
}
