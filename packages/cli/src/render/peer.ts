/** Renderers for `peer list`, the impact preview, and the result/timeline of `peer disable|enable`. */
import {formatAge, formatDuration} from '../toolkit/duration.js'
import {reachLine, type Reach} from '../toolkit/rerun.js'
import type {EvictionImpact} from '../model/impact.js'
import type {PeerChangeResult, PeerListResult, PeerPlan} from '../services/peer.js'
import {cordonCell, rebalanceCordonsDocument} from './cordon.js'
import {renderTable} from './table.js'
import {info, linesText, warning, type Line} from './lines.js'
import {document} from './machine.js'

function nodeReadiness(v: {ready: boolean; schedulable: boolean; present: boolean}): string {
  if (!v.present) return 'Gone'
  return v.ready ? (v.schedulable ? 'True' : 'True,Cordoned') : 'False'
}

/** A cluster ID short enough for a table: a UUID (Liqo v0.x) to its first 8 characters, as git does. */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id.slice(0, 8) : id
}

/** One pod of an eviction impact as json/yaml show it; `nameKey` is the field that carries its name. */
export function evictionDocument(p: EvictionImpact, nameKey: 'pod' | 'name'): Record<string, unknown> {
  return {
    namespace: p.namespace,
    [nameKey]: p.name,
    owner: p.owner ?? null,
    outcome: p.outcome,
    destinations: p.destinations.map((d) => d.name),
    reasons: p.reasons,
  }
}

type Peer = PeerListResult['peers'][number]

/** Liqo v1's modules folded into one word: Healthy, or the first that is not (enabled ones only). */
function health(p: Peer): string {
  if (!p.modules) return '-'
  const bad = Object.entries(p.modules).find(([, m]) => m.status !== 'Healthy' && m.status !== 'Disabled')
  return bad ? `${bad[0]}=${bad[1].status}` : 'Healthy'
}

/**
 * The peerings. By default within 100 columns (short IDs, the switch and its phase in one column,
 * Liqo v1's modules folded); -o wide shows every field.
 */
export function renderPeerList(r: PeerListResult, o: {wide: boolean; now: number}): string {
  return o.wide ? renderPeerListWide(r, o.now) : renderPeerListShort(r)
}

function renderPeerListShort(r: PeerListResult): string {
  const withModules = r.peers.some((p) => p.modules)
  // The column appears once a cluster is cordoned (the table of a lab without cordons stays as it was).
  const withCordons = r.peers.some((p) => p.cordonedBy.length)
  const headers = [
    'name',
    'cluster-id',
    'outgoing',
    'virtual-node',
    ...(withCordons ? ['cordon'] : []),
    'pods',
    ...(withModules ? ['role', 'health'] : []),
  ]
  const rows = r.peers.map((p) => [
    p.name,
    p.clusterId ? shortId(p.clusterId) : '<none>',
    `${p.outgoingEnabled}/${p.outgoingPhase}`,
    p.virtualNodes.length
      ? p.virtualNodes
          .map((v) => (v.present ? (v.ready ? (v.schedulable ? 'Ready' : 'Cordoned') : 'NotReady') : 'Gone'))
          .join(',')
      : '-',
    ...(withCordons ? [cordonCell(p)] : []),
    p.pods,
    ...(withModules ? [p.role ?? '-', health(p)] : []),
  ])
  return renderTable(headers, rows)
}

