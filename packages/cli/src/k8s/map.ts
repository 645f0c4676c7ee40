/**
 * Raw API JSON of the core kinds → our own types (src/model/types.ts). Pure functions, tolerant of
 * missing fields. What Liqo adds to a kind (virtual nodes, its own kinds) is mapped in src/liqo/.
 */
import type {PodDisruptionBudget} from '../model/impact.js'
import {bytes, cpuMilli} from '../model/resources.js'
import type {
  KubeEvent,
  Namespace,
  NodeSelectorTerm,
  OwnerRef,
  Pod,
  PodScheduling,
  ResourceAmounts,
  Toleration,
  Workload,
} from '../model/types.js'
import type {Json} from './client.js'

function controllerOf(md: Json): OwnerRef | undefined {
  const refs: Json[] = md.ownerReferences ?? []
  const ref = refs.find((r) => r.controller) ?? refs[0]
  return ref ? {kind: ref.kind, name: ref.name, uid: ref.uid} : undefined
}

export function schedulingOf(spec: Json | undefined): PodScheduling {
  const s = spec ?? {}
  const required = s.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  const out: PodScheduling = {
    nodeSelector: {...(s.nodeSelector ?? {})},
    requiredTerms: (required?.nodeSelectorTerms ?? []) as NodeSelectorTerm[],
    tolerations: ((s.tolerations ?? []) as Json[]).map(
      (t) => ({key: t.key, operator: t.operator, value: t.value, effect: t.effect}) as Toleration,
    ),
    requests: requestsOf(s),
  }
  const spread = (s.topologySpreadConstraints ?? []) as Json[]
  if (spread.length) {
    out.spread = spread.map((c) => ({
      maxSkew: c.maxSkew ?? 1,
      topologyKey: c.topologyKey ?? '',
      whenUnsatisfiable: c.whenUnsatisfiable ?? 'DoNotSchedule',
      matchLabels: {...(c.labelSelector?.matchLabels ?? {})},
      matchExpressions: [...(c.labelSelector?.matchExpressions ?? [])],
    }))
  }
  return out
}

/**
 * A pod's requests as the scheduler sums them: the containers' sum, or the largest init container
 * when that is more, plus the pod's overhead.
 */
export function requestsOf(spec: Json): ResourceAmounts {
  const of = (cs: Json[] | undefined, f: (r: Json) => number) => (cs ?? []).map((c) => f(c.resources?.requests ?? {}))
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const one = (f: (r: Json) => number) =>
    Math.max(sum(of(spec.containers, f)), ...of(spec.initContainers, f), 0) + f(spec.overhead ?? {})
  return {cpuMilli: one((r) => cpuMilli(r.cpu)), memoryBytes: one((r) => bytes(r.memory)), pods: 1}
}

export function toEvent(raw: Json): KubeEvent {
  const md = raw.metadata ?? {}
  return {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    type: raw.type ?? '',
    reason: raw.reason ?? '',
    message: raw.message ?? raw.note ?? '',
    involvedUid: raw.involvedObject?.uid ?? '',
    involvedName: raw.involvedObject?.name ?? '',
    count: raw.series?.count ?? raw.count ?? 1,
    lastSeen: raw.series?.lastObservedTime ?? raw.lastTimestamp ?? raw.eventTime ?? md.creationTimestamp ?? '',
  }
}

