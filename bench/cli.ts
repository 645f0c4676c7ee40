/**
 * Benchmark (never a test): measures liqo-topology against its anchors in one run, on one lab,
 * several rounds each, and prints a markdown table of medians and ratios.
 *
 *   npm run build && npm run bench [-- --rounds 7 --convergence-rounds 5 --pods 10000 --clusters 100]
 *
 * Figures (issue 4): startup of `pods where` vs kubectl, `--help` vs `node -e 0`, `pods where -A`
 * on 10,000 pods / 100 clusters vs kubectl and its peak RSS, how fast `wait` and `peer disable
 * --wait` notice convergence (vs a 1 s polling loop), the API requests of a wait (audit log), and
 * `peer disable --wait` total time vs the time the lab itself needs.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {KubeClient} from '../src/k8s/client.js'
import {loadKubeconfig, resolveTarget} from '../src/k8s/kubeconfig.js'
import {toPod, toWorkload} from '../src/k8s/map.js'
import {toNode} from '../src/liqo/nodes.js'
import {toForeignCluster} from '../src/liqo/v0.js'
import {fcPath} from '../src/liqo/constants.js'
import {labDown, labScale, labUp} from '../src/lab/lab.js'
import {readState} from '../src/lab/state.js'
import {ensurePeerings} from '../src/lab/tutorial.js'
import {evaluateConvergence} from '../src/model/convergence.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const ROUNDS = arg('rounds', 7)
const CONV_ROUNDS = arg('convergence-rounds', 5)
const PODS = arg('pods', 10_000)
const CLUSTERS = arg('clusters', 100)
const ROOT = new URL('..', import.meta.url).pathname
const CLI = join(ROOT, 'bin', 'run.js')
if (!existsSync(join(ROOT, 'dist', 'bundle', 'run.js'))) {
  console.error('error: build first (npm run build): the benchmark measures the published bundle')
  process.exit(1)
}

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Run {
  code: number | null
  ms: number
  end: number
  maxRssKb: number
  stdout: string
}

/** Runs a command under GNU time (for the peak RSS); resolves with wall time and exit time. */
function run(cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = performance.now()
  const child = spawn('/usr/bin/time', ['-f', '%M', ...cmd], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const end = Date.now()
      const ms = performance.now() - started
      const rss = Number(stderr.trim().split('\n').pop())
      resolve({code, ms, end, maxRssKb: Number.isFinite(rss) ? rss : 0, stdout})
    })
  })
}

