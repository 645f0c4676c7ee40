/**
 * Where the control-plane binaries come from, in order: TEST_ASSET_<NAME> → KUBEBUILDER_ASSETS →
 * the build cache (LAB_BIN_DIR or ~/.cache/liqo-topology/k8s-<v>-etcd-<v>, filled by
 * build/build-control-plane.sh) → /usr/local/kubebuilder/bin.
 */
import {spawn} from 'node:child_process'
import {accessSync, constants, existsSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {cacheRoot} from 'liqo-topology/toolkit/cache'

import {DEFAULT_LIQO_V1_LINE, LIQO_LINE_SPECS, type LiqoV1Line} from './v1/liqo-lines.js'

export const REQUIRED_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const
export type BinaryName = (typeof REQUIRED_BINARIES)[number] | 'kubectl'
export type Binaries = Record<(typeof REQUIRED_BINARIES)[number], string> & {kubectl?: string}

/** The lab's npm name. */
export const LAB_PACKAGE = '@liqo-topology/lab'

/** The lab package's directory (works from src/ and from its bundle in dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pj = join(dir, 'package.json')
    // The lab package's root holds its Go modules.
    if (existsSync(pj) && existsSync(join(dir, 'build', 'go'))) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === LAB_PACKAGE) return dir
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`cannot find the ${LAB_PACKAGE} package root`)
    dir = up
  }
}

export function pinnedVersions(root = packageRoot()): {kubernetes: string; etcd: string} {
  const k8s = readFileSync(join(root, 'build/go/k8s/go.mod'), 'utf8').match(
    /^require k8s\.io\/kubernetes (v[\d.]+)$/m,
  )?.[1]
  const etcd = readFileSync(join(root, 'build/go/etcd/go.mod'), 'utf8').match(
    /^require go\.etcd\.io\/etcd\/server\/v3 (v[\d.]+)$/m,
  )?.[1]
  if (!k8s || !etcd) throw new Error('cannot read the pinned Kubernetes/etcd versions from build/go/*/go.mod')
  return {kubernetes: k8s, etcd}
}

export function cacheBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LAB_BIN_DIR) return resolve(env.LAB_BIN_DIR)
  const v = pinnedVersions()
  return join(cacheRoot(env), `k8s-${v.kubernetes}-etcd-${v.etcd}`)
}

function executable(p: string | undefined): p is string {
  if (!p) return false
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Candidate paths for one binary, most specific first. */
export function candidates(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = []
  const assetVar = `TEST_ASSET_${name.toUpperCase().replace(/-/g, '_')}`
  if (env[assetVar]) out.push(env[assetVar]!)
  if (env.KUBEBUILDER_ASSETS) out.push(join(env.KUBEBUILDER_ASSETS, name))
  out.push(join(cacheBinDir(env), name))
  out.push(join('/usr/local/kubebuilder/bin', name))
  return out
}

export function findBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return candidates(name, env).find(executable)
}

export interface BinaryLookup {
  found: Partial<Binaries>
  missing: string[]
}

export function lookupBinaries(env: NodeJS.ProcessEnv = process.env): BinaryLookup {
  const found: Partial<Binaries> = {}
  const missing: string[] = []
  for (const name of REQUIRED_BINARIES) {
    const p = findBinary(name, env)
    if (p) found[name] = p
    else missing.push(name)
  }
  const kubectl = findBinary('kubectl', env)
  if (kubectl) found.kubectl = kubectl
  return {found, missing}
}

/**
 * Runs build/build-control-plane.sh (idempotent; its progress lines go to `onLine`).
 * Needs Go; the error says what to do when Go is missing.
 */
export function buildControlPlane(
  onLine: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return runBuildScript('build-control-plane.sh', 'the control plane', onLine, env, () => cacheBinDir(env))
}

// --- the real-Liqo lab: Liqo's own binaries, its chart, kwok -------------------------------------

/** Liqo's binaries the lab runs without networking (cmd/<name> in the module). */
export const LIQO_BINARIES = [
  'liqo-controller-manager',
  'webhook',
  'crd-replicator',
  'virtual-kubelet',
  'liqoctl',
] as const

