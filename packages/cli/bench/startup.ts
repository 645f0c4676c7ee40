/**
 * Start-up benchmark (never a test): how long a command takes from spawn to exit, against its
 * anchor, measured alternately in one run (each round runs every variant once in each environment,
 * in turn), medians.
 *
 *   npm run build && npm run bench:startup [-- --rounds 15]
 *
 * Variants: the published launcher with its start-up snapshot built (what users run), the plain
 * bundle (bin/run.js, the launcher's fallback), and the anchor: the matching kubectl read for
 * commands that read the cluster, `node -e 0` for help and usage errors. Every figure is taken
 * twice: with this machine's environment, and with NODE_EXTRA_CA_CERTS unset (it makes every Node
 * start load extra certificates). On a lab started here (lab up --tutorial, the v0.3 emulator).
 */
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {cpus, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {labDown, labUp} from '@liqo-topology/lab/lab'
import {readState} from '@liqo-topology/lab/state'
import {log, median} from './util.js'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const ROUNDS = arg('rounds', 15)
const ROOT = new URL('..', import.meta.url).pathname
const LAUNCHER = join(ROOT, 'bin', 'liqo-topology')
const PLAIN = join(ROOT, 'bin', 'run.js')
if (!existsSync(join(ROOT, 'dist', 'bundle', 'run.js'))) {
  console.error('error: build first (npm run build): the benchmark measures the published bundle')
  process.exit(1)
}

/** Wall time of one run, spawn to exit; throws on an unexpected exit code. */
function once(cmd: string[], env: NodeJS.ProcessEnv, expectCode = 0): Promise<number> {
  const started = performance.now()
  const child = spawn(cmd[0]!, cmd.slice(1), {env, stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === expectCode
        ? resolve(performance.now() - started)
        : reject(new Error(`${cmd.join(' ')} exited ${code}: ${stderr}`)),
    ),
  )
}

interface Figure {
  name: string
  args: string[]
  code?: number
  anchor: string[]
  anchorName: string
  target: number
}

type Medians = {snapshot: number; plain: number; anchor: number}

/**
 * Medians of each variant in each environment: in every round (after one warm-up round) each
 * variant runs once in each environment, in turn. Both environments share the rounds, so that a
 * machine getting busier during the run weighs on both alike (measured one block after the other,
 * the second block's `--help` came out 13–30 ms slower than the first's for the same work).
 */
async function alternate(f: Figure, envs: readonly NodeJS.ProcessEnv[]): Promise<Medians[]> {
  const variants = {
    snapshot: (env: NodeJS.ProcessEnv) => once([LAUNCHER, ...f.args], env, f.code),
    plain: (env: NodeJS.ProcessEnv) => once([process.execPath, PLAIN, ...f.args], env, f.code),
    anchor: (env: NodeJS.ProcessEnv) => once(f.anchor, env),
  }
  const times = envs.map(() => ({snapshot: [] as number[], plain: [] as number[], anchor: [] as number[]}))
  for (let round = -1; round < ROUNDS; round++) {
    for (const [k, run] of Object.entries(variants) as Array<
      [keyof typeof variants, (env: NodeJS.ProcessEnv) => Promise<number>]
    >) {
      for (const [i, env] of envs.entries()) {
        const t = await run(env)
        if (round >= 0) times[i]![k].push(t)
      }
    }
  }
  return times.map((t) => ({snapshot: median(t.snapshot), plain: median(t.plain), anchor: median(t.anchor)}))
}

const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-bench-startup-'))
const cache = join(dir, 'cache')
log(`starting a lab in ${dir}`)
await labUp({dir: join(dir, 'lab'), tutorial: true, delayMs: 1000, build: true, onProgress: (m) => log(m)})
const state = readState(join(dir, 'lab'))!
const kubectl = join(state.binDir, 'kubectl')
const node = process.execPath
const figures: Figure[] = [
  {
    name: '`pods where -n liqo-test` (3 pods)',
    args: ['pods', 'where', '-n', 'liqo-test'],
    anchor: [kubectl, 'get', 'pods', '-n', 'liqo-test', '-o', 'wide'],
    anchorName: 'kubectl get pods -o wide',
    target: 1.5,
  },
  {
    name: '`peer list`',
    args: ['peer', 'list'],
    anchor: [kubectl, 'get', 'foreignclusters', '-o', 'wide'],
    anchorName: 'kubectl get foreignclusters -o wide',
    target: 1.5,
  },
  {
    name: '`status -n liqo-test`',
    args: ['status', '-n', 'liqo-test'],
    anchor: [kubectl, 'get', 'foreignclusters,namespaceoffloadings,pods', '-n', 'liqo-test', '-o', 'wide'],
    anchorName: 'kubectl get foreignclusters,namespaceoffloadings,pods -o wide',
    target: 1.5,
  },
  {name: '`--help`', args: ['--help'], anchor: [node, '-e', '0'], anchorName: 'node -e 0', target: 2},
  {
    name: '`peer disable --help`',
    args: ['peer', 'disable', '--help'],
    anchor: [node, '-e', '0'],
    anchorName: 'node -e 0',
    target: 2,
  },
  {
    name: 'a usage error (`pods where --bogus`, exit 2)',
    args: ['pods', 'where', '--bogus'],
    code: 2,
    anchor: [node, '-e', '0'],
    anchorName: 'node -e 0',
    target: 2,
  },
]

const base: NodeJS.ProcessEnv = {...process.env, KUBECONFIG: state.kubeconfig, NO_COLOR: '1', XDG_CACHE_HOME: cache}
delete base.NODE_OPTIONS
const withoutExtraCerts = {...base}
delete withoutExtraCerts.NODE_EXTRA_CA_CERTS
const rows: string[] = []
try {
  // The snapshot, built as a user's first run would (here in the foreground).
  const built = spawnSync(LAUNCHER, ['--version'], {env: {...base, LIQO_TOPOLOGY_SNAPSHOT: 'build'}, encoding: 'utf8'})
  if (built.status !== 0 || !readdirSync(join(cache, 'liqo-topology', 'snapshots')).some((f) => f.endsWith('.blob')))
    throw new Error(`no snapshot was built: ${built.stderr}`)
  const envs = [
    ['this machine (NODE_EXTRA_CA_CERTS set)', base],
    ['NODE_EXTRA_CA_CERTS unset', withoutExtraCerts],
  ].filter(([label]) => process.env.NODE_EXTRA_CA_CERTS || !String(label).startsWith('this')) as Array<
    [string, NodeJS.ProcessEnv]
  >
  const byEnv: string[][] = envs.map(() => [])
  for (const f of figures) {
    log(f.name)
    const medians = await alternate(
      f,
      envs.map(([, env]) => env),
    )
    for (const [i, m] of medians.entries()) {
      const ratio = m.snapshot / m.anchor
      byEnv[i]!.push(
        `| ${envs[i]![0]} | ${f.name} | ${m.snapshot.toFixed(0)} ms | ${m.plain.toFixed(0)} ms ` +
          `(${(m.plain / m.anchor).toFixed(2)}×) | ${m.anchor.toFixed(0)} ms (${f.anchorName}) ` +
          `| ${ratio.toFixed(2)}× | ≤ ${f.target}× | ${ratio <= f.target ? 'met' : '**not met**'} |`,
      )
    }
  }
  rows.push(...byEnv.flat())
} finally {
  await labDown(join(dir, 'lab'))
  rmSync(dir, {recursive: true, force: true})
}

const cpu = cpus()[0]?.model ?? 'cpu'
console.log(
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} ` +
    `× ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; medians of ${ROUNDS} rounds, ` +
    `the three variants${process.env.NODE_EXTRA_CA_CERTS ? ' in both environments' : ''} alternating within each ` +
    `round.\n`,
)
console.log('| environment | command | launcher (snapshot) | plain bundle | anchor (same rounds) | ratio | target | |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(r)
