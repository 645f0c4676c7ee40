/** Renderers for `peer cordon|uncordon`: the plan (stderr, or stdout with --dry-run) and the result. */
import type {PeerRebalanceCordon} from '../liqo/peers.js'
import type {CordonHolder} from '../model/cordon.js'
import {formatAge} from '../toolkit/duration.js'
import {reachLine, type Reach} from '../toolkit/rerun.js'
import type {CordonPlan, CordonResult} from '../services/cordon.js'
import {info, linesText, warning, type Line} from './lines.js'
import {document} from './machine.js'

/** Another holder's cordon, for people. */
export function holderWords(h: CordonHolder): string {
  return h === 'cordon' ? 'peer cordon' : h === 'disable' ? 'a peer disable under way' : 'a rebalance under way'
}

/** What a peer's cordons are read from. */
interface PeerCordons {
  name: string
  clusterName: string
  cordonedBy: CordonHolder[]
  rebalanceCordons?: PeerRebalanceCordon[]
}

/**
 * The cordons of a peer, for a table: "cordoned" for peer cordon's, the other holders named ("by-disable"), and a
 * rebalance's whose lease has run out as "by-rebalance(stale)": no run holds it any longer.
 */
export function cordonCell(p: PeerCordons): string {
  const words = p.cordonedBy.flatMap((h) => {
    if (h === 'cordon') return ['cordoned']
    if (h !== 'rebalance') return [`by-${h}`]
    const runs = p.rebalanceCordons ?? []
    const live = !runs.length || runs.some((r) => !r.stale)
    return [...(live ? ['by-rebalance'] : []), ...(runs.some((r) => r.stale) ? ['by-rebalance(stale)'] : [])]
  })
  return words.length ? words.join(',') : '-'
}

/** The command that clears a stale rebalance cordon: a rebalance lifts it first, then asks before it moves a pod. */
export function clearStaleCordon(reach: Reach): string {
  return reachLine('rebalance', ['-A'], reach)
}

/** One line on stderr per stale rebalance cordon: what it is, and the command that clears it. */
export function staleCordonWarnings(peers: PeerCordons[], reach: Reach, nowMs: number): string[] {
  return peers.flatMap((p) =>
    (p.rebalanceCordons ?? [])
      .filter((r) => r.stale)
      .map((r) => {
        const cluster = p.clusterName || p.name
        const expired = r.leaseUntilS
          ? `its lease expired ${formatAge(new Date(r.leaseUntilS * 1000).toISOString(), nowMs)} ago`
          : 'it has no lease'
        return (
          `Warning: the rebalance cordon on ${cluster} is stale: its run (${r.run || 'of an older version'}) was ` +
          `interrupted before it could lift it and ${expired}, but it still keeps new pods off ${cluster}; ` +
          `to clear it: ${clearStaleCordon(reach)} (lifts it first, then finishes the spread after asking; ` +
          `answer N to only lift it)`
        )
      }),
  )
}

/** The rebalance runs' cordons of a peer, for -o json|yaml. */
export function rebalanceCordonsDocument(p: PeerCordons, reach: Reach): Array<Record<string, unknown>> {
  return (p.rebalanceCordons ?? []).map((r) => ({
    run: r.run,
    leaseUntil: r.leaseUntilS ? new Date(r.leaseUntilS * 1000).toISOString() : null,
    state: r.stale ? 'Stale' : 'Active',
    ...(r.stale ? {clearWith: clearStaleCordon(reach)} : {}),
  }))
}

export function renderCordonPlan(plan: CordonPlan, reach?: Reach): string {
  return linesText(cordonPlanLines(plan, reach))
}

/** The plan as lines with their severity: another holder's cordon left alone is a warning. */
export function cordonPlanLines(plan: CordonPlan, reach?: Reach): Line[] {
  const to = reach ?? {context: plan.context, args: [], leftOut: []}
  const on = plan.action === 'cordon'
  const fc = plan.fc
  const lines = [
    info(
      `${on ? 'Cordon' : 'Uncordon'} ${plan.cluster} (ForeignCluster ${fc.name}, cluster ` +
        `ID ${fc.clusterId || '?'}) on context "${plan.context}":`,
    ),
  ]
  for (const t of plan.targets) lines.push(info(`  patch ${t} spec.taints: ${on ? 'add' : 'remove'} ${plan.taint}`))
  const pods = `${plan.runningPods} pod(s) running there`
  if (on) {
    lines.push(info(`  No new pod is scheduled on ${plan.cluster}; the ${pods} stay (nothing is evicted).`))
    lines.push(info(`  It lasts until "peer uncordon": ${plan.lasting}.`))
    lines.push(info(`  Undo with: ${reachLine('peer uncordon', [fc.name], to)}`))
  } else {
    lines.push(
      info(`  New pods may be scheduled on ${plan.cluster} again; the ${pods} stay, and pods are not moved back.`),
    )
  }
  for (const h of plan.others)
    lines.push(
      warning(`  Warning: ${plan.cluster} is also cordoned by ${holderWords(h)}, which this command leaves alone.`),
    )
  return lines
}

export function cordonPlanDocument(plan: CordonPlan): Record<string, unknown> {
  return document('PeerCordonPlan', {
    action: plan.action,
    context: plan.context,
    cluster: {
      name: plan.cluster,
      foreignCluster: plan.fc.name,
      clusterID: plan.fc.clusterId,
      matchedBy: plan.matchedBy,
    },
    generation: plan.generation,
    taint: plan.taint,
    writes: plan.targets,
    alreadyDone: plan.alreadyDone,
    runningPods: plan.runningPods,
    otherCordons: plan.others,
  })
}

/** kubectl's words: `<cluster> cordoned`, `<cluster> already uncordoned`. */
export function renderCordonResult(r: CordonResult): string {
  const verb = r.plan.action === 'cordon' ? 'cordoned' : 'uncordoned'
  const head = `${r.plan.cluster} ${r.changed ? '' : 'already '}${verb} on context "${r.plan.context}"`
  const tail = r.waited ? '' : r.inForce ? '' : ` (not yet in force on every virtual node: Liqo applies it)`
  return `${head}${tail}\n`
}

export function cordonResultDocument(r: CordonResult): Record<string, unknown> {
  return document('PeerCordonResult', {
    action: r.plan.action,
    context: r.plan.context,
    cluster: r.plan.cluster,
    foreignCluster: r.plan.fc.name,
    cordoned: r.plan.action === 'cordon',
    changed: r.changed,
    inForce: r.inForce,
    elapsedSeconds: Math.round(r.elapsedMs) / 1000,
  })
}
