/**
 * The moves of issue 26, on a lab of either mode (the tutorial's liqo-test namespace):
 * - `rebalance -n liqo-test` wall time (the published launcher, start to exit) against the
 *   replacements' own start-up: for each pod moved, from the API server's time of its eviction (audit
 *   log) to its replacement first seen Ready by a watch of the bench's own, summed (the moves run one
 *   at a time). Once with pods Ready at once, once with pods Ready 5 s after they start.
 *   Each round first puts the 3 pods on cluster-2 (cluster-3 cordoned while they are replaced).
 * - `peer disable cluster-3` (start of the change → converged: its `elapsedMs`) with 8 replicas on
 *   cluster-3, first with its one virtual node, then with two (a second ResourceSlice made with
 *   liqoctl, Liqo v1 only): the issue's target is the two-node time within 2× the one-node time.
 * Ratios of figures measured in this run; never a timed assertion.
 */
import {spawnSync} from 'node:child_process'

import type {KubeClient} from '../src/k8s/client.js'
import {PODS} from '../src/k8s/kinds.js'
import {lookupLiqo} from '@liqo-topology/lab/binaries'
import type {LabState} from '@liqo-topology/lab/state'
import {TUTORIAL_DEPLOYMENT} from '@liqo-topology/lab/tutorial'
import {NODES} from '../src/liqo/nodes.js'
import type {LabProfile} from './convergence.js'
import {add, audit, log, median, ms, run, sleep, type AuditEvent} from './util.js'

export interface MovesOptions {
  client: KubeClient
  state: LabState
  dir: string
  cli: string[]
  env: NodeJS.ProcessEnv
  rounds: number
  /** The cluster IDs of cluster-2 and cluster-3. */
  ids: {c2: string; c3: string}
}

const NS = 'liqo-test'
const at = (e: AuditEvent) =>
  Date.parse(e.stageTimestamp) + Number(e.stageTimestamp.match(/\.\d{3}(\d{3})/)?.[1] ?? 0) / 1000

async function cliOk(o: MovesOptions, args: string[]): Promise<string> {
  const r = await run([...o.cli, ...args], o.env)
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}`)
  return r.stdout
}

/** Until `want` Ready pods of liqo-test all run on `clusterId`: the others are deleted, one at a time. */
async function allOn(o: MovesOptions, clusterId: string, want: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const nodes = new Map((await NODES.list(o.client)).items.map((n) => [n.name, n]))
    const pods = (await PODS.list(o.client, {namespace: NS})).items.filter((p) => !p.deletionTimestamp)
    const off = pods.filter((p) => nodes.get(p.nodeName ?? '')?.remoteClusterId !== clusterId)
    if (pods.length === want && !off.length && pods.every((p) => p.ready)) return
    if (tries > 180) throw new Error(`could not get ${want} pods onto ${clusterId}`)
    const ready = off.find((p) => p.ready)
    if (ready && pods.filter((p) => p.ready).length === want) await PODS.delete(o.client, ready.name, {namespace: NS})
    await sleep(1000)
  }
}

async function scale(o: MovesOptions, replicas: number): Promise<void> {
  await o.client.patch(`/apis/apps/v1/namespaces/${NS}/deployments/${TUTORIAL_DEPLOYMENT}`, {spec: {replicas}})
}

/** Every pod of liqo-test on `target`: the other cluster is cordoned meanwhile. */
async function gather(o: MovesOptions, target: 'cluster-2' | 'cluster-3', replicas: number): Promise<void> {
  const other = target === 'cluster-2' ? 'cluster-3' : 'cluster-2'
  await cliOk(o, ['peer', 'cordon', other, '--yes'])
  await scale(o, replicas)
  await allOn(o, target === 'cluster-2' ? o.ids.c2 : o.ids.c3, replicas)
  await cliOk(o, ['peer', 'uncordon', other, '--yes'])
}

/** kwok's annotation that delays a pod's Ready on the Liqo v1 lab's providers (the lab's kwok stages honour it). */
const KWOK_READY_DELAY = 'pod-ready.stage.kwok.x-k8s.io/delay'

async function templateAnnotation(o: MovesOptions, key: string, value: string | null): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${NS}/deployments/${TUTORIAL_DEPLOYMENT}`
  await o.client.patch(path, {spec: {template: {metadata: {annotations: {[key]: value}}}}})
}

/**
 * `readyAfter` (Liqo v1 lab only): the tutorial's pods turn Ready that long after they start, as an
 * application behind a readiness probe does, instead of at once (kwok's delay annotation on the
 * Deployment's template, removed afterwards).
 */
export async function measureRebalance(p: LabProfile, o: MovesOptions, readyAfter?: string): Promise<void> {
  const slow = readyAfter ? `, pods Ready ${readyAfter} after they start` : ''
  log(`${p.name}: rebalance, ${o.rounds} rounds (3 pods on cluster-2 → 2 + 1${slow})`)
  if (readyAfter) await templateAnnotation(o, KWOK_READY_DELAY, readyAfter)
  try {
    await rebalanceRounds(p, o, slow)
  } finally {
    if (readyAfter) await templateAnnotation(o, KWOK_READY_DELAY, null)
  }
}

/**
 * When each pod of liqo-test is first seen Ready, by a watch of the bench's own (not the CLI's): a
 * pod's status is updated more than once (Running, then Ready), and the audit log has no bodies.
 */
