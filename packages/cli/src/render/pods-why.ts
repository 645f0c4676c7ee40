/** Renderers of `pods why`: a block per pod (table, wide: a row per node), and the json/yaml document. Pure. */
import {describeTerms, type OffloadingRule} from '../model/scheduling.js'
import {formatAmounts} from '../model/resources.js'
import type {PodScheduling, Taint, Toleration} from '../model/types.js'
import type {ClusterVerdict, NodeVerdict} from '../model/why.js'
import type {PodWhy, PodsWhyResult} from '../services/pods-why.js'
import {formatAge} from '../toolkit/duration.js'
import {document} from './machine.js'
import {renderTable} from './table.js'

export interface WhyTextOptions {
  wide: boolean
  now: number
}

export function describeOffloading(rule: OffloadingRule | undefined): string {
  if (!rule) return 'none: the namespace has no NamespaceOffloading, its pods stay on the local cluster'
  const terms = rule.clusterSelector?.nodeSelectorTerms ?? []
  return (
    `podOffloadingStrategy ${rule.podStrategy}, ` +
    `clusterSelector ${terms.length ? describeTerms(terms) : '<none> (every remote cluster)'} ` +
    `(NamespaceOffloading ${rule.ref})`
  )
}

function tolerationText(t: Toleration): string {
  // As kubectl describe: key=value:effect, or key:effect op=Exists.
  const key = t.key ?? ''
  if (t.operator === 'Exists') return `${key}${t.effect ? `:${t.effect}` : ''} op=Exists`
  return `${key}=${t.value ?? ''}${t.effect ? `:${t.effect}` : ''}`
}

function taintText(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`
}

function describeConstraints(s: PodScheduling): string[] {
  const sel = Object.entries(s.nodeSelector).map(([k, v]) => `${k}=${v}`)
  return [
    `Node selector:  ${sel.join(', ') || '<none>'}`,
    `Node affinity:  ${s.requiredTerms.length ? describeTerms(s.requiredTerms) : '<none>'} (required; Liqo's ` +
      `webhook adds the offloading's terms)`,
    `Tolerations:    ${s.tolerations.map(tolerationText).join(', ') || '<none>'}`,
    'Requests:       ' +
      (s.requests?.cpuMilli || s.requests?.memoryBytes
        ? formatAmounts(s.requests).replace(/, pods \d+$/, '')
        : '<none>'),
  ]
}

/** FITS: "here" (it runs there), "yes" (a pod like it could go there now), "no". */
function fitsText(v: {here: boolean; fits: boolean}): string {
  return v.here ? 'here' : v.fits ? 'yes' : 'no'
}

function clusterReason(c: ClusterVerdict): string {
  if (c.here) return c.fits ? 'it runs here' : `it runs here; a new pod would not fit: ${c.reason ?? ''}`
  return c.fits ? 'a pod like it fits here' : (c.reason ?? '')
}

function nodeRow(c: ClusterVerdict, n: NodeVerdict): string[] {
  const reason = n.here
    ? n.fits
      ? 'it runs here'
      : `it runs here; a new pod would not fit: ${n.reason ?? ''}`
    : n.fits
      ? 'a pod like it fits here'
      : (n.reason ?? '')
  return [
    c.cluster.name,
    n.node,
    fitsText(n),
    n.ready ? 'True' : 'False',
    n.cordoned ? 'yes' : 'no',
    n.taints.map(taintText).join(', ') || '<none>',
    n.room ? formatAmounts(n.room) : '<unknown>',
    reason,
  ]
}

function clustersTable(p: PodWhy, o: WhyTextOptions): string {
  if (!o.wide)
    return renderTable(
      ['cluster', 'fits', 'reason'],
      p.clusters.map((c) => [c.cluster.name, fitsText(c), clusterReason(c)]),
    )
  const rows = p.clusters.flatMap((c) =>
    c.nodes.length
      ? c.nodes.map((n) => nodeRow(c, n))
      : [[c.cluster.name, '<none>', 'no', '', '', '', '', c.reason ?? '']],
  )
  return renderTable(['cluster', 'node', 'fits', 'ready', 'cordoned', 'taints', 'room', 'reason'], rows)
}

function schedulerLines(p: PodWhy, now: number): string[] {
  if (p.cluster.kind !== 'unscheduled') return []
  if (!p.scheduler)
    return [
      `Scheduler:      no FailedScheduling event of this ` +
        `pod${p.unschedulableMessage ? `; its condition says: ${p.unschedulableMessage}` : ' (yet)'}`,
    ]
  const e = p.scheduler.event
  const verdict = p.scheduler.agreement === 'disagrees' ? 'DISAGREES' : p.scheduler.agreement
  return [
    `Scheduler:      FailedScheduling ${formatAge(e.lastSeen, now)} ` +
      `ago${e.count > 1 ? ` (x${e.count})` : ''}: ${e.message}`,
    `Our reasoning:  ${verdict}: ${p.scheduler.detail}`,
  ]
}

export function renderPodWhy(p: PodWhy, offloading: OffloadingRule | undefined, o: WhyTextOptions): string {
  const where =
    p.cluster.kind === 'unscheduled'
      ? `${p.status}, not scheduled`
      : `${p.status} on ${p.cluster.name} (node ${p.node ?? '<none>'})`
  const head = [
    `Pod:            ${p.namespace}/${p.name}`,
    `Status:         ${where}`,
    `Offloading:     ${describeOffloading(offloading)}`,
    ...describeConstraints(p.scheduling),
  ]
  return `${head.join('\n')}\n${clustersTable(p, o)}${schedulerLines(p, o.now)
    .map((l) => `${l}\n`)
    .join('')}`
}

export function renderPodsWhy(r: PodsWhyResult, o: WhyTextOptions): string {
  return r.pods.map((p) => renderPodWhy(p, r.offloading, o)).join('\n')
}

/** The stable document of `pods why -o json|yaml`. */
export function podsWhyDocument(r: PodsWhyResult): Record<string, unknown> {
  return document('PodsWhy', {
    context: r.context,
    namespace: r.namespace,
    offloading: r.offloading
      ? {
          name: r.offloading.ref,
          podOffloadingStrategy: r.offloading.podStrategy,
          clusterSelector: r.offloading.clusterSelector ?? null,
        }
      : null,
    items: r.pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      status: p.status,
      cluster: {name: p.cluster.name, kind: p.cluster.kind, clusterID: p.cluster.id ?? null},
      node: p.node ?? null,
      scheduling: p.scheduling,
      clusters: p.clusters.map((c) => ({
        name: c.cluster.name,
        kind: c.cluster.kind,
        clusterID: c.cluster.id ?? null,
        here: c.here,
        fits: c.fits,
        cause: c.cause ?? null,
        reason: c.reason ?? null,
        nodes: c.nodes.map((n) => ({
          name: n.node,
          here: n.here,
          fits: n.fits,
          cause: n.cause ?? null,
          reason: n.reason ?? null,
          scheduler: n.scheduler,
          ready: n.ready,
          cordoned: n.cordoned,
          taints: n.taints,
          room: n.room ?? null,
        })),
      })),
      scheduler: p.scheduler
        ? {
            event: {
              message: p.scheduler.event.message,
              lastSeen: p.scheduler.event.lastSeen,
              count: p.scheduler.event.count,
            },
            agreement: p.scheduler.agreement,
            detail: p.scheduler.detail,
          }
        : null,
    })),
  })
}
