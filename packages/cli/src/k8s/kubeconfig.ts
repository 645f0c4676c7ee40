/**
 * Kubeconfig loading with kubectl's rules (k8s.io/client-go/tools/clientcmd), which
 * @kubernetes/client-node does not follow for KUBECONFIG lists:
 *  - `--kubeconfig <file>`: only that file, and it must exist;
 *  - otherwise every file of KUBECONFIG (split on ':'), missing ones ignored, merged so that the
 *    FIRST file defining a cluster/user/context name wins, and the first non-empty
 *    current-context wins;
 *  - otherwise ~/.kube/config.
 * Relative credential paths are resolved against the directory of the file that holds them.
 * This module only reads YAML; credentials are applied in ./auth.ts.
 */
import {readFileSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, dirname, isAbsolute, resolve} from 'node:path'
import yaml from 'js-yaml'

import {UserError} from '../toolkit/errors.js'
import {
  checkOverrides,
  checkUser,
  mergeCluster,
  mergeUser,
  overridesNameServer,
  type ConnectionOverrides,
} from './overrides.js'

export interface NamedCluster {
  name: string
  cluster: Record<string, unknown> & {server?: string}
}
export interface NamedUser {
  name: string
  user: Record<string, unknown>
}
export interface NamedContext {
  name: string
  context: {cluster?: string; user?: string; namespace?: string}
}

export interface Kubeconfig {
  clusters: NamedCluster[]
  users: NamedUser[]
  contexts: NamedContext[]
  currentContext: string
  /** Files that were actually read, in order. */
  files: string[]
}

/** What a command targets: one context of the merged kubeconfig. */
export interface KubeTarget {
  context: string
  clusterName: string
  userName: string
  server: string
  /** Namespace of the context, or "default". */
  namespace: string
  cluster: NamedCluster['cluster']
  user: NamedUser['user']
  /** The merged kubeconfig it comes from (needed by auth plugins). */
  config: Kubeconfig
}

export interface LoadOptions {
  /** Value of --kubeconfig. */
  kubeconfig?: string
  /** Process environment (KUBECONFIG, HOME). */
  env?: NodeJS.ProcessEnv
  /** No file at all is an empty kubeconfig, not an error (--server says where to go, as kubectl allows). */
  optional?: boolean
}

const FILE_KEYS_CLUSTER = ['certificate-authority']
const FILE_KEYS_USER = ['client-certificate', 'client-key', 'tokenFile']

/** The ordered list of files kubectl would read. */
export function kubeconfigPaths(opts: LoadOptions): {paths: string[]; explicit: boolean} {
  const env = opts.env ?? process.env
  if (opts.kubeconfig) return {paths: [resolve(opts.kubeconfig)], explicit: true}
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.trim() !== '')
  if (fromEnv.length > 0) return {paths: dedupe(fromEnv.map((p) => resolve(p))), explicit: false}
  return {paths: [resolve(env.HOME ?? homedir(), '.kube', 'config')], explicit: false}
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)]
}

/**
 * What is wrong with a kubeconfig that does not parse, and where, without echoing its content: the
 * parser quotes alias names and tags, or appends a tag after a colon, and a mistyped line can turn a
 * token into one.
 */
function yamlReason(e: unknown): string {
  const y = e as {reason?: unknown; mark?: {line?: unknown; column?: unknown}}
  const reason =
    typeof y?.reason === 'string' ? y.reason : e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)
  const redacted = (reason.split(': ')[0] ?? '')
    .replace(/"[^"]*"/g, '')
    .replace(/!<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  const line = y?.mark?.line
  const column = y?.mark?.column
  return typeof line === 'number' && typeof column === 'number'
    ? `${redacted} at line ${line + 1}, column ${column + 1}`
    : redacted
}

interface RawKubeconfig {
  clusters?: NamedCluster[] | null
  users?: NamedUser[] | null
  contexts?: NamedContext[] | null
  'current-context'?: string
}