function renderPeerListWide(r: PeerListResult, now: number): string {
  const withModules = r.peers.some((p) => p.modules)
  const withCordons = r.peers.some((p) => p.cordonedBy.length)
  const headers = [
    'name',
    'cluster-id',
    'cluster-name',
    'outgoing',
    'outgoing-phase',
    'incoming-phase',
    'virtual-node',
    'node-ready',
    ...(withCordons ? ['cordon'] : []),
    'pods',
    ...(withModules ? ['role', 'modules'] : []),
    'reason',
    'age',
  ]
  const rows = r.peers.map((p) => [
    p.name,
    p.clusterId || '<none>',
    p.clusterName || '<none>',
    p.outgoingEnabled,
    p.outgoingPhase,
    p.incomingPhase,
    p.virtualNodes.length
      ? p.virtualNodes.map((v) => (v.createNode === false ? `${v.name}(createNode=false)` : v.name)).join(',')
      : '<none>',
    p.virtualNodes.length ? p.virtualNodes.map(nodeReadiness).join(',') : '-',
    ...(withCordons ? [cordonCell(p)] : []),
    p.pods,
    ...(withModules
      ? [
          p.role ?? '-',
          p.modules
            ? `networking=${p.modules.networking.status},authentication=` +
              `${p.modules.authentication.status},offloading=${p.modules.offloading.status}`
            : '-',
        ]
      : []),
    p.outgoingReason ?? '',
    formatAge(p.createdAt, now),
  ])
  return renderTable(headers, rows)
}

/** `reach`: how the command reached the cluster, for the command that clears a stale cordon. */
export function peerListDocument(r: PeerListResult, reach?: Reach): Record<string, unknown> {
  const to = reach ?? {context: r.context, args: [], leftOut: []}
  return document('PeerList', {
    context: r.context,
    items: r.peers.map((p) => ({
      name: p.name,
      clusterID: p.clusterId,
      clusterName: p.clusterName,
      outgoingPeeringEnabled: p.outgoingEnabled,
      outgoingPhase: p.outgoingPhase,
      outgoingReason: p.outgoingReason ?? null,
      incomingPhase: p.incomingPhase,
      virtualNode: p.virtualNode ?? null,
      virtualNodes: p.virtualNodes,
      ...(p.role ? {role: p.role} : {}),
      ...(p.modules ? {modules: p.modules} : {}),
      pods: p.pods,
      cordonedBy: p.cordonedBy,
      rebalanceCordons: rebalanceCordonsDocument(p, to),
    })),
  })
}

/** One evicted pod and where its replacement can go. */
export const podLine = (p: EvictionImpact): string => podImpactLine(p).text

/** One evicted pod as a line: a warning when its replacement would stay Pending or there is none. */
export function podImpactLine(p: EvictionImpact): Line {
  const where = {
    rescheduled: `replacement can go to ${p.destinations.map((d) => d.name).join(', ')}`,
    pending: `replacement would stay Pending: ${p.reasons.join('; ')}`,
    'not-replaced': 'not replaced (no controller)',
    daemonset: `evicted too (${p.reasons.join('; ')}); its DaemonSet does not run it elsewhere`,
  }[p.outcome]
  const text = `    ${p.namespace}/${p.name}${p.owner ? ` (${p.owner})` : ''}: ${where}`
  return p.outcome === 'rescheduled' ? info(text) : warning(text)
}

/** The plan shown before confirmation (stderr) or as the result of --dry-run (stdout). */
export function renderPlan(plan: PeerPlan): string {
  return linesText(planLines(plan))
}

/** The plan as lines, its warnings marked. */
export function planLines(plan: PeerPlan): Line[] {
  const fc = plan.fc
  const id = `ForeignCluster ${fc.name}, cluster ID ${fc.clusterId || '?'}`
  const verb = plan.action === 'disable' ? 'Disable' : 'Enable'
  const lines = [info(`${verb} outgoing peering to ${plan.cluster.name} (${id}) on context "${plan.context}":`)]
  lines.push(...plan.wording.writes.map((w) => info(`  ${w}`)))
  if (plan.action === 'enable') {
    lines.push(info(`  ${plan.wording.effect}`))
    lines.push(
      info(`  Running pods are not moved back; only new or rescheduled pods can land on ${plan.cluster.name}.`),
    )
    return lines
  }
  const impact = plan.impact!
  if (impact.virtualNode) lines.push(info(`  ${plan.wording.effect}`))
  else lines.push(info(`  ${plan.cluster.name} has no virtual node now; nothing runs there.`))
  if (plan.wording.keeps) lines.push(info(`  ${plan.wording.keeps}`))
  if (impact.pods.length) {
    lines.push(info(`  ${impact.pods.length} pod(s) will be evicted:`))
    lines.push(...impact.pods.map(podImpactLine))
  } else lines.push(info('  No pod runs there: nothing will be evicted.'))
  lines.push(...impact.notes.map((n) => info(`  ${n}`)))
  lines.push(info(`  Clusters that remain: ${impact.remaining.map((c) => c.name).join(', ') || 'none'}`))
  for (const w of impact.warnings) lines.push(warning(`  Warning: ${w}`))
  return lines
}

