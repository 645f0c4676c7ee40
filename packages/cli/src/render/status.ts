/** Renderers for `status`. */
import type {StatusReport} from '../services/status.js'
import {summarizeCluster} from './placement.js'
import {renderPeerList} from './peer.js'
import {renderTable} from './table.js'
import {document} from './machine.js'

export function renderStatus(r: StatusReport, now: number): string {
  const out: string[] = []
  out.push(`Context:   ${r.context} (${r.server})`)
  out.push(`Liqo:      ${r.liqo.version ? `${r.liqo.version}, ` : ''}${r.liqo.description}`)
  if (r.local)
    out.push(`Cluster:   ${r.local.name ? `${r.local.name} (cluster ID ${r.local.id})` : `cluster ID ${r.local.id}`}`)
  out.push('')
  out.push(
    r.peers.length
      ? renderPeerList({context: r.context, peers: r.peers}, {wide: false, now}).trimEnd()
      : 'No ForeignClusters: this cluster has no peerings.',
  )
  out.push('')
  if (!r.namespaceExists) out.push(`Namespace ${r.namespace}: does not exist`)
  else if (!r.offloading) out.push(`Namespace ${r.namespace}: not offloaded (no NamespaceOffloading "offloading")`)
  else {
    const o = r.offloading
    out.push(
      `Namespace ${r.namespace}: offloading ${o.deletionTimestamp ? 'Terminating' : (o.phase ?? 'unknown')} ` +
        `(pods ${o.podStrategy}, ` +
        `names ${o.mappingStrategy}${o.remoteNamespaceName ? `, remote namespace ${o.remoteNamespaceName}` : ''})`,
    )
    if (r.remoteNamespaces.length) {
      out.push(
        renderTable(
          ['cluster', 'cluster-id', 'remote-namespace'],
          r.remoteNamespaces.map((n) => [
            n.cluster,
            n.clusterId,
            n.conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', '),
          ]),
        ).trimEnd(),
      )
    }
  }
  for (const n of r.ignoredOffloadings)
    out.push(
      `Warning: NamespaceOffloading "${n}" in ${r.namespace} is ignored by Liqo: only one named "offloading" ` +
        `is acted on`,
    )
  if (r.pods) {
    out.push('')
    out.push(
      r.pods.items.length
        ? `Pods in ${r.namespace}: ${r.pods.clusters.map(summarizeCluster).join('; ')}`
        : `Pods in ${r.namespace}: none`,
    )
  }
  return `${out.join('\n')}\n`
}

export function statusDocument(r: StatusReport): Record<string, unknown> {
  return document('Status', {
    context: r.context,
    server: r.server,
    liqo: {line: r.liqo.line, description: r.liqo.description, version: r.liqo.version ?? null, groups: r.liqo.groups},
    cluster: r.local ?? null,
    peers: r.peers,
    namespace: {
      name: r.namespace,
      exists: r.namespaceExists,
      offloading: r.offloading
        ? {
            phase: r.offloading.phase ?? null,
            podOffloadingStrategy: r.offloading.podStrategy,
            namespaceMappingStrategy: r.offloading.mappingStrategy,
            remoteNamespaceName: r.offloading.remoteNamespaceName ?? null,
            terminating: !!r.offloading.deletionTimestamp,
          }
        : null,
      ignoredOffloadings: r.ignoredOffloadings,
      remoteNamespaces: r.remoteNamespaces,
      pods: r.pods
        ? r.pods.clusters.map((c) => ({cluster: c.cluster.name, kind: c.cluster.kind, pods: c.pods, ready: c.ready}))
        : [],
    },
  })
}