export function parseKubeconfig(text: string, file: string): RawKubeconfig {
  let doc: unknown
  try {
    doc = yaml.load(text)
  } catch (e) {
    throw new UserError(
      `kubeconfig "${file}" is not valid YAML: ${yamlReason(e)}`,
      'fix the file or point --kubeconfig at another one',
    )
  }
  if (doc === undefined || doc === null) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(`kubeconfig "${file}" is not a kubeconfig (expected a YAML mapping)`)
  }
  const raw = doc as RawKubeconfig
  checkShape(raw, file)
  const dir = dirname(file)
  for (const c of raw.clusters ?? []) absolutize(c?.cluster, FILE_KEYS_CLUSTER, dir)
  for (const u of raw.users ?? []) {
    absolutize(u?.user, FILE_KEYS_USER, dir)
    // As clientcmd: an exec command with a path separator is relative to the file; a bare name is looked up on the
    // PATH.
    const exec = u?.user?.exec as Record<string, unknown> | undefined
    if (exec && typeof exec === 'object' && typeof exec.command === 'string' && exec.command.includes('/'))
      absolutize(exec, ['command'], dir)
  }
  return raw
}

/** A hand-edited kubeconfig of the wrong shape is one clear error, as kubectl's loader makes it. */
function checkShape(raw: RawKubeconfig, file: string): void {
  const bad = (what: string) =>
    new UserError(
      `kubeconfig "${file}" is not a valid kubeconfig: ${what}`,
      'fix the file or point --kubeconfig at another one',
    )
  const entries = [
    ['clusters', 'cluster'],
    ['users', 'user'],
    ['contexts', 'context'],
  ] as const
  for (const [list, field] of entries) {
    const items: unknown = raw[list]
    if (items === undefined || items === null) continue
    if (!Array.isArray(items)) throw bad(`"${list}" must be a list`)
    for (const item of items as unknown[]) {
      if (item === null || typeof item !== 'object' || Array.isArray(item))
        throw bad(`every entry of "${list}" must be a mapping`)
      const entry = item as Record<string, unknown>
      if (entry.name !== undefined && typeof entry.name !== 'string') throw bad(`a name in "${list}" is not a string`)
      const body = entry[field]
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
        throw bad(`"${field}" of ${String(entry.name ?? 'an entry')} must be a mapping`)
    }
  }
  const current: unknown = raw['current-context']
  if (current !== undefined && current !== null && typeof current !== 'string')
    throw bad('"current-context" must be a string')
}

function absolutize(obj: Record<string, unknown> | undefined, keys: string[], dir: string): void {
  if (!obj) return
  for (const k of keys) {
    const v = obj[k]
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) obj[k] = resolve(dir, v)
  }
}

/** kubectl's merge: the first definition of each name wins, the first non-empty current-context wins. */
export function mergeKubeconfigs(docs: Array<{file: string; raw: RawKubeconfig}>): Kubeconfig {
  const out: Kubeconfig = {clusters: [], users: [], contexts: [], currentContext: '', files: []}
  const seen = {clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>()}
  for (const {file, raw} of docs) {
    out.files.push(file)
    for (const c of raw.clusters ?? []) {
      if (c?.name && !seen.clusters.has(c.name)) {
        seen.clusters.add(c.name)
        out.clusters.push({name: c.name, cluster: c.cluster ?? {}})
      }
    }
    for (const u of raw.users ?? []) {
      if (u?.name && !seen.users.has(u.name)) {
        seen.users.add(u.name)
        out.users.push({name: u.name, user: u.user ?? {}})
      }
    }
    for (const c of raw.contexts ?? []) {
      if (c?.name && !seen.contexts.has(c.name)) {
        seen.contexts.add(c.name)
        out.contexts.push({name: c.name, context: c.context ?? {}})
      }
    }
    if (!out.currentContext && raw['current-context']) out.currentContext = raw['current-context']
  }
  return out
}

export function loadKubeconfig(opts: LoadOptions = {}): Kubeconfig {
  const {paths, explicit} = kubeconfigPaths(opts)
  const docs: Array<{file: string; raw: RawKubeconfig}> = []
  for (const file of paths) {
    let text: string
    try {
      if (!statSync(file).isFile()) throw Object.assign(new Error('not a file'), {code: 'EISDIR'})
      text = readFileSync(file, 'utf8')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT' && !explicit) continue // kubectl ignores missing files of KUBECONFIG
      if (code === 'ENOENT') {
        throw new UserError(
          `kubeconfig "${file}" does not exist`,
          'check the --kubeconfig path, or omit it to use KUBECONFIG / ~/.kube/config',
        )
      }
      if (code === 'EACCES') {
        throw new UserError(
          `kubeconfig "${file}" is not readable (permission denied)`,
          'fix its permissions or point --kubeconfig at another file',
        )
      }
      if (code === 'EISDIR') throw new UserError(`kubeconfig "${file}" is a directory, not a file`)
      throw new UserError(`cannot read kubeconfig "${file}": ${(e as Error).message}`)
    }
    docs.push({file, raw: parseKubeconfig(text, file)})
  }
  if (docs.length === 0 && opts.optional) return mergeKubeconfigs([])
  if (docs.length === 0) {
    throw new UserError(
      `no kubeconfig found (looked at ${paths.join(', ')})`,
      'set KUBECONFIG or pass --kubeconfig; for the local lab run: eval "$(liqo-topology lab env)"',
    )
  }
  return mergeKubeconfigs(docs)
}