export function planDocument(plan: PeerPlan): Record<string, unknown> {
  return document('PeerPlan', {
    action: plan.action,
    context: plan.context,
    cluster: {
      name: plan.cluster.name,
      foreignCluster: plan.fc.name,
      clusterID: plan.fc.clusterId,
      matchedBy: plan.matchedBy,
    },
    generation: plan.generation,
    outgoingPeeringEnabled: {from: plan.fc.outgoingEnabled, to: plan.action === 'disable' ? 'No' : 'Yes'},
    writes: plan.wording.writes,
    alreadyDone: plan.alreadyDone,
    namespaces: plan.namespaces,
    ...(plan.impact
      ? {
          virtualNode: plan.impact.virtualNode ?? null,
          virtualNodes: plan.impact.virtualNodes,
          evictions: plan.impact.pods.map((p) => evictionDocument(p, 'pod')),
          remainingClusters: plan.impact.remaining.map((c) => c.name),
          warnings: plan.impact.warnings,
        }
      : {}),
  })
}

const sec = (ms: number | undefined) => (ms === undefined ? '-' : `+${(ms / 1000).toFixed(1)}s`)

/** What happened, for stdout: moved pods, timeline, total time. */
export function renderPeerResult(r: PeerChangeResult, reach?: Reach): string {
  const plan = r.plan
  const to = reach ?? {context: plan.context, args: [], leftOut: []}
  const verb = plan.action === 'disable' ? 'disabled' : 'enabled'
  const head = r.patched
    ? `Outgoing peering to ${plan.cluster.name} ${verb} on context "${plan.context}".`
    : `Outgoing peering to ${plan.cluster.name} was already ${verb} on context "${plan.context}".`
  const out = [head]
  if (!r.waited) {
    const follow =
      plan.action === 'disable'
        ? plan.namespaces.map((ns) => reachLine('wait', ['-n', ns, '--away-from', plan.cluster.name], to))
        : []
    out.push(
      follow.length
        ? `Not waiting (--no-wait); follow the rescheduling with:\n${follow.map((f) => `  ${f}`).join('\n')}`
        : 'Not waiting (--no-wait).',
    )
    return `${out.join('\n')}\n`
  }
  if (!r.patched && !r.moved.length) {
    // Nothing was changed and nothing moved: no timeline to show.
    const f = r.final
    if (plan.action === 'disable' && f?.totalPods)
      out.push(
        `Nothing left to move: ${f.readyPods}/${f.totalPods} pods ready ` +
          `(${f.placement.clusters.map((c) => `${c.cluster.name} ${c.pods}`).join(', ')}).`,
      )
    return `${out.join('\n')}\n`
  }
  if (plan.action === 'disable' && r.moved.length) {
    out.push('')
    out.push(
      renderTable(
        ['pod', 'left', 'replacement', 'on', 'scheduled', 'ready'],
        r.moved.map((m) => [
          `${m.namespace}/${m.pod}`,
          `${m.from} ${sec(m.evictedAt)}`,
          m.replacement?.pod ?? '<none>',
          m.replacement?.cluster ?? '-',
          sec(m.replacement?.scheduledAt),
          sec(m.replacement?.readyAt),
        ]),
      ).trimEnd(),
    )
  }
  out.push('', 'Timeline:')
  for (const e of r.timeline) out.push(`  ${sec(e.at).padStart(7)}  ${e.text}`)
  if (plan.action === 'disable' && r.final) {
    const where = r.final.placement.clusters.map((c) => `${c.cluster.name} ${c.pods}`).join(', ')
    out.push(
      `Converged in ${formatDuration(r.elapsedMs)}: ${r.final.readyPods}/${r.final.totalPods} pods ` +
        `ready${where ? ` (${where})` : ''}.`,
    )
    if (r.peeringPhase && r.peeringPhase !== 'None')
      out.push(
        `The peering with ${plan.cluster.name} is ${r.peeringPhase}: ${plan.wording.stillDoing} (no pod moves ` +
          `any more); "liqo-topology peer list" shows when it reaches None.`,
      )
  } else out.push(`Ready in ${formatDuration(r.elapsedMs)}.`)
  return `${out.join('\n')}\n`
}