async function watchReady(o: MovesOptions): Promise<{of: (pod: string) => number | undefined; stop: () => void}> {
  const seen = new Map<string, number>()
  const r = PODS.reflector(o.client, {namespace: NS})
  const ctl = new AbortController()
  const note = () => {
    for (const pod of r.store.values()) if (pod.ready && !seen.has(pod.name)) seen.set(pod.name, Date.now())
  }
  void r.run(ctl.signal, note).catch(() => {})
  await r.whenSynced()
  return {of: (pod) => seen.get(pod), stop: () => ctl.abort()}
}

async function rebalanceRounds(p: LabProfile, o: MovesOptions, slow: string): Promise<void> {
  const walls: number[] = []
  const startups: number[] = []
  for (let round = 0; round < o.rounds; round++) {
    await gather(o, 'cluster-2', 3)
    await sleep(1500)
    const readyAt = await watchReady(o)
    const since = Date.now()
    const r = await run([...o.cli, 'rebalance', '-n', NS, '--yes', '--stable-for', '1s', '-o', 'json'], o.env)
    readyAt.stop()
    if (r.code !== 0) throw new Error(`${p.name} rebalance round ${round + 1} exited ${r.code}`)
    const moved = (JSON.parse(r.stdout).moved ?? []) as Array<{pod: string; replacement?: {pod: string} | null}>
    const events = audit(o.dir, since)
    let startup = 0
    for (const m of moved) {
      const evicted = events.find(
        (e) => e.objectRef?.subresource === 'eviction' && e.objectRef.name === m.pod && e.responseStatus?.code === 201,
      )
      const ready = readyAt.of(m.replacement?.pod ?? '')
      if (!evicted || ready === undefined) throw new Error(`${p.name}: no eviction of ${m.pod} or Ready replacement`)
      startup += ready - at(evicted)
    }
    if (!moved.length) throw new Error(`${p.name} rebalance round ${round + 1} moved nothing`)
    walls.push(r.ms)
    startups.push(startup)
    log(`${p.name} rebalance round ${round + 1}: ${moved.length} moved, wall ${ms(r.ms)}, replacements ${ms(startup)}`)
  }
  const [w, s] = [median(walls), median(startups)]
  add(
    `${p.name}: \`rebalance -n liqo-test\` wall time (1 pod moved${slow}), start → exit`,
    ms(w),
    `${ms(s)} (the replacement's own start-up: eviction → seen Ready)`,
    `${(w / s).toFixed(2)}×`,
    '≤ 1.2×',
    w / s <= 1.2,
  )
}

/** `peer disable cluster-3` with 8 replicas there, then back: the CLI's own patch → exit (elapsedMs). */
async function disableRound(o: MovesOptions, restore: () => Promise<void>): Promise<number> {
  await gather(o, 'cluster-3', 8)
  const doc = JSON.parse(await cliOk(o, ['peer', 'disable', 'cluster-3', '--yes', '--timeout', '5m', '-o', 'json']))
  await restore()
  return doc.elapsedMs as number
}

/** Liqo v1 only: one virtual node for cluster-3, then two (a second ResourceSlice). */
export async function measureDisableTwoNodes(p: LabProfile, o: MovesOptions): Promise<void> {
  log(`${p.name}: peer disable of cluster-3 with one virtual node, then two, ${o.rounds} rounds each`)
  const one: number[] = []
  const two: number[] = []
  for (let i = 0; i < o.rounds; i++) one.push(await disableRound(o, p.restore))
  log(`one virtual node: ${one.map(ms).join(', ')}`)
  const liqoctl = lookupLiqo().found!.bins.get('liqoctl')!
  const made = spawnSync(
    liqoctl,
    ['create', 'resourceslice', 'bench-second', '--remote-cluster-id', o.ids.c3, '--context', 'cluster-1'],
    {env: {...process.env, KUBECONFIG: o.state.kubeconfig}, encoding: 'utf8'},
  )
  if (made.status !== 0) throw new Error(`liqoctl create resourceslice: ${made.stderr}`)
  for (let tries = 0; ; tries++) {
    const ready = (await NODES.list(o.client)).items.filter((n) => n.remoteClusterId === o.ids.c3 && n.ready)
    if (ready.length === 2) break
    if (tries > 240) throw new Error('the second virtual node of cluster-3 did not become Ready')
    await sleep(1000)
  }
  const restore = async () => {
    await p.restore()
    for (let tries = 0; tries < 240; tries++) {
      const nodes = (await NODES.list(o.client)).items
      if (nodes.filter((n) => n.remoteClusterId === o.ids.c3 && n.ready && !n.unschedulable).length === 2) return
      await sleep(1000)
    }
    throw new Error('the two virtual nodes of cluster-3 did not come back')
  }
  for (let i = 0; i < o.rounds; i++) two.push(await disableRound(o, restore))
  log(`two virtual nodes: ${two.map(ms).join(', ')}`)
  await scale(o, 3)
  const [a, b] = [median(one), median(two)]
  add(
    `${p.name}: \`peer disable cluster-3\` with 8 pods on 2 virtual nodes (its elapsedMs: start → converged)`,
    ms(b),
    `${ms(a)} (the same with 1 virtual node)`,
    `${(b / a).toFixed(2)}×`,
    '≤ 2×',
    b / a <= 2,
  )
}