/**
 * Picks the context (--context, else current-context) and resolves its cluster and user, with
 * kubectl's connection flags (`overrides`) merged in as client-go merges them (./overrides.ts):
 * --cluster and --user pick other entries, --server works without a context (or a kubeconfig).
 */
export function resolveTarget(
  config: Kubeconfig,
  contextName?: string,
  namespace?: string,
  overrides: ConnectionOverrides = {},
): KubeTarget {
  checkOverrides(overrides)
  const ctx = pickContext(config, contextName, overrides)
  const name = ctx?.name ?? ''
  const clusterName = overrides.cluster || ctx?.context.cluster || ''
  const found = config.clusters.find((c) => c.name === clusterName)
  if (overrides.cluster && !found)
    throw new UserError(
      `cluster "${overrides.cluster}" does not exist in the kubeconfig`,
      knownNames('clusters', config.clusters),
    )
  const cluster = mergeCluster(found?.cluster ?? {}, overrides)
  if (typeof cluster.server !== 'string' || cluster.server === '') {
    throw new UserError(
      name
        ? `context "${name}" refers to cluster "${clusterName}", which has no server in the kubeconfig`
        : `cluster "${clusterName}" has no server in the kubeconfig`,
      'fix the kubeconfig, or pass --server',
    )
  }
  const userName = overrides.user || ctx?.context.user || ''
  const foundUser = config.users.find((u) => u.name === userName)
  if (overrides.user && !foundUser)
    throw new UserError(`user "${overrides.user}" does not exist in the kubeconfig`, knownNames('users', config.users))
  const user = mergeUser(foundUser?.user ?? {}, overrides)
  checkUser(user, foundUser?.name ?? '', overrides)
  const server = withDefaultScheme(cluster, user)
  cluster.server = server
  return {
    context: name,
    clusterName: found?.name ?? '',
    userName: foundUser?.name ?? '',
    server: server.replace(/\/+$/, ''),
    namespace: namespace || ctx?.context.namespace || 'default',
    cluster: cluster as NamedCluster['cluster'],
    user,
    config,
  }
}

/** The context to use; none when the flags alone say where to go (kubectl needs none then). */
function pickContext(
  config: Kubeconfig,
  contextName: string | undefined,
  o: ConnectionOverrides,
): NamedContext | undefined {
  const name = contextName || config.currentContext
  const known = config.contexts.map((c) => c.name)
  if (!name) {
    if (overridesNameServer(o) || o.cluster) return undefined
    throw new UserError(
      'no current context is set in the kubeconfig',
      known.length ? `pass --context (one of: ${known.join(', ')}), or --server` : 'the kubeconfig defines no contexts',
    )
  }
  const ctx = config.contexts.find((c) => c.name === name)
  if (!ctx) {
    throw new UserError(
      `context "${name}" does not exist in the kubeconfig`,
      known.length
        ? `known contexts: ${known.join(', ')}`
        : `the kubeconfig (${config.files.join(', ') || 'none'}) defines no contexts`,
    )
  }
  return ctx
}

function knownNames(what: string, list: Array<{name: string}>): string {
  return list.length ? `known ${what}: ${list.map((x) => x.name).join(', ')}` : `the kubeconfig defines no ${what}`
}

/**
 * A server without a scheme, as client-go takes it: https when the cluster entry sets up TLS (a CA
 * or skipping verification) or the user has a client certificate, else http.
 */
function withDefaultScheme(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const server = String(cluster.server)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) return server
  const tls =
    ['certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify'].some((k) => cluster[k]) ||
    ['client-certificate', 'client-certificate-data'].some((k) => user[k])
  return `${tls ? 'https' : 'http'}://${server}`
}