/** The Liqo release a line's wrapper module pins, and kwok's version (build/go/kwok). */
export function pinnedLiqoVersions(
  line: LiqoV1Line = DEFAULT_LIQO_V1_LINE,
  root = packageRoot(),
): {liqo: string; kwok: string} {
  const mod = LIQO_LINE_SPECS[line].goModule
  const liqo = readFileSync(join(root, mod, 'go.mod'), 'utf8').match(
    /^require github\.com\/liqotech\/liqo (v[\d.]+)$/m,
  )?.[1]
  const kwok = readFileSync(join(root, 'build/go/kwok/go.mod'), 'utf8').match(
    /^require sigs\.k8s\.io\/kwok (v[\d.]+)$/m,
  )?.[1]
  if (!liqo || !kwok) throw new Error(`cannot read the pinned Liqo/kwok versions from ${mod} and build/go/kwok`)
  return {liqo, kwok}
}

/** Where build/build-liqo.sh puts a line's output (LIQO_LAB_DIR, or the cache root). */
export function liqoCacheDir(env: NodeJS.ProcessEnv = process.env, line: LiqoV1Line = DEFAULT_LIQO_V1_LINE): string {
  if (env.LIQO_LAB_DIR) return resolve(env.LIQO_LAB_DIR)
  const v = pinnedLiqoVersions(line)
  return join(cacheRoot(env), `liqo-${v.liqo}-kwok-${v.kwok}`)
}

export interface LiqoArtifacts {
  dir: string
  /** The lab's line (v1.0, v1.1, v1.2) and the release it pins (e.g. v1.0.1). */
  line: LiqoV1Line
  version: string
  kwokVersion: string
  /** Liqo binary name → path. */
  bins: Map<string, string>
  kwok: string
  /** Liqo's Helm chart (deployments/liqo of the module). */
  chart: string
  /** kwok's stage definitions. */
  stages: string
}

export function lookupLiqo(
  env: NodeJS.ProcessEnv = process.env,
  line: LiqoV1Line = DEFAULT_LIQO_V1_LINE,
): {found?: LiqoArtifacts; missing: string[]} {
  const dir = liqoCacheDir(env, line)
  const v = pinnedLiqoVersions(line)
  const bins = new Map(LIQO_BINARIES.map((b) => [b as string, join(dir, 'bin', b)]))
  const missing = [...bins.entries()].filter(([, p]) => !executable(p)).map(([b]) => b)
  const kwok = join(dir, 'bin', 'kwok')
  if (!executable(kwok)) missing.push('kwok')
  const chart = join(dir, 'chart', 'liqo')
  if (!existsSync(join(chart, 'Chart.yaml'))) missing.push('Liqo chart')
  const stages = join(dir, 'kwok-stages.yaml')
  if (!existsSync(stages)) missing.push('kwok stages')
  if (missing.length) return {missing}
  return {found: {dir, line, version: v.liqo, kwokVersion: v.kwok, bins, kwok, chart, stages}, missing}
}

/** Runs build/build-liqo.sh for a line (idempotent; progress lines go to `onLine`). */
export function buildLiqo(
  onLine: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  line: LiqoV1Line = DEFAULT_LIQO_V1_LINE,
): Promise<string> {
  return runBuildScript('build-liqo.sh', `Liqo ${line}`, onLine, env, () => liqoCacheDir(env, line), [line])
}

function runBuildScript(
  name: string,
  what: string,
  onLine: (line: string) => void,
  env: NodeJS.ProcessEnv,
  fallback: () => string,
  args: string[] = [],
): Promise<string> {
  const script = join(packageRoot(), 'build', name)
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let errTail = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.setEncoding('utf8')
    let partial = ''
    child.stderr.on('data', (d: string) => {
      partial += d
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const l of lines) {
        errTail = l
        onLine(l)
      }
    })
    child.on('error', (e) => reject(e))
    child.on('exit', (code) => {
      if (code === 0) resolvePromise(out.trim().split('\n').pop() ?? fallback())
      else reject(new Error(`building ${what} failed (exit ${code}): ${errTail}`))
    })
  })
}
