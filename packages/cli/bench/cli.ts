/**
 * Benchmark (never a test): measures liqo-topology against its anchors in one run, on one lab,
 * several rounds each, and prints a markdown table of medians and ratios.
 *
 *   npm run build && npm run bench [-- --rounds 7 --convergence-rounds 5 --pods 10000 --clusters 100]
 *
 * Everything runs the published launcher (dist/bundle/liqo-topology) from its start-up snapshot. Figures:
 * `pods where -A` on 10,000 pods / 100 clusters vs kubectl and its peak RSS; on both lab modes (the Liqo v0.3 emulator,
 * and Liqo v1.2's own controllers; `--no-v1` skips the latter) how fast `wait` and `peer disable --wait`
 * notice convergence (vs a 1 s polling loop), the API requests of a wait (audit log), and `peer
 * disable --wait` total time vs the time Liqo itself needs (./convergence.ts). `--only-v1` measures
 * only the latter on Liqo v1.2; `--only-exec` only `pods where` with an exec plugin vs a token. On both modes,
 * `rebalance`'s wall time vs the replacements' own start-up, and on Liqo v1.2 `peer disable` of a cluster with two
 * virtual nodes vs one (./moves.ts); `--only-moves` measures only those, on Liqo v1.2. Start-up figures: npm
 * run bench:startup (./startup.ts).
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {KubeClient} from '../src/k8s/client.js'
import {loadKubeconfig, resolveTarget} from '../src/k8s/kubeconfig.js'
import {liqoV0} from '../src/liqo/v0.js'
import {liqoV1} from '../src/liqo/v1.js'
import {labDown, labScale, labUp} from '@liqo-topology/lab/lab'
import {readState} from '@liqo-topology/lab/state'
import {ensurePeerings, waitVirtualNodesReady} from '@liqo-topology/lab/tutorial'
import {measureConvergence, type LabProfile} from './convergence.js'
import {measureDisableTwoNodes, measureRebalance} from './moves.js'
import {benchExec} from './exec.js'
import {add, log, ms, rows, timeRounds} from './util.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const ROUNDS = arg('rounds', 7)
const CONV_ROUNDS = arg('convergence-rounds', 5)
const PODS = arg('pods', 10_000)
const CLUSTERS = arg('clusters', 100)
const ONLY_EXEC = process.argv.includes('--only-exec')
const ONLY_MOVES = process.argv.includes('--only-moves')
const ROOT = new URL('..', import.meta.url).pathname
/** The published launcher; its start-up snapshot is built before anything is measured. */
const CLI = [join(ROOT, 'dist', 'bundle', 'liqo-topology')]
if (!existsSync(join(ROOT, 'dist', 'bundle', 'run.js'))) {
  console.error('error: build first (npm run build): the benchmark measures the published bundle')
  process.exit(1)
}
if (spawnSync(CLI[0]!, ['--version'], {env: {...process.env, LIQO_TOPOLOGY_SNAPSHOT: 'build'}}).status !== 0)
  throw new Error('the start-up snapshot could not be built')

// --- the Liqo v0.3 emulator lab: start-up, convergence, scale ---------------------------------------
/** Resolves with the lab's Kubernetes version. */
async function benchV0(): Promise<string> {
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
    // --- credentials: an exec plugin against a token ------------------------------------------------
    await benchExec({state, dir, cli: CLI, rounds: ROUNDS})
    if (ONLY_EXEC) return state.kubernetesVersion
    // --- convergence ------------------------------------------------------------------------------
    const profile: LabProfile = {
      name: 'Liqo v0.3 emulator',
      liqo: liqoV0,
      cluster3Id: id3,
      nodeOfCluster3: `liqo-${id3}`,
      isSwitchPatch: (e) =>
        e.verb === 'patch' &&
        e.objectRef?.resource === 'foreignclusters' &&
        e.objectRef.name === 'cluster-3' &&
        e.responseStatus?.code === 200 &&
        e.user.username === 'admin',
      isReadyUpdate: (e) =>
        e.user.username === 'liqo-emulator' &&
        e.objectRef?.resource === 'pods' &&
        e.objectRef.subresource === 'status' &&
        e.objectRef.namespace === 'liqo-test' &&
        e.responseStatus?.code === 200,
      isPodGone: (e) =>
        e.user.username === 'liqo-emulator' &&
        e.verb === 'delete' &&
        e.objectRef?.resource === 'pods' &&
        e.objectRef.namespace === 'liqo-test' &&
        e.responseStatus?.code === 200,
      restore: () => ensurePeerings(client, remoteIds),
    }
    await measureConvergence(profile, {client, state, dir, cli: CLI, env, rounds: CONV_ROUNDS})
    const id2 = state.clusters.find((c) => c.name === 'cluster-2')!.id
    await measureRebalance(profile, {client, state, dir, cli: CLI, env, rounds: CONV_ROUNDS, ids: {c2: id2, c3: id3}})

    // --- scale ------------------------------------------------------------------------------------
    log(`scale: ${CLUSTERS} remote clusters and ${PODS} pods (this takes a few minutes)`)
    const scaled = await labScale(dir, {clusters: CLUSTERS, pods: PODS, namespace: 'scale'})
    log(`scale scenario ready in ${(scaled.ms / 1000).toFixed(0)} s`)
    const bigOurs = await timeRounds([...CLI, 'pods', 'where', '-A'], env, Math.max(3, Math.ceil(ROUNDS / 2)))
    const bigKc = await timeRounds(
      [kubectl, 'get', 'pods', '-A', '-o', 'wide'],
      env,
      Math.max(3, Math.ceil(ROUNDS / 2)),
    )
    add(
      `wall time of \`pods where -A\`, ${PODS} pods on ${CLUSTERS} clusters`,
      ms(bigOurs.ms),
      `${ms(bigKc.ms)} (kubectl get pods -A -o wide)`,
      `${(bigOurs.ms / bigKc.ms).toFixed(2)}×`,
      '≤ 1.0×',
      bigOurs.ms / bigKc.ms <= 1.0,
    )
    add(
      'peak memory (RSS) of that run',
      `${(bigOurs.rss / 1024).toFixed(0)} MB`,
      `${(bigKc.rss / 1024).toFixed(0)} MB (kubectl)`,
      '—',
      '≤ 250 MB',
      bigOurs.rss / 1024 <= 250,
    )
    add('scale scenario set-up (lab scale)', `${(scaled.ms / 1000).toFixed(0)} s`, '—', '—', 'reasonable', undefined)
  } finally {
    client.close()
    await labDown(dir)
    rmSync(dir, {recursive: true, force: true})
  }
  return state.kubernetesVersion
}

