/**
 * Which Liqo API a cluster serves, from API discovery (`/apis`), per the version table of
 * liqo-api.md §4.1. Which lines liqo-topology can drive is decided by the adapters registered in
 * ./connect.ts.
 */
import {ApiError} from '../toolkit/errors.js'
import type {Json, KubeClient} from '../k8s/client.js'
import {CONFIG_MAPS, DEPLOYMENTS} from '../k8s/kinds.js'
import {CLUSTER_ID_CONFIGMAP_SELECTOR, FOREIGN_CLUSTER, FOREIGN_CLUSTER_V1, LIQO_NAMESPACE} from './constants.js'

export type LiqoLine = 'v0' | 'v1' | 'v0.11-rc' | 'none'

export interface LiqoInfo {
  line: LiqoLine
  /** Human description, e.g. "Liqo v0.3–v0.10 API (discovery.liqo.io/v1alpha1)". */
  description: string
  /** Liqo groups the server serves, with versions. */
  groups: Record<string, string[]>
  /** Exact version when readable (label of the liqo controller-manager Deployment). */
  version?: string
}

export function classifyGroups(groups: Record<string, string[]>): {line: LiqoLine; description: string} {
  const discovery = groups[FOREIGN_CLUSTER.group] ?? []
  const core = groups[FOREIGN_CLUSTER_V1.group] ?? []
  if (discovery.includes(FOREIGN_CLUSTER.version)) {
    return {line: 'v0', description: `Liqo v0.3–v0.10 API (${FOREIGN_CLUSTER.group}/${FOREIGN_CLUSTER.version})`}
  }
  if (core.includes(FOREIGN_CLUSTER_V1.version))
    return {line: 'v1', description: `Liqo v1.x API (${FOREIGN_CLUSTER_V1.group}/${FOREIGN_CLUSTER_V1.version})`}
  if (core.length)
    return {
      line: 'v0.11-rc',
      description: `Liqo v0.11 release-candidate API (${FOREIGN_CLUSTER_V1.group}/${core.join(',')})`,
    }
  return {line: 'none', description: 'no Liqo API'}
}

export async function detectLiqo(client: KubeClient, opts: {exactVersion?: boolean} = {}): Promise<LiqoInfo> {
  // The version label is read beside the discovery (one round trip, not two); used only with Liqo.
  const version = opts.exactVersion ? liqoVersion(client) : undefined
  version?.catch(() => undefined) // awaited below, or dropped when the discovery fails
  const list = await client.get<Json>('/apis')
  const groups: Record<string, string[]> = {}
  for (const g of (list.groups ?? []) as Json[]) {
    if (typeof g.name === 'string' && g.name.endsWith('liqo.io'))
      groups[g.name] = ((g.versions ?? []) as Json[]).map((v) => v.version)
  }
  const info: LiqoInfo = {...classifyGroups(groups), groups}
  const v = info.line !== 'none' ? await version : undefined
  if (v) info.version = v
  return info
}

/** The Liqo controller-manager Deployment's version label; undefined when not readable (RBAC, no liqo namespace). */
export async function liqoVersion(client: KubeClient): Promise<string | undefined> {
  try {
    const deps = await client.get<Json>(DEPLOYMENTS.path({namespace: LIQO_NAMESPACE}), {
      query: {labelSelector: 'app.kubernetes.io/name=controller-manager'},
    })
    const v = deps.items?.[0]?.metadata?.labels?.['app.kubernetes.io/version']
    return typeof v === 'string' && v ? v : undefined
  } catch (e) {
    if (!(e instanceof ApiError)) throw e // the API line is enough
    return undefined
  }
}

/** Liqo's own identity of the cluster (ConfigMap in the liqo namespace), when readable. */
export async function localClusterIdentity(client: KubeClient): Promise<{id: string; name?: string} | undefined> {
  try {
    const cms = await client.get<Json>(CONFIG_MAPS.path({namespace: LIQO_NAMESPACE}), {
      query: {labelSelector: CLUSTER_ID_CONFIGMAP_SELECTOR},
    })
    const data = cms.items?.[0]?.data
    if (data?.CLUSTER_ID) return {id: data.CLUSTER_ID, ...(data.CLUSTER_NAME ? {name: data.CLUSTER_NAME} : {})}
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
  }
  return undefined
}
