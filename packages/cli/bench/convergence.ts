/**
 * How fast `wait` and `peer disable --wait` notice that rescheduling converged, on a lab of either
 * mode, against a 1 s polling loop (what liqoctl does), plus the API requests of one wait (audit
 * log) and `peer disable --wait`'s total against the time Liqo (or its emulator) itself takes from
 * the patch to the last replacement pod Ready. "Converged" is the API server's time of the last of:
 * a replacement pod Ready, the evicted pod gone, its owners' status updated by the controller
 * manager (all from the audit log). Each round first puts a pod on cluster-3.
 */
import {writeFileSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {KubeClient} from '../src/k8s/client.js'
import {DEPLOYMENTS, PODS} from '../src/k8s/kinds.js'
import type {LiqoAdapter} from '../src/liqo/adapter.js'
import {NODES} from '../src/liqo/nodes.js'
import type {LabState} from '@liqo-topology/lab/state'
import {evaluateConvergence} from '../src/model/convergence.js'
import {add, audit, log, median, ms, pct, run, sleep, type AuditEvent} from './util.js'

/** What differs between the lab modes, as the benchmark needs it. */
export interface LabProfile {
  name: string
  liqo: LiqoAdapter
  /** cluster-3's Liqo cluster ID, and the virtual node pods on it run on. */
  cluster3Id: string
  nodeOfCluster3: string
  /** The switch patch of `peer disable cluster-3`, in the audit log. */
  isSwitchPatch(e: AuditEvent): boolean
  /** A status update that makes a pod Ready in liqo-test (the emulator's, or Liqo's virtual kubelet's). */
  isReadyUpdate(e: AuditEvent): boolean
  /** The final deletion of a pod in liqo-test by its (virtual) kubelet. */
  isPodGone(e: AuditEvent): boolean
  /** Back to every peering on, with Ready virtual nodes. */
  restore(): Promise<void>
}

/** The API server's time of an audit event, with its microseconds. */
const at = (e: AuditEvent) =>
  Date.parse(e.stageTimestamp) + Number(e.stageTimestamp.match(/\.\d{3}(\d{3})/)?.[1] ?? 0) / 1000

async function podOnCluster3(client: KubeClient, node3: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const pods = (await PODS.list(client, {namespace: 'liqo-test'})).items.filter(
      (p) => p.ready && !p.deletionTimestamp,
    )
    if (pods.length === 3 && pods.some((p) => p.nodeName === node3)) return
    if (tries > 60) throw new Error('could not get a pod onto cluster-3')
    if (pods.length === 3)
      await PODS.delete(client, pods.find((p) => p.nodeName !== node3)!.name, {namespace: 'liqo-test'})
    await sleep(1000)
  }
}

/** A 1 s polling loop at a random phase: list everything, evaluate, sleep. Resolves when it saw convergence. */
function poll(client: KubeClient, p: LabProfile, stop: {stop: boolean}, counter: {requests: number}): Promise<number> {
  return (async () => {
    await sleep(Math.random() * 1000)
    for (;;) {
      if (stop.stop) return 0
      const [pods, nodes, deps] = await Promise.all([
        PODS.list(client, {namespace: 'liqo-test'}),
        NODES.list(client),
        DEPLOYMENTS.list(client, {namespace: 'liqo-test'}),
      ])
      const fcs = await p.liqo.listPeerings(client, {nodes: nodes.items})
      counter.requests += 4
      const s = evaluateConvergence({
        namespace: 'liqo-test',
        namespaceExists: true,
        pods: pods.items,
        nodes: nodes.items,
        fcs: fcs.items,
        workloads: deps.items,
        awayFrom: {clusterId: p.cluster3Id, name: 'cluster-3'},
      })
      if (fcs.items.find((f) => f.clusterId === p.cluster3Id)?.outgoingEnabled === 'No' && s.converged)
        return Date.now()
      await sleep(1000)
    }
  })()
}

