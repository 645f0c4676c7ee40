/**
 * The only module that imports @kubernetes/client-node. It is loaded lazily (its import costs most
 * of a second), and only when a kubeconfig needs what it is good at: credential plugins (exec)
 * and auth providers. The common cases — bearer token, token file, client certificate,
 * basic auth, CA, insecure-skip-tls-verify, tls-server-name, impersonation — are plain data and are
 * applied here directly, the way kubectl applies them, so most commands never pay for the import.
 * Requests themselves go through ./client.ts, which maps answers to our own small types.
 */
import {readFileSync} from 'node:fs'
import type http from 'node:http'
import type https from 'node:https'

import {UserError} from '../toolkit/errors.js'
import {lazyImport} from '../toolkit/lazy.js'
import {makeAgent} from './connection.js'
import type {KubeTarget} from './kubeconfig.js'
import {refuseCaWithInsecure} from './trust.js'

export interface Transport {
  url: URL
  agent: http.Agent
  /** Authentication headers for the next request (fresh for credential plugins). */
  headers(): Promise<Record<string, string>>
  /** Closes idle keep-alive sockets. */
  close(): void
  /** After a 401: gets a fresh credential; true when the request is worth sending again. */
  refresh?(): Promise<boolean>
}

type ClientNode = typeof import('@kubernetes/client-node')
let clientNode: Promise<ClientNode> | undefined
function loadClientNode(): Promise<ClientNode> {
  clientNode ??= lazyImport('@kubernetes/client-node', () => import('@kubernetes/client-node'))
  return clientNode
}

/** A user entry whose token can change during a long wait (exec plugins, auth providers, token files). */
function hasRotatingCredentials(user: Record<string, unknown>): boolean {
  return 'exec' in user || 'auth-provider' in user || 'tokenFile' in user
}

/** kubeconfig user keys that are plain data (everything else needs client-node). */
const SIMPLE_USER_KEYS = new Set([
  'token',
  'tokenFile',
  'token-file',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'username',
  'password',
  'as',
  'as-groups',
  'as-uid',
])
const SIMPLE_CLUSTER_KEYS = new Set(['server', 'proxy-url', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'disable-compression', 'extensions'])

export interface SimpleCredentials {
  tls: Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'>
  /** Fresh headers for each request (a token file may rotate). */
  headers: () => Record<string, string>
}

/** A file the kubeconfig names; unreadable, it is one clear error (as kubectl's "unable to read ..."). */
function readNamed(file: string, field: string, owner: string, inline = `${field}-data`): Buffer {
  try {
    return readFileSync(file)
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as NodeJS.ErrnoException).code ?? String(e))
    throw new UserError(`cannot read ${field} "${file}" of ${owner} in the kubeconfig: ${why}`, `fix the path in the kubeconfig, or give the content inline (${inline})`)
  }
}

function fileOrData(file: unknown, data: unknown, field: string, owner: string): Buffer | undefined {
  // As kubectl: inline data wins over a file path.
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64')
  if (typeof file === 'string' && file) return readNamed(file, field, owner)
  return undefined
}

