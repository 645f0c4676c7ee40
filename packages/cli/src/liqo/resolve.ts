/**
 * Which ForeignCluster the user means. `<cluster>` may be the ForeignCluster's name, the remote
 * cluster ID (label discovery.liqo.io/cluster-id, as the tutorial uses it) or the remote cluster's
 * name. Only exact matches count: a typo must never select some other cluster. Pure.
 */
import {UserError} from '../toolkit/errors.js'
import {LABEL_FC_CLUSTER_ID} from './constants.js'
import type {ForeignCluster} from '../model/types.js'

export type MatchKind = 'name' | 'cluster-id' | 'cluster-name'

export interface Resolved {
  fc: ForeignCluster
  matchedBy: MatchKind[]
}

export function describeForeignCluster(fc: ForeignCluster): string {
  const parts = [`ID ${fc.clusterId || '?'}`]
  if (fc.clusterName && fc.clusterName !== fc.name) parts.push(`cluster name ${fc.clusterName}`)
  return `${fc.name} (${parts.join(', ')})`
}

export function matchForeignClusters(input: string, fcs: ForeignCluster[]): Resolved[] {
  const want = input.trim().toLowerCase()
  const out: Resolved[] = []
  for (const fc of fcs) {
    const by: MatchKind[] = []
    if (fc.name.toLowerCase() === want) by.push('name')
    const ids = new Set([fc.clusterId, fc.labels[LABEL_FC_CLUSTER_ID]].filter(Boolean).map((x) => x!.toLowerCase()))
    if (ids.has(want)) by.push('cluster-id')
    if (fc.clusterName && fc.clusterName.toLowerCase() === want) by.push('cluster-name')
    if (by.length) out.push({fc, matchedBy: by})
  }
  return out
}

export function resolveForeignCluster(input: string, fcs: ForeignCluster[], context: string): Resolved {
  if (fcs.length === 0) {
    throw new UserError(
      `there are no ForeignClusters on context "${context}": this cluster has no peerings`,
      'peer a cluster first (liqoctl add cluster), or check --context',
    )
  }
  const known = fcs.map(describeForeignCluster).join('; ')
  if (!input.trim()) throw new UserError('no cluster given', `pass one of: ${known}`)
  const matches = matchForeignClusters(input, fcs)
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) {
    throw new UserError(
      `no ForeignCluster on context "${context}" matches "${input}" (by name, cluster ID or cluster name)`,
      `known clusters: ${known}`,
    )
  }
  // Two different ForeignClusters match (say one by name, another by cluster name): never guess.
  throw new UserError(
    `"${input}" is ambiguous on context "${context}": it ` +
      `matches ${matches.map((m) => `${describeForeignCluster(m.fc)} by ${m.matchedBy.join(' and ')}`).join('; ')}`,
    'use the ForeignCluster name (first column of: liqo-topology peer list)',
  )
}