/** A kubeconfig whose users impersonate `bench-wait`, so that the wait's requests stand apart in the audit log. */
async function impersonatingKubeconfig(client: KubeClient, state: LabState, dir: string): Promise<string> {
  const crb = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {name: 'bench-wait'},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
    subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-wait'}],
  }
  await client.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', crb).catch(() => {})
  const doc = JSON.parse(readFileSync(state.kubeconfig, 'utf8').replace(/^#.*\n/, ''))
  for (const u of doc.users) u.user.as = 'bench-wait'
  const file = join(dir, 'kubeconfig-bench-wait')
  writeFileSync(file, JSON.stringify(doc), {mode: 0o600})
  return file
}

type BenchOptions = {
  client: KubeClient
  state: LabState
  dir: string
  cli: string[]
  env: NodeJS.ProcessEnv
  rounds: number
}

/** What one round measured, from "converged" (and from the patch) to each exit. */
interface Round {
  peer: number
  wait: number
  poll: number
  total: number
  lab: number
  events: AuditEvent[]
}

/** One round: a pod onto cluster-3, then `wait` and the polling loop watch while `peer disable --wait` runs. */
async function measureRound(
  p: LabProfile,
  o: BenchOptions,
  round: number,
  waitKubeconfig: string,
  counter: {requests: number},
): Promise<Round> {
  await p.restore()
  await podOnCluster3(o.client, p.nodeOfCluster3)
  await sleep(1500)
  const since = Date.now()
  const stop = {stop: false}
  const poller = poll(o.client, p, stop, counter)
  const waitRun = run([...o.cli, 'wait', '-n', 'liqo-test', '--away-from', 'cluster-3', '--timeout', '90s'], {
    ...o.env,
    KUBECONFIG: waitKubeconfig,
  })
  await sleep(1500) // the wait starts and syncs (converged until the patch)
  const peer = await run([...o.cli, 'peer', 'disable', 'cluster-3', '--yes', '--timeout', '90s'], o.env)
  const w = await waitRun
  const polledAt = await poller
  stop.stop = true
  if (peer.code !== 0 || w.code !== 0)
    throw new Error(`${p.name} round ${round}: peer disable exited ${peer.code}, wait ${w.code}`)

  const events = audit(o.dir, since)
  const lastReady = Math.max(...events.filter((e) => p.isReadyUpdate(e)).map(at))
  // Converged = the last of: a replacement pod Ready, the evicted pod gone, its owners' status updated.
  const ownerStatus = (e: AuditEvent) =>
    e.user.username === 'system:kube-controller-manager' &&
    e.objectRef?.namespace === 'liqo-test' &&
    e.objectRef.subresource === 'status' &&
    e.responseStatus?.code === 200
  const convergedAt = Math.max(lastReady, ...events.filter((e) => p.isPodGone(e) || ownerStatus(e)).map(at))
  const patchAt = at(events.find((e) => p.isSwitchPatch(e))!)
  log(
    `${p.name} round ${round + 1}: converged (last pod Ready +${(convergedAt - lastReady).toFixed(0)} ms) → ` +
      `peer disable exit ${(peer.end - convergedAt).toFixed(0)} ms, wait ` +
      `exit ${(w.end - convergedAt).toFixed(0)} ms, polling ${(polledAt - convergedAt).toFixed(0)} ms; patch → ` +
      `exit ${(peer.end - patchAt).toFixed(0)} ms (Liqo ${(lastReady - patchAt).toFixed(0)} ms)`,
  )
  return {
    peer: peer.end - convergedAt,
    wait: w.end - convergedAt,
    poll: polledAt - convergedAt,
    total: peer.end - patchAt,
    lab: lastReady - patchAt,
    events,
  }
}

/** Adds the wait's requests of one round to `perVerb`; returns how many list/get paths it requested more than once. */
function countWaitRequests(events: AuditEvent[], perVerb: Record<string, number>): number {
  // One entry per request (long-running watches are logged at ResponseStarted and ResponseComplete).
  const seen = new Set<string>()
  const perPath = new Map<string, number>()
  for (const e of events) {
    if ((e.impersonatedUser?.username ?? e.user.username) !== 'bench-wait' || seen.has(e.auditID)) continue
    seen.add(e.auditID)
    const verb = e.verb === 'list' || e.verb === 'watch' || e.verb === 'get' ? e.verb : 'other'
    perVerb[verb] = (perVerb[verb] ?? 0) + 1
    if (verb === 'list' || verb === 'get')
      perPath.set(
        `${verb} ${e.requestURI.split('?')[0]}`,
        (perPath.get(`${verb} ${e.requestURI.split('?')[0]}`) ?? 0) + 1,
      )
  }
  return [...perPath.values()].filter((n) => n > 1).length
}

export async function measureConvergence(p: LabProfile, o: BenchOptions): Promise<void> {
  log(`${p.name}: convergence, ${o.rounds} rounds of peer disable cluster-3 (wait and a 1 s polling loop watching)`)
  const waitKubeconfig = await impersonatingKubeconfig(o.client, o.state, o.dir)
  const lat = {wait: [] as number[], peer: [] as number[], poll: [] as number[]}
  const totals: number[] = []
  const labTimes: number[] = []
  const waitRequests: Record<string, number> = {}
  let repeated = 0
  const counter = {requests: 0}
  for (let round = 0; round < o.rounds; round++) {
    const r = await measureRound(p, o, round, waitKubeconfig, counter)
    lat.peer.push(r.peer)
    lat.wait.push(r.wait)
    lat.poll.push(r.poll)
    totals.push(r.total)
    labTimes.push(r.lab)
    repeated += countWaitRequests(r.events, waitRequests)
  }
  await p.restore()
  const [p50w, p95w, p50p, p95p] = [pct(lat.wait, 50), pct(lat.wait, 95), pct(lat.peer, 50), pct(lat.peer, 95)]
  const target = 'p50 ≤ 100 ms, p95 ≤ 250 ms'
  add(
    `${p.name}: convergence detection, converged → \`wait\` exits`,
    `p50 ${ms(p50w)}, p95 ${ms(p95w)}`,
    `p50 ${ms(pct(lat.poll, 50))}, p95 ${ms(pct(lat.poll, 95))} (1 s polling loop)`,
    '—',
    target,
    p50w <= 100 && p95w <= 250,
  )
  add(
    `${p.name}: convergence detection, converged → \`peer disable --wait\` exits`,
    `p50 ${ms(p50p)}, p95 ${ms(p95p)}`,
    'same polling loop',
    '—',
    target,
    p50p <= 100 && p95p <= 250,
  )
  const perWait = Object.fromEntries(Object.entries(waitRequests).map(([k, v]) => [k, v / o.rounds]))
  add(
    `${p.name}: API requests of one \`wait\` (audit log)`,
    `${perWait.list ?? 0} list, ${perWait.watch ?? 0} watch, ${perWait.get ?? 0} get, ${perWait.other ?? 0} ` +
      `other; ${repeated} list/get repeated`,
    `${(counter.requests / o.rounds).toFixed(0)} lists per round (polling loop)`,
    '—',
    'watches only, no repeated list/get polling',
    repeated === 0,
  )
  const [mt, ml] = [median(totals), median(labTimes)]
  add(
    `${p.name}: \`peer disable cluster-3 --wait\` total, patch → exit`,
    ms(mt),
    `${ms(ml)} (${p.name === 'Liqo v0.3 emulator' ? 'the emulator' : 'Liqo'}: patch → last pod Ready)`,
    `${(mt / ml).toFixed(2)}×`,
    '≤ 1.1×',
    mt / ml <= 1.1,
  )
}