/** kubectl's STATUS column for a pod (a faithful subset of printPod in kubectl's printers). */
export function podStatusText(raw: Json): string {
  const st = raw.status ?? {}
  let reason: string = st.reason || st.phase || 'Unknown'
  let initializing = false
  const inits: Json[] = st.initContainerStatuses ?? []
  inits.forEach((c, i) => {
    if (initializing) return
    if (c.state?.terminated?.exitCode === 0) return
    initializing = true
    if (c.state?.terminated)
      reason = c.state.terminated.reason
        ? `Init:${c.state.terminated.reason}`
        : `Init:ExitCode:${c.state.terminated.exitCode}`
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing')
      reason = `Init:${c.state.waiting.reason}`
    else reason = `Init:${i}/${(raw.spec?.initContainers ?? []).length}`
  })
  if (!initializing) {
    let hasRunning = false
    const cs: Json[] = st.containerStatuses ?? []
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason
      else if (c.state?.terminated)
        reason = c.state.terminated.signal
          ? `Signal:${c.state.terminated.signal}`
          : `ExitCode:${c.state.terminated.exitCode}`
      else if (c.ready && c.state?.running) hasRunning = true
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running'
  }
  if (raw.metadata?.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating'
  return reason
}

export function toPod(raw: Json): Pod {
  const md = raw.metadata ?? {}
  const st = raw.status ?? {}
  const cs: Json[] = st.containerStatuses ?? []
  const conds: Json[] = st.conditions ?? []
  const ready = conds.find((c) => c.type === 'Ready')
  const scheduled = conds.find((c) => c.type === 'PodScheduled')
  const total = (raw.spec?.containers ?? []).length || cs.length
  const pod: Pod = {
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    uid: md.uid ?? '',
    phase: st.phase ?? 'Pending',
    status: podStatusText(raw),
    ready: ready?.status === 'True',
    readyContainers: cs.filter((c) => c.ready).length,
    totalContainers: total,
    restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    createdAt: md.creationTimestamp ?? '',
    labels: {...(md.labels ?? {})},
    scheduling: schedulingOf(raw.spec),
  }
  if (raw.spec?.nodeName) pod.nodeName = raw.spec.nodeName
  if (md.deletionTimestamp) pod.deletionTimestamp = md.deletionTimestamp
  if (ready?.status === 'True' && ready.lastTransitionTime) pod.readySince = ready.lastTransitionTime
  if (st.podIP) pod.podIP = st.podIP
  const owner = controllerOf(md)
  if (owner) pod.owner = owner
  if (scheduled?.status === 'False' && scheduled.message) pod.unschedulableMessage = scheduled.message
  return pod
}

export function toWorkload(raw: Json, kind: Workload['kind']): Workload {
  const md = raw.metadata ?? {}
  const st = raw.status ?? {}
  const w: Workload = {
    kind,
    namespace: md.namespace ?? '',
    name: md.name ?? '',
    uid: md.uid ?? '',
    desired: raw.spec?.replicas ?? 1,
    ready: st.readyReplicas ?? 0,
    available: st.availableReplicas ?? 0,
    updated: st.updatedReplicas ?? 0,
    generation: md.generation ?? 0,
    observedGeneration: st.observedGeneration ?? 0,
    scheduling: schedulingOf(raw.spec?.template?.spec),
  }
  const owner = controllerOf(md)
  if (owner) w.owner = owner
  if (md.deletionTimestamp) w.deletionTimestamp = md.deletionTimestamp
  return w
}

export function toNamespace(raw: Json): Namespace {
  const md = raw.metadata ?? {}
  const ns: Namespace = {
    name: md.name ?? '',
    phase: raw.status?.phase ?? 'Active',
    labels: {...(md.labels ?? {})},
    finalizers: [...(raw.spec?.finalizers ?? []), ...(md.finalizers ?? [])],
    conditions: ((raw.status?.conditions ?? []) as Json[]).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
    })),
  }
  if (md.deletionTimestamp) ns.deletionTimestamp = md.deletionTimestamp
  return ns
}

/**
 * A pod from a row of the server's Table (what `kubectl get pods -o wide` prints) and its metadata:
 * enough for placement (node, printed status, readiness, restarts, IP, owner), not for scheduling
 * decisions (`scheduling` is left empty).
 */
export function podFromTableRow(cells: Record<string, unknown>, md: Json): Pod {
  const [ready, total] = String(cells.Ready ?? '0/0')
    .split('/')
    .map((x) => Number.parseInt(x, 10) || 0)
  const status = String(cells.Status ?? 'Unknown')
  const node = String(cells.Node ?? '<none>')
  const ip = String(cells.IP ?? '<none>')
  const pod: Pod = {
    namespace: md.namespace ?? '',
    name: md.name ?? String(cells.Name ?? ''),
    uid: md.uid ?? '',
    phase: ['Running', 'Succeeded', 'Failed', 'Pending'].includes(status)
      ? status
      : node === '<none>'
        ? 'Pending'
        : 'Unknown',
    status: md.deletionTimestamp ? 'Terminating' : status,
    ready: total! > 0 && ready === total && status === 'Running',
    readyContainers: ready!,
    totalContainers: total!,
    restarts: Number.parseInt(String(cells.Restarts ?? '0'), 10) || 0,
    createdAt: md.creationTimestamp ?? '',
    labels: {...(md.labels ?? {})},
    scheduling: {nodeSelector: {}, requiredTerms: [], tolerations: []},
  }
  if (node !== '<none>') pod.nodeName = node
  if (ip !== '<none>') pod.podIP = ip
  if (md.deletionTimestamp) pod.deletionTimestamp = md.deletionTimestamp
  const owner = controllerOf(md)
  if (owner) pod.owner = owner
  return pod
}

export function toPdb(raw: Json): PodDisruptionBudget {
  return {
    namespace: raw.metadata?.namespace ?? '',
    name: raw.metadata?.name ?? '',
    matchLabels: raw.spec?.selector?.matchLabels ?? {},
    matchExpressions: raw.spec?.selector?.matchExpressions ?? [],
    disruptionsAllowed: raw.status?.disruptionsAllowed ?? 0,
    currentHealthy: raw.status?.currentHealthy ?? 0,
    desiredHealthy: raw.status?.desiredHealthy ?? 0,
    expectedPods: raw.status?.expectedPods ?? 0,
  }
}