const kubernetesVersion = process.argv.includes('--only-v1') || ONLY_MOVES ? '' : await benchV0()
// --- the same convergence figures on Liqo v1.2's own controllers ---------------------------------
if (!process.argv.includes('--no-v1') && !ONLY_EXEC) await benchV1()

async function benchV1(): Promise<void> {
  const dir1 = mkdtempSync(join(tmpdir(), 'liqo-topology-bench-v1-'))
  log(`starting a real-Liqo lab (lab up --liqo v1.2 --tutorial) in ${dir1}`)
  await labUp({dir: dir1, tutorial: true, liqo: 'v1.2', delayMs: 0, build: true, onProgress: (m) => log(m)})
  const s1 = readState(dir1)!
  const c1 = await KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig: s1.kubeconfig}), 'cluster-1'))
  try {
    const profile: LabProfile = {
      name: 'Liqo v1.2',
      liqo: liqoV1,
      cluster3Id: 'cluster-3',
      nodeOfCluster3: 'cluster-3',
      isSwitchPatch: (e) =>
        e.verb === 'patch' &&
        e.objectRef?.resource === 'virtualnodes' &&
        e.objectRef.name === 'cluster-3' &&
        e.responseStatus?.code === 200 &&
        e.user.username === 'admin',
      // Liqo's virtual kubelet (a service account) reports the offloaded pods' status.
      isReadyUpdate: (e) =>
        e.user.username.startsWith('system:serviceaccount:liqo-tenant-') &&
        e.objectRef?.resource === 'pods' &&
        e.objectRef.subresource === 'status' &&
        e.objectRef.namespace === 'liqo-test' &&
        e.responseStatus?.code === 200,
      isPodGone: (e) =>
        e.user.username.startsWith('system:serviceaccount:liqo-tenant-') &&
        e.verb === 'delete' &&
        e.objectRef?.resource === 'pods' &&
        !e.objectRef.subresource &&
        e.objectRef.namespace === 'liqo-test' &&
        e.responseStatus?.code === 200,
      restore: async () => {
        for (const fc of (await liqoV1.listPeerings(c1)).items)
          if (fc.outgoingEnabled !== 'Yes') await liqoV1.setOutgoing(c1, fc, 'Yes')
        await waitVirtualNodesReady(c1, ['cluster-2', 'cluster-3'], 180_000)
      },
    }
    const o = {client: c1, state: s1, dir: dir1, cli: CLI, env: {KUBECONFIG: s1.kubeconfig, NO_COLOR: '1'}}
    if (!ONLY_MOVES) await measureConvergence(profile, {...o, rounds: CONV_ROUNDS})
    const moves = {...o, rounds: ONLY_MOVES ? 3 : CONV_ROUNDS, ids: {c2: 'cluster-2', c3: 'cluster-3'}}
    await measureRebalance(profile, moves)
    await measureRebalance(profile, moves, '5s')
    await measureDisableTwoNodes(profile, {...moves, rounds: ONLY_MOVES ? 2 : CONV_ROUNDS})
  } finally {
    c1.close()
    await labDown(dir1)
    rmSync(dir1, {recursive: true, force: true})
  }
}

const cpu = cpus()[0]?.model ?? 'cpu'
console.log(
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} ` +
    `× ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, lab ` +
    `Kubernetes ${kubernetesVersion || 'v1.36.3'}; medians of ${ROUNDS} rounds (start-up), ${CONV_ROUNDS} rounds ` +
    `(convergence).\n`,
)
console.log('| figure | liqo-topology | anchor (same run) | ratio | target | |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
