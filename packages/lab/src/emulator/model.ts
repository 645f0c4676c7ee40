/** Shared pieces of the Liqo emulator: the lab topology and small pure helpers. */
import type {KubeClient} from 'liqo-topology/k8s/client'
import type {Reflector} from 'liqo-topology/k8s/reflector'
import type {ForeignCluster} from 'liqo-topology/model/types'
import {microTime, nowIso} from '../core/nodes.js'

/** The time formats of Kubernetes objects (core/nodes.ts), for the emulator's files. */
export {microTime, nowIso}

export interface EmuCluster {
  name: string
  /** Liqo cluster ID (a UUID, as in Liqo v0.3). */
  id: string
  /**
   * home = where the tutorial runs; remote = real API server; virtual = scale scenario only (no API server behind it).
   */
  role: 'home' | 'remote' | 'virtual'
  /** Cluster labels (liqoctl install --cluster-labels), copied onto its virtual node. */
  labels: Record<string, string>
  client?: KubeClient
  /** The cluster's own (emulated) worker node. */
  nodeName: string
  /** Second octet for pod IPs of this cluster. */
  index: number
  /** Where its authentication service would be (the API server URL, in the lab). */
  authUrl: string
}

/** Liqo v0.3 names virtual nodes liqo-<clusterID>. */
export function virtualNodeName(c: Pick<EmuCluster, 'id'>): string {
  return `liqo-${c.id}`
}

export function tenantNamespace(remoteId: string): string {
  return `liqo-tenant-${remoteId}`
}

export interface Cond {
  type: string
  status: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

/** Replaces (or adds) a condition, keeping lastTransitionTime when the status does not change. */
export function withCondition(list: Cond[], next: Cond): Cond[] {
  const old = list.find((c) => c.type === next.type)
  const merged = {
    ...next,
    lastTransitionTime: old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : nowIso(),
  }
  return old ? list.map((c) => (c.type === next.type ? merged : c)) : [...list, merged]
}

/** v0.3 status controller: the offloading phase from the per-cluster conditions. */
export function offloadingPhase(
  conditions: Record<string, Array<{type: string; status: string}>>,
  deleting: boolean,
): string {
  if (deleting) return 'Terminating'
  const ready = Object.values(conditions).flatMap((list) => list.filter((c) => c.type === 'Ready'))
  if (ready.length === 0) return 'NoClusterSelected'
  const ok = ready.filter((c) => c.status === 'True').length
  if (ok === ready.length) return 'Ready'
  if (ok === 0) return 'AllFailed'
  return 'SomeFailed'
}

/** Pod IPs of one node: <prefix>.<0-255>.<1-254>, never .0 or .255, unique for 65,024 pods. */
export class IpPool {
  private n = 0
  constructor(private readonly prefix: string) {}
  next(): string {
    const i = this.n
    this.n = (this.n + 1) % (256 * 254)
    return `${this.prefix}.${Math.floor(i / 254)}.${(i % 254) + 1}`
  }
}

/**
 * Whether the peering is wanted: "Auto" means "do not peer" for clusters added by hand (liqoctl add cluster), as in
 * v0.3.
 */
export function wantsPeering(fc: ForeignCluster | undefined): boolean {
  return !!fc && fc.outgoingEnabled === 'Yes' && !fc.deletionTimestamp
}

export function fcByClusterId(fcs: Reflector<ForeignCluster>, id: string): ForeignCluster | undefined {
  for (const fc of fcs.store.values()) if (fc.clusterId === id) return fc
  return undefined
}