/** Credentials for kubeconfigs that need no plugin, or undefined when client-node is needed. */
export function simpleCredentials(target: Pick<KubeTarget, 'cluster' | 'user'> & Partial<Pick<KubeTarget, 'clusterName' | 'userName'>>): SimpleCredentials | undefined {
  const {cluster, user} = target
  const ofCluster = `cluster "${target.clusterName ?? ''}"`
  const ofUser = `user "${target.userName ?? ''}"`
  if (Object.keys(user).some((k) => !SIMPLE_USER_KEYS.has(k))) return undefined
  if (Object.keys(cluster).some((k) => !SIMPLE_CLUSTER_KEYS.has(k))) return undefined
  const tls: SimpleCredentials['tls'] = {}
  const ca = fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data'], 'certificate-authority', ofCluster)
  if (ca) tls.ca = ca
  const cert = fileOrData(user['client-certificate'], user['client-certificate-data'], 'client-certificate', ofUser)
  if (cert) tls.cert = cert
  const key = fileOrData(user['client-key'], user['client-key-data'], 'client-key', ofUser)
  if (key) tls.key = key
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false
  if (typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name']) tls.servername = cluster['tls-server-name']
  const tokenFile = (user.tokenFile ?? user['token-file']) as string | undefined
  const fixed: Record<string, string> = {}
  if (typeof user.username === 'string' && user.username) {
    fixed.Authorization = `Basic ${Buffer.from(`${user.username}:${String(user.password ?? '')}`).toString('base64')}`
  }
  if (typeof user.as === 'string' && user.as) fixed['Impersonate-User'] = user.as
  if (typeof user['as-uid'] === 'string' && user['as-uid']) fixed['Impersonate-Uid'] = user['as-uid']
  const groups = Array.isArray(user['as-groups']) ? (user['as-groups'] as string[]) : []
  if (groups.length) fixed['Impersonate-Group'] = groups.join(', ')
  const headers = () => {
    const h = {...fixed}
    const token = typeof user.token === 'string' && user.token ? user.token : tokenFile ? readNamed(tokenFile, 'tokenFile', ofUser, 'token').toString('utf8').trim() : ''
    if (token) h.Authorization = `Bearer ${token}`
    return h
  }
  return {tls, headers}
}

export async function makeTransport(target: KubeTarget): Promise<Transport> {
  let url: URL
  try {
    url = new URL(target.server)
  } catch {
    throw new UserError(`cluster "${target.clusterName}" has an invalid server URL in the kubeconfig: ${target.server}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`cluster "${target.clusterName}" has an unsupported server URL scheme: ${url.protocol}`)
  }
  // Before any credential is fetched (a plugin may prompt), as client-go builds its TLS config first.
  refuseCaWithInsecure(target.cluster, target.clusterName)
  let simple: SimpleCredentials | undefined
  try {
    simple = simpleCredentials(target)
    simple?.headers() // a token file that cannot be read fails now, with a clear message
  } catch (e) {
    if (e instanceof UserError) throw e // already names the file, the field and whose it is
    throw new UserError(`cannot read the credentials of user "${target.userName}" of context "${target.context}": ${(e as Error).message}`, 'check the file paths in the kubeconfig')
  }
  if (simple) {
    const headers = simple.headers
    const agent = await makeAgent(target, url, {cert: simple.tls.cert, key: simple.tls.key})
    return {url, agent, headers: async () => headers(), close: () => agent.destroy()}
  }
  return pluginTransport(target, url)
}

/** The transport of a kubeconfig user that needs @kubernetes/client-node (credential plugins, auth providers). */
async function pluginTransport(target: KubeTarget, url: URL): Promise<Transport> {
  const {KubeConfig} = await loadClientNode()
  const kc = new KubeConfig()
  // A one-context kubeconfig holding only what this target needs. JSON is valid YAML.
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: target.clusterName, cluster: target.cluster}],
      users: [{name: target.userName || 'user', user: target.user}],
      contexts: [{name: target.context, context: {cluster: target.clusterName, user: target.userName || 'user'}}],
      'current-context': target.context,
    }),
  )

  const apply = async (): Promise<https.RequestOptions> => {
    const opts: https.RequestOptions = {}
    try {
      await kc.applyToHTTPSOptions(opts)
    } catch (e) {
      // Never echo plugin output: it may hold a credential. The first line of its error is enough.
      const first =
        String(e instanceof Error ? e.message : e)
          .split('\n')[0]
          ?.slice(0, 200) ?? ''
      throw new UserError(
        `cannot get credentials for user "${target.userName}" of context "${target.context}": ${first}`,
        'check the user entry of the kubeconfig (exec plugin, token file or client certificate)',
      )
    }
    return opts
  }

  const base = await apply()
  const agent = await makeAgent(target, url, {cert: base.cert, key: base.key})

  const staticHeaders = headersOf(base)
  const rotating = hasRotatingCredentials(target.user)
  return {
    url,
    agent,
    headers: async () => (rotating ? headersOf(await apply()) : staticHeaders),
    close: () => agent.destroy(),
  }
}

function headersOf(opts: https.RequestOptions): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  if (opts.auth) out.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`
  return out
}