async function timeRounds(cmd: string[], env: NodeJS.ProcessEnv, rounds: number): Promise<{ms: number; rss: number}> {
  await run(cmd, env) // warm-up (page cache)
  const times: number[] = []
  const rss: number[] = []
  for (let i = 0; i < rounds; i++) {
    const r = await run(cmd, env)
    if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}`)
    times.push(r.ms)
    rss.push(r.maxRssKb)
  }
  return {ms: median(times), rss: median(rss)}
}

interface AuditEvent {
  verb: string
  user: {username: string}
  impersonatedUser?: {username: string}
  userAgent?: string
  objectRef?: {resource?: string; subresource?: string; namespace?: string; name?: string}
  responseStatus?: {code?: number}
  stageTimestamp: string
  requestURI: string
  auditID: string
}

function audit(dir: string, since: number): AuditEvent[] {
  const file = join(dir, 'logs', 'cluster-1-audit.log')
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => Date.parse(e.stageTimestamp) >= since)
}

const ms = (x: number) => `${x.toFixed(0)} ms`
const rows: string[][] = []
const add = (figure: string, ours: string, anchor: string, ratio: string, target: string, met: boolean | undefined) =>
  rows.push([figure, ours, anchor, ratio, target, met === undefined ? '—' : met ? 'met' : '**not met**'])

// --- the lab ----------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-bench-'))
log(`starting a lab in ${dir}`)
await labUp({dir, tutorial: true, delayMs: 1000, build: true, onProgress: (m) => log(m)})
const state = readState(dir)!
const env = {KUBECONFIG: state.kubeconfig, NO_COLOR: '1'}
const kubectl = join(state.binDir, 'kubectl')
const client = await KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig: state.kubeconfig}), 'cluster-1'))
const remoteIds = state.clusters.filter((c) => c.role === 'remote').map((c) => c.id)
const id3 = state.clusters.find((c) => c.name === 'cluster-3')!.id

try {
  // --- start-up ---------------------------------------------------------------------------------
  log('start-up: pods where (3 pods) vs kubectl, --help vs node -e 0')
  const ours = await timeRounds([process.execPath, CLI, 'pods', 'where', '-n', 'liqo-test'], env, ROUNDS)
  const kc = await timeRounds([kubectl, 'get', 'pods', '-n', 'liqo-test', '-o', 'wide'], env, ROUNDS)
  add('wall time of `pods where -n liqo-test` (3 pods)', ms(ours.ms), `${ms(kc.ms)} (kubectl get pods -o wide)`, `${(ours.ms / kc.ms).toFixed(2)}×`, '≤ 1.5×', ours.ms / kc.ms <= 1.5)
  const help = await timeRounds([process.execPath, CLI, '--help'], env, ROUNDS)
  const bare = await timeRounds([process.execPath, '-e', '0'], env, ROUNDS)
  add('wall time of `--help`', ms(help.ms), `${ms(bare.ms)} (node -e 0)`, `${(help.ms / bare.ms).toFixed(2)}×`, '≤ 2×', help.ms / bare.ms <= 2)

  // --- convergence ------------------------------------------------------------------------------
  log(`convergence: ${CONV_ROUNDS} rounds of peer disable cluster-3 (wait and a 1 s polling loop watching)`)
  // The wait runs as its own (impersonated) user, so that its requests stand apart in the audit log.
  await client.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {name: 'bench-wait'},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
    subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-wait'}],
  })
  const kcDoc = JSON.parse(readFileSync(state.kubeconfig, 'utf8').replace(/^#.*\n/, ''))
  for (const u of kcDoc.users) u.user.as = 'bench-wait'
  const waitKubeconfig = join(dir, 'kubeconfig-bench-wait')
  writeFileSync(waitKubeconfig, JSON.stringify(kcDoc), {mode: 0o600})

  const latWait: number[] = []
  const latPeer: number[] = []
  const latPoll: number[] = []
  const totals: number[] = []
  const labTimes: number[] = []
  const waitRequests: Record<string, number> = {}
  let repeatedPolls = 0
  let pollRequests = 0
  for (let round = 0; round < CONV_ROUNDS; round++) {
    // Start from the tutorial's state: peered, with at least one pod on cluster-3.
    await ensurePeerings(client, remoteIds)
    for (let tries = 0; ; tries++) {
      const pods = (await client.list('/api/v1/namespaces/liqo-test/pods', {}, toPod)).items.filter((p) => p.ready && !p.deletionTimestamp)
      if (pods.length === 3 && pods.some((p) => p.nodeName === `liqo-${id3}`)) break
      if (tries > 30) throw new Error('could not get a pod onto cluster-3')
      if (pods.length === 3) await client.delete(`/api/v1/namespaces/liqo-test/pods/${pods.find((p) => p.nodeName !== `liqo-${id3}`)!.name}`)
      await sleep(1000)
    }
    await sleep(1500)
    const since = Date.now()

    // A 1 s polling loop, what liqoctl does: GET everything, evaluate, sleep 1 s.
    let polledAt = 0
    const stopPoll = {stop: false}
    const poller = (async () => {
      // A random phase: a poller's ticks are not aligned with the moment the cluster converges.
      await sleep(Math.random() * 1000)
      for (;;) {
        if (stopPoll.stop) return
        const [pods, nodes, fcs, deps] = await Promise.all([
          client.list('/api/v1/namespaces/liqo-test/pods', {}, toPod),
          client.list('/api/v1/nodes', {}, toNode),
          client.list(fcPath(), {}, toForeignCluster),
          client.list('/apis/apps/v1/namespaces/liqo-test/deployments', {}, (r) => toWorkload(r, 'Deployment')),
        ])
        pollRequests += 4
        const fc3 = fcs.items.find((f) => f.clusterId === id3)
        const s = evaluateConvergence({
          namespace: 'liqo-test',
          namespaceExists: true,
          pods: pods.items,
          nodes: nodes.items,
          fcs: fcs.items,
          workloads: deps.items,
          awayFrom: {clusterId: id3, name: 'cluster-3'},
        })
        if (fc3?.outgoingEnabled === 'No' && s.converged) {
          polledAt = Date.now()
          return
        }
        await sleep(1000)
      }
    })()
    const waitRun = run([process.execPath, CLI, 'wait', '-n', 'liqo-test', '--away-from', 'cluster-3', '--timeout', '60s'], {...env, KUBECONFIG: waitKubeconfig})
    await sleep(1500) // let the wait start and sync (it is already converged until the patch)
    // `wait --away-from` started before the patch would end at once if nothing were on cluster-3:
    // the loop above put a pod there, so it waits for the move.
    const peer = await run([process.execPath, CLI, 'peer', 'disable', 'cluster-3', '--yes', '--timeout', '60s'], env)
    const w = await waitRun
    await poller
    stopPoll.stop = true
    if (peer.code !== 0 || w.code !== 0) throw new Error(`round ${round}: peer disable exited ${peer.code}, wait ${w.code}`)

    const events = audit(dir, since)
    const readyPatches = events.filter(
      (e) => e.user.username === 'liqo-emulator' && e.objectRef?.resource === 'pods' && e.objectRef.subresource === 'status' && e.objectRef.namespace === 'liqo-test' && e.responseStatus?.code === 200,
    )
    const lastReady = Math.max(...readyPatches.map((e) => Date.parse(e.stageTimestamp) + Number(e.stageTimestamp.match(/\.\d{3}(\d{3})/)?.[1] ?? 0) / 1000))
    const patch = events.find(
      (e) => e.verb === 'patch' && e.objectRef?.resource === 'foreignclusters' && e.objectRef.name === 'cluster-3' && e.responseStatus?.code === 200 && e.user.username === 'admin',
    )!
    const patchAt = Date.parse(patch.stageTimestamp)
    latPeer.push(peer.end - lastReady)
    latWait.push(w.end - lastReady)
    latPoll.push(polledAt - lastReady)
    totals.push(peer.end - patchAt)
    labTimes.push(lastReady - patchAt)
    // One entry per request (long-running watches are logged at ResponseStarted and ResponseComplete).
    const seen = new Set<string>()
    const waitEvents = events.filter((e) => {
      if ((e.impersonatedUser?.username ?? e.user.username) !== 'bench-wait' || seen.has(e.auditID)) return false
      seen.add(e.auditID)
      return true
    })
    const perPath = new Map<string, number>()
    for (const e of waitEvents) {
      const verb = e.verb === 'list' || e.verb === 'watch' || e.verb === 'get' ? e.verb : 'other'
      waitRequests[verb] = (waitRequests[verb] ?? 0) + 1
      if (verb === 'list' || verb === 'get') {
        const key = `${verb} ${e.requestURI.split('?')[0]}`
        perPath.set(key, (perPath.get(key) ?? 0) + 1)
      }
    }
    // Polling shows up as the same list or get repeated; a watch-based wait reads each once.
    repeatedPolls += [...perPath.values()].filter((n) => n > 1).length
    log(
      `round ${round + 1}: last pod Ready → peer disable exit ${(peer.end - lastReady).toFixed(0)} ms, wait exit ${(w.end - lastReady).toFixed(0)} ms, polling ${(polledAt - lastReady).toFixed(0)} ms; patch → exit ${(peer.end - patchAt).toFixed(0)} ms (lab ${(lastReady - patchAt).toFixed(0)} ms)`,
    )
  }
  await ensurePeerings(client, remoteIds)
  const p50w = pct(latWait, 50)
  const p95w = pct(latWait, 95)
  const p50p = pct(latPeer, 50)
  const p95p = pct(latPeer, 95)
  add(
    'convergence detection: last replacement pod Ready → `wait` exits',
    `p50 ${ms(p50w)}, p95 ${ms(p95w)}`,
    `p50 ${ms(pct(latPoll, 50))}, p95 ${ms(pct(latPoll, 95))} (1 s polling loop)`,
    '—',
    'p50 ≤ 100 ms, p95 ≤ 250 ms',
    p50w <= 100 && p95w <= 250,
  )
  add(
    'convergence detection: last replacement pod Ready → `peer disable --wait` exits',
    `p50 ${ms(p50p)}, p95 ${ms(p95p)}`,
    'same polling loop',
    '—',
    'p50 ≤ 100 ms, p95 ≤ 250 ms',
    p50p <= 100 && p95p <= 250,
  )
  const perWait = Object.fromEntries(Object.entries(waitRequests).map(([k, v]) => [k, v / CONV_ROUNDS]))
  add(
    'API requests of one `wait` (audit log)',
    `${perWait.list ?? 0} list, ${perWait.watch ?? 0} watch, ${perWait.get ?? 0} get, ${perWait.other ?? 0} other; ${repeatedPolls} list/get repeated`,
    `${(pollRequests / CONV_ROUNDS).toFixed(0)} lists per round (polling loop)`,
    '—',
    'watches only, no repeated list/get polling',
    repeatedPolls === 0,
  )
  const mt = median(totals)
  const ml = median(labTimes)
  add('`peer disable cluster-3 --wait` total, patch → exit', ms(mt), `${ms(ml)} (patch → last pod Ready)`, `${(mt / ml).toFixed(2)}×`, '≤ 1.1×', mt / ml <= 1.1)

  // --- scale ------------------------------------------------------------------------------------
  log(`scale: ${CLUSTERS} remote clusters and ${PODS} pods (this takes a few minutes)`)
  const scaled = await labScale(dir, {clusters: CLUSTERS, pods: PODS, namespace: 'scale'})
  log(`scale scenario ready in ${(scaled.ms / 1000).toFixed(0)} s`)
  const bigOurs = await timeRounds([process.execPath, CLI, 'pods', 'where', '-A'], env, Math.max(3, Math.ceil(ROUNDS / 2)))
  const bigKc = await timeRounds([kubectl, 'get', 'pods', '-A', '-o', 'wide'], env, Math.max(3, Math.ceil(ROUNDS / 2)))
  add(
    `wall time of \`pods where -A\`, ${PODS} pods on ${CLUSTERS} clusters`,
    ms(bigOurs.ms),
    `${ms(bigKc.ms)} (kubectl get pods -A -o wide)`,
    `${(bigOurs.ms / bigKc.ms).toFixed(2)}×`,
    '≤ 1.0×',
    bigOurs.ms / bigKc.ms <= 1.0,
  )
  add('peak memory (RSS) of that run', `${(bigOurs.rss / 1024).toFixed(0)} MB`, `${(bigKc.rss / 1024).toFixed(0)} MB (kubectl)`, '—', '≤ 250 MB', bigOurs.rss / 1024 <= 250)
  add('scale scenario set-up (lab scale)', `${(scaled.ms / 1000).toFixed(0)} s`, '—', '—', 'reasonable', undefined)
} finally {
  client.close()
  await labDown(dir)
  rmSync(dir, {recursive: true, force: true})
}

const cpu = cpus()[0]?.model ?? 'cpu'
console.log(
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, lab Kubernetes ${state.kubernetesVersion}; medians of ${ROUNDS} rounds (start-up), ${CONV_ROUNDS} rounds (convergence).\n`,
)
console.log('| figure | liqo-topology | anchor (same run) | ratio | target | |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
