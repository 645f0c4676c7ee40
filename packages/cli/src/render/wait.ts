/** Renderers for `wait`. */
import {formatDuration} from '../toolkit/duration.js'
import type {WaitOutcome} from '../services/wait.js'
import {document} from './machine.js'

export function renderWaitResult(r: WaitOutcome): string {
  const where = r.state.placement.clusters.map((c) => `${c.cluster.name} ${c.pods}`).join(', ')
  return (
    `namespace/${r.namespace} converged ` +
    `in ${formatDuration(r.elapsedMs)}: ${r.state.readyPods}/${r.state.totalPods} pods ` +
    `ready${where ? ` (${where})` : ''}${r.awayFrom ? `, none on ${r.awayFrom.name}` : ''}\n`
  )
}

export function waitDocument(r: WaitOutcome): Record<string, unknown> {
  return document('Convergence', {
    context: r.context,
    namespace: r.namespace,
    awayFrom: r.awayFrom ?? null,
    converged: r.state.converged,
    elapsedMs: r.elapsedMs,
    readyPods: r.state.readyPods,
    totalPods: r.state.totalPods,
    clusters: r.state.placement.clusters.map((c) => ({
      name: c.cluster.name,
      kind: c.cluster.kind,
      clusterID: c.cluster.id ?? null,
      pods: c.pods,
      ready: c.ready,
    })),
  })
}
