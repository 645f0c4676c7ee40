/**
 * Keeping new pods off a remote cluster while `rebalance` moves pods away from it, by a means the
 * scheduler supports: a NoSchedule taint `liqo-topology.io/rebalance` on each of the cluster's
 * virtual nodes. Its value names the rebalance (the namespace, or `all-namespaces`), so that a
 * rerun after a crash or a kill finds what an interrupted run left and removes it. Neither Liqo
 * generation drops a taint it did not set (v1's virtual kubelet merges its own with the node's);
 * the Liqo v0.3 emulator treats a cordoned (unschedulable) virtual node as a lost peering, a taint
 * it leaves alone.
 */
import type {KubeClient} from '../k8s/client.js'
import type {Node, Taint} from '../model/types.js'
import {LABEL_REMOTE_CLUSTER_ID} from './constants.js'
import {guardedPatch} from './guarded-patch.js'
import {NODES} from './nodes.js'

export const REBALANCE_TAINT_KEY = 'liqo-topology.io/rebalance'

/** Keeps new pods off a cluster's virtual nodes and lets them back (what `rebalance` needs of a cordon). */
export interface ClusterCordon {
  /** Keeps new pods off every virtual node of the cluster; returns the nodes changed. */
  cordon(client: KubeClient, clusterId: string, by: string): Promise<string[]>
  /** Undoes cordon(); returns the nodes changed. */
  uncordon(client: KubeClient, clusterId: string, by: string): Promise<string[]>
  /** What a rebalance (any) left cordoned: for a rerun to undo. */
  leftovers(client: KubeClient): Promise<Array<{node: string; clusterId: string; by: string}>>
}

const mark = (by: string): Taint => ({key: REBALANCE_TAINT_KEY, value: by, effect: 'NoSchedule'})
const isMark = (t: Taint, by?: string) => t.key === REBALANCE_TAINT_KEY && (by === undefined || t.value === by)

async function virtualNodesOf(client: KubeClient, clusterId: string): Promise<Node[]> {
  return (await NODES.list(client, {labelSelector: `${LABEL_REMOTE_CLUSTER_ID}=${clusterId}`})).items.filter((n) => n.virtual)
}

/** Sets the node's taints to `next(current)`, guarded by its resourceVersion; false when nothing had to change. */
async function retaint(client: KubeClient, name: string, next: (taints: Taint[]) => Taint[] | undefined): Promise<boolean> {
  const raw = await client.getOrNull(NODES.path({name}))
  const current = (raw?.spec?.taints ?? []) as Taint[]
  const want = raw ? next(current) : undefined
  if (!raw || !want) return false
  const r = await guardedPatch(client, {
    path: NODES.path({name}),
    what: `node ${name}`,
    resourceVersion: raw.metadata.resourceVersion,
    body: {spec: {taints: want}},
    done: (fresh) => next((fresh.spec?.taints ?? []) as Taint[]) === undefined,
  })
  return r.changed
}

export const TAINT_CORDON: ClusterCordon = {
  async cordon(client, clusterId, by) {
    const changed: string[] = []
    for (const n of await virtualNodesOf(client, clusterId)) {
      if (await retaint(client, n.name, (t) => (t.some((x) => isMark(x, by)) ? undefined : [...t, mark(by)]))) changed.push(n.name)
    }
    return changed
  },
  async uncordon(client, clusterId, by) {
    const changed: string[] = []
    for (const n of await virtualNodesOf(client, clusterId)) {
      if (await retaint(client, n.name, (t) => (t.some((x) => isMark(x, by)) ? t.filter((x) => !isMark(x, by)) : undefined))) changed.push(n.name)
    }
    return changed
  },
  async leftovers(client) {
    const nodes = (await NODES.list(client)).items
    return nodes.flatMap((n) => n.taints.filter((t) => isMark(t)).map((t) => ({node: n.name, clusterId: n.remoteClusterId ?? '', by: t.value ?? ''})))
  },
}
