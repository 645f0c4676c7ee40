/** Renderers of pod placement (`pods where`): table, wide, json, yaml, and the stderr summary. */
import {formatAge} from '../toolkit/duration.js'
import type {ClusterCount, PlacedPod, Placement} from '../model/placement.js'
import type {PodsWhereResult} from '../liqo/placement.js'
import {renderTable} from './table.js'
import {document} from './machine.js'

export interface TableOptions {
  wide: boolean
  allNamespaces: boolean
  now: number
  noHeaders?: boolean
}

export function placementHeaders(o: Pick<TableOptions, 'wide' | 'allNamespaces'>): string[] {
  return [
    ...(o.allNamespaces ? ['namespace'] : []),
    'name',
    'cluster',
    'ready',
    'status',
    'restarts',
    'age',
    ...(o.wide ? ['node', 'ip', 'cluster-id'] : []),
  ]
}

export function placementRow(p: PlacedPod, o: TableOptions): string[] {
  return [
    ...(o.allNamespaces ? [p.namespace] : []),
    p.name,
    p.cluster.name,
    p.ready,
    p.status,
    String(p.restarts),
    formatAge(p.createdAt, o.now),
    ...(o.wide ? [p.node ?? '<none>', p.ip ?? '<none>', p.cluster.id ?? '<none>'] : []),
  ]
}

export function renderPlacementTable(p: Placement, o: TableOptions): string {
  return renderTable(
    placementHeaders(o),
    p.items.map((it) => placementRow(it, o)),
    o.noHeaders ? {noHeaders: true} : {},
  )
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export function summarizeCluster(c: ClusterCount): string {
  const where =
    c.cluster.kind === 'unscheduled'
      ? 'not scheduled'
      : c.cluster.kind === 'unknown'
        ? 'on vanished nodes'
        : c.cluster.name
  return `${where}: ${plural(c.pods, 'pod')}, ${c.ready} ready`
}

/** One line per cluster, for stderr. */
export function renderPlacementSummary(
  r: Pick<PodsWhereResult, 'clusters' | 'items' | 'namespace' | 'allNamespaces'>,
): string {
  if (r.items.length === 0) {
    return r.allNamespaces ? 'No resources found\n' : `No resources found in ${r.namespace} namespace.\n`
  }
  const lines = r.clusters.map(summarizeCluster)
  const pending = r.items.filter((i) => i.cluster.kind === 'unscheduled' && i.message)
  for (const p of pending.slice(0, 3)) lines.push(`${p.name} is Pending: ${p.message}`)
  return `${lines.join('\n')}\n`
}

/** The stable document of `pods where -o json|yaml`. */
export function placementDocument(r: PodsWhereResult): Record<string, unknown> {
  return document('PodPlacement', {
    context: r.context,
    namespace: r.allNamespaces ? null : (r.namespace ?? null),
    allNamespaces: r.allNamespaces,
    total: r.items.length,
    clusters: r.clusters.map((c) => ({
      name: c.cluster.name,
      kind: c.cluster.kind,
      clusterID: c.cluster.id ?? null,
      foreignCluster: c.cluster.foreignCluster ?? null,
      pods: c.pods,
      ready: c.ready,
    })),
    items: r.items.map((i) => ({
      namespace: i.namespace,
      name: i.name,
      cluster: {name: i.cluster.name, kind: i.cluster.kind, clusterID: i.cluster.id ?? null},
      node: i.node ?? null,
      status: i.status,
      ready: i.ready,
      restarts: i.restarts,
      ip: i.ip ?? null,
      owner: i.owner ?? null,
      createdAt: i.createdAt,
    })),
  })
}