export function peerResultDocument(r: PeerChangeResult): Record<string, unknown> {
  return document('PeerChange', {
    action: r.plan.action,
    context: r.plan.context,
    cluster: {name: r.plan.cluster.name, foreignCluster: r.plan.fc.name, clusterID: r.plan.fc.clusterId},
    changed: r.patched,
    waited: r.waited,
    converged: r.converged,
    elapsedMs: r.elapsedMs,
    moved: r.moved.map((m) => ({
      namespace: m.namespace,
      pod: m.pod,
      from: m.from,
      evictedAtMs: m.evictedAt ?? null,
      replacement: m.replacement
        ? {
            pod: m.replacement.pod,
            cluster: m.replacement.cluster,
            scheduledAtMs: m.replacement.scheduledAt ?? null,
            readyAtMs: m.replacement.readyAt ?? null,
            readySince: m.replacement.readySince ?? null,
          }
        : null,
    })),
    timeline: r.timeline.map((e) => ({atMs: e.at, kind: e.kind, text: e.text})),
    placement: r.final
      ? r.final.placement.clusters.map((c) => ({cluster: c.cluster.name, pods: c.pods, ready: c.ready}))
      : null,
    peeringPhase: r.peeringPhase ?? null,
  })
}

/** What a peer change says to people, the same in the terminal and on the board. */
export const peerChangeWords = {
  verb: (plan: PeerPlan) => (plan.action === 'disable' ? 'disabled' : 'enabled'),
  already: (plan: PeerPlan) => {
    const state = `${peerChangeWords.verb(plan)} (phase ${plan.fc.outgoingPhase})`
    return `outgoing peering to ${plan.cluster.name} already ${state}; nothing to change`
  },
  question: (plan: PeerPlan) => {
    const verb = plan.action === 'disable' ? 'Disable' : 'Enable'
    return `${verb} outgoing peering to "${plan.cluster.name}" on context "${plan.context}"?`
  },
  /** What declining leaves. */
  declined: (plan: PeerPlan) => {
    return `peering to ${plan.cluster.name} left ${plan.fc.outgoingEnabled === 'No' ? 'disabled' : 'as it was'}`
  },
  /** The writes, as the change starts. */
  applying: (plan: PeerPlan) => `${plan.action} ${plan.cluster.name}: ${plan.wording.writes.join('; ').trim()}`,
  /** The pods that make a disable need --force. */
  stuck: (pods: EvictionImpact[]) => {
    const names = [...pods.slice(0, 3).map((p) => `${p.namespace}/${p.name}`), ...(pods.length > 3 ? ['…'] : [])]
    return `${pods.length} evicted pod(s) would stay Pending or not be replaced (${names.join(', ')})`
  },
  done: (plan: PeerPlan, elapsedMs: number) => {
    const s = `${(elapsedMs / 1000).toFixed(1)}s`
    return plan.action === 'disable' ? `rescheduling converged in ${s}` : `${plan.cluster.name} ready in ${s}`
  },
}
