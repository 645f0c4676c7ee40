/**
 * Builds the start-up snapshot blob for this bundle and the Node binary running it
 * (dist/bundle/snapshot-build.js <blob> of the CLI). The launcher (./liqo-topology, installed as
 * dist/bundle/liqo-topology) starts it in the background when it finds no blob for its key; it
 * detaches at once, so that neither the command being run nor a Ctrl-C aimed at it is held up or
 * reaches the build. One build at a time (a lock directory); the blob appears under its final name
 * only after a run from it printed the expected version, so a half-written or unusable blob is never
 * picked up. The blob takes the modification time of the Node binary it was built for (the `node`
 * the launcher found, given as the second argument): that is how the launcher knows, with shell
 * builtins only, that it still matches.
 */
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const DIR = dirname(fileURLToPath(import.meta.url))
const STALE_LOCK_MS = 10 * 60_000
const KEEP_BLOBS = 6

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return Infinity
  }
}

/** Takes the build lock for `blob`, or says another build holds it (a stale lock is taken over). */
function lock(path: string): boolean {
  try {
    mkdirSync(path)
    return true
  } catch {
    if (ageMs(path) < STALE_LOCK_MS) return false
    rmSync(path, {recursive: true, force: true})
    return lock(path)
  }
}

/** Keeps the newest few blobs of the cache directory; removes leftovers of interrupted builds. */
function prune(dir: string): void {
  const blobs = readdirSync(dir)
    .filter((f) => f.endsWith('.blob') || f.endsWith('.failed'))
    // A blob's modification time is its Node binary's (buildBlob); when it was made is its ctime.
    .map((f) => ({f, t: statSync(join(dir, f)).ctimeMs}))
    .sort((a, b) => b.t - a.t)
  for (const {f} of blobs.slice(KEEP_BLOBS)) rmSync(join(dir, f), {force: true})
  for (const f of readdirSync(dir))
    if (f.endsWith('.tmp') && ageMs(join(dir, f)) > STALE_LOCK_MS) rmSync(join(dir, f), {force: true})
}

/**
 * Marks a build that failed for this key (for example a NODE_OPTIONS that the snapshot builder
 * refuses), so that runs do not retry it every time; the marker says why.
 */
function failed(blob: string, why: string): false {
  writeFileSync(`${blob}.failed`, `${why}\n`)
  return false
}

export function buildBlob(blob: string, node: string): boolean {
  const held = `${blob}.lock`
  mkdirSync(dirname(blob), {recursive: true})
  if (!lock(held)) return false
  const tmp = `${blob}.${process.pid}.tmp`
  try {
    // The same Node binary and NODE_OPTIONS as the runs that will use it: both are in the key.
    const env: NodeJS.ProcessEnv = {...process.env, LIQO_TOPOLOGY_BUNDLE_DIR: DIR}
    const built = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', join(DIR, 'snapshot.cjs')], {
      cwd: DIR,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    })
    if (built.status !== 0)
      return failed(blob, `the build exited ${built.status ?? built.signal}: ${built.stderr.slice(-2000)}`)
    const {version} = JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8')) as {version: string}
    const check = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--', join(DIR, 'run.js'), '--version'], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    if (check.status !== 0 || !check.stdout.startsWith(`liqo-topology/${version} `))
      return failed(
        blob,
        `a run from it printed ${JSON.stringify(check.stdout)} (exit ${check.status}): ${check.stderr.slice(-2000)}`,
      )
    const touched = spawnSync('touch', ['-r', node, tmp], {encoding: 'utf8'})
    if (touched.status !== 0) return failed(blob, `touch -r ${node}: ${touched.stderr || touched.error?.message}`)
    renameSync(tmp, blob)
    prune(dirname(blob))
    return true
  } finally {
    rmSync(tmp, {force: true})
    rmSync(held, {recursive: true, force: true})
  }
}

const [mode, blob, node = process.execPath] = process.argv.slice(2)
if (mode === '--detach' && blob) {
  spawn(process.execPath, [fileURLToPath(import.meta.url), '--now', blob, node], {
    detached: true,
    stdio: 'ignore',
  }).unref()
} else if (mode === '--now' && blob) {
  process.exitCode = buildBlob(blob, node) ? 0 : 1
} else {
  process.stderr.write('usage: snapshot-build.js --detach|--now <blob> [<node as the launcher found it>]\n')
  process.exitCode = 2
}
