/**
 * Kubeconfigs for the conformance suite (test/integration/kubeconfig-*.test.ts): the lab's cluster-1
 * with a user entry of the test's choosing, a credential plugin written by the test (a node script
 * counting its runs and recording KUBERNETES_EXEC_INFO), kubectl run on the same file, and the API
 * server's audit log read per client (kubectl's User-Agent or ours).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {auditEvents, collect, lab, labState, type RunResult} from './lab.js'

export interface LabKube {
  cluster: Record<string, unknown>
  token: string
  dir: string
}

/** cluster-1's cluster entry and admin token, and a fresh folder for this file's kubeconfigs. */
export function labKube(prefix: string): LabKube {
  const doc = JSON.parse(readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/, '')) as {
    clusters: Array<{name: string; cluster: Record<string, unknown>}>
    users: Array<{name: string; user: {token: string}}>
    contexts: Array<{name: string; context: {cluster: string; user: string}}>
  }
  const ctx = doc.contexts.find((c) => c.name === 'cluster-1')!
  return {
    cluster: doc.clusters.find((c) => c.name === ctx.context.cluster)!.cluster,
    token: doc.users.find((u) => u.name === ctx.context.user)!.user.token,
    dir: mkdtempSync(join(lab!.dir, `${prefix}-`)),
  }
}

/** Writes a one-context kubeconfig (context "it", user "cloud-user") with `user`; returns its path. */
export function writeKubeconfig(
  k: LabKube,
  name: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): string {
  const file = join(k.dir, `${name}.kubeconfig`)
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: 'lab', cluster: {...k.cluster, ...cluster}}],
    users: [{name: 'cloud-user', user}],
    contexts: [{name: 'it', context: {cluster: 'lab', user: 'cloud-user'}}],
    'current-context': 'it',
  }
  writeFileSync(file, JSON.stringify(doc, null, 2), {mode: 0o600})
  return file
}

export interface Plugin {
  /** Absolute path of the script. */
  path: string
  /** How often it ran since the last reset(). */
  runs(): number
  /** The KUBERNETES_EXEC_INFO of each run, parsed. */
  infos(): unknown[]
  reset(): void
}

/**
 * A credential plugin: `body` is JavaScript run with `n` (this run's number since the last reset),
 * `info` (KUBERNETES_EXEC_INFO, parsed) and `cred(status)` (prints an ExecCredential of `apiVersion`).
 */
export function writePlugin(
  k: LabKube,
  name: string,
  body: string,
  apiVersion = 'client.authentication.k8s.io/v1',
  sub = '',
): Plugin {
  const folder = join(k.dir, sub)
  mkdirSync(folder, {recursive: true})
  const path = join(folder, name)
  const count = `${path}.runs`
  const infos = `${path}.infos`
  writeFileSync(
    path,
    `#!${process.execPath}
const fs = require('node:fs')
const n = (fs.existsSync(${JSON.stringify(count)}) ? Number(fs.readFileSync(${JSON.stringify(count)}, 'utf8')) : 0) + 1
fs.writeFileSync(${JSON.stringify(count)}, String(n))
fs.appendFileSync(${JSON.stringify(infos)}, (process.env.KUBERNETES_EXEC_INFO || '{}') + '\\n')
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO || '{}')
const cred = (status) => process.stdout.write(JSON.stringify({apiVersion: ${JSON.stringify(apiVersion)}, ` +
      `kind: 'ExecCredential', status}))
${body}
`,
  )
  chmodSync(path, 0o755)
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '')
  return {
    path,
    runs: () => Number(read(count) || 0),
    infos: () =>
      read(infos)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown),
    reset: () => {
      writeFileSync(count, '0')
      writeFileSync(infos, '')
    },
  }
}

/** kubectl on `kubeconfig` (fresh discovery cache: it makes several requests, as a first run does). */
export function kubectlWith(kubeconfig: string, args: string[], o: {timeoutMs?: number} = {}): Promise<RunResult> {
  const bin = join(labState().binDir, 'kubectl')
  const cache = mkdtempSync(join(lab!.dir, 'kubectl-cache-'))
  const child = spawn(bin, [...args, '--cache-dir', cache], {
    env: {...process.env, KUBECONFIG: kubeconfig},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return collect(child, o)
}

export interface Identity {
  user: string
  impersonated?: unknown
}

/** The identities (authenticated user and impersonated one) of the requests `agent` sent since `since`. */
export function identities(since: number, agent: 'kubectl' | 'liqo-topology'): Identity[] {
  const seen = new Map<string, Identity>()
  for (const e of auditEvents(since) as Array<ReturnType<typeof auditEvents>[number] & {userAgent?: string}>) {
    if (!e.userAgent?.startsWith(agent) || !e.user?.username) continue
    const id: Identity = {user: e.user.username, ...(e.impersonatedUser ? {impersonated: e.impersonatedUser} : {})}
    seen.set(JSON.stringify(id), id)
  }
  return [...seen.values()]
}

/** kubectl on a pseudo-terminal (util-linux `script`), as startCliOnTty runs ours. */
export function kubectlOnTty(
  kubeconfig: string,
  args: string[],
): {child: ChildProcess; output(): string; done: Promise<number | null>} {
  const bin = join(labState().binDir, 'kubectl')
  const cmd = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
    env: {...process.env, KUBECONFIG: kubeconfig, TERM: 'xterm'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, output: () => out, done}
}
