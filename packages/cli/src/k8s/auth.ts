/**
 * One way to authenticate, for every kubeconfig: ./credentials.ts reads the user and cluster
 * entries (TLS material, token, token file, basic auth, impersonation), credential plugins run in
 * our own code (./exec-credential.ts, bundled), and only an `auth-provider` (oidc) still goes
 * through @kubernetes/client-node, loaded lazily (docs/architecture.md, "Credentials"). The
 * connection itself (trust, proxies, TLS) is ./connection.ts's. Requests go through ./client.ts.
 */
import type http from 'node:http'
import type https from 'node:https'

import {UserError} from '../toolkit/errors.js'
import {lazyImport} from '../toolkit/lazy.js'
import {userCredentials, type TlsMaterial, type UserCredentials} from './credentials.js'
import {execAuthenticator, type ExecAuthenticator} from './exec-credential.js'
import {execCluster, type ExecCredential} from './exec-protocol.js'
import {makeAgent} from './connection.js'
import type {Headers} from './impersonation.js'
import type {KubeTarget} from './kubeconfig.js'
import {kubeconfigCa, refuseCaWithInsecure} from './trust.js'

export type {Headers} from './impersonation.js'

export interface Transport {
  url: URL
  /** The agent for the next request (a credential plugin's new client certificate gets a new one). */
  readonly agent: http.Agent
  /** Authentication and impersonation headers for the next request (a value per header, or several). */
  headers(): Promise<Headers>
  /**
   * After a 401: drops the cached credential (runs the exec plugin again, re-reads the token file).
   * `rejected`: the headers the refused request carried, so that concurrent 401s run the plugin
   * once. True when the credentials may have changed (worth one retry).
   */
  refresh?(rejected?: Headers): Promise<boolean>
  /** Closes idle keep-alive sockets. */
  close(): void
}

export interface TransportOptions {
  /** How long a credential plugin that runs without a terminal may take (the request timeout; 0: no bound). */
  execTimeoutMs?: number
}

type ClientNode = typeof import('@kubernetes/client-node')
let clientNode: Promise<ClientNode> | undefined
function loadClientNode(): Promise<ClientNode> {
  clientNode ??= lazyImport('@kubernetes/client-node', () => import('@kubernetes/client-node'))
  return clientNode
}

/** Used when no request timeout is given: a plugin without a terminal that hangs still ends. */
const DEFAULT_EXEC_TIMEOUT_MS = 30_000

function serverUrl(target: KubeTarget): URL {
  let url: URL
  try {
    url = new URL(target.server)
  } catch {
    throw new UserError(`cluster "${target.clusterName}" has an invalid server URL in the kubeconfig: ${target.server}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`cluster "${target.clusterName}" has an unsupported server URL scheme: ${url.protocol}`)
  }
  return url
}

function readCredentials(target: KubeTarget): UserCredentials {
  try {
    const creds = userCredentials(target)
    creds.headers() // a token file that cannot be read fails now, with a clear message
    return creds
  } catch (e) {
    if (e instanceof UserError) throw e // already names the file, the field and whose it is
    throw new UserError(
      `cannot read the credentials of user "${target.userName}" of context ` +
        `"${target.context}": ${(e as Error).message}`,
      'check the file paths in the kubeconfig',
    )
  }
}

export async function makeTransport(target: KubeTarget, opts: TransportOptions = {}): Promise<Transport> {
  const url = serverUrl(target)
  // A kubeconfig kubectl refuses is refused before any credential is fetched or plugin run.
  refuseCaWithInsecure(target.cluster, target.clusterName)
  const creds = readCredentials(target)
  if (creds.authProvider) return authProviderTransport(target, url, creds)
  const exec = creds.exec
    ? execAuthenticator(
        creds.exec,
        creds.exec.provideClusterInfo
          ? execCluster(target.cluster, kubeconfigCa(target.cluster, target.clusterName))
          : undefined,
        target,
        opts.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
      )
    : undefined
  // The plugin runs before the first request, as the agent may need its client certificate.
  let execCred: ExecCredential | undefined = exec ? await exec.get() : undefined
  const agentFor = (c: ExecCredential | undefined) =>
    agentOf(target, url, c?.cert ? {...creds.tls, cert: c.cert, key: c.key} : creds.tls)
  let agent = await agentFor(execCred)
  return {
    url,
    get agent() {
      return agent
    },
    headers: async () => {
      const h = creds.headers()
      if (!exec) return h
      const c = await exec.get()
      if (c.cert !== execCred?.cert) {
        // A rotated client certificate: new connections, as client-go closes the old ones.
        agent.destroy()
        agent = await agentFor(c)
      }
      execCred = c
      return c.token ? {...h, Authorization: `Bearer ${c.token}`} : h
    },
    refresh: (rejected) => (exec ? refreshExec(exec, rejected) : Promise.resolve(creds.refresh())),
    close: () => agent.destroy(),
  }
}

async function refreshExec(exec: ExecAuthenticator, rejected: Headers | undefined): Promise<boolean> {
  const auth = rejected?.Authorization
  const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined
  return exec.refresh(token)
}

/** The agent of a connection (./connection.ts): the cluster's trust and proxy, the user's client certificate. */
function agentOf(target: KubeTarget, url: URL, tls: TlsMaterial): Promise<http.Agent> {
  return makeAgent(target, url, {cert: tls.cert, key: tls.key})
}

/** A one-context kubeconfig for client-node holding `cluster` and `user`. JSON is valid YAML. */
async function clientNodeConfig(cluster: Record<string, unknown>, user: Record<string, unknown>) {
  const {KubeConfig} = await loadClientNode()
  const kc = new KubeConfig()
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'c', cluster}],
      users: [{name: 'u', user}],
      contexts: [{name: 'x', context: {cluster: 'c', user: 'u'}}],
      'current-context': 'x',
    }),
  )
  return kc
}

/** An auth-provider (oidc) user: client-node refreshes the ID token; the rest is ours. */
async function authProviderTransport(target: KubeTarget, url: URL, creds: UserCredentials): Promise<Transport> {
  // Only the provider's entry: the token, impersonation and TLS are ours. The stand-in cluster keeps
  // client-node from reading the real one's files or refusing an http:// server; no request goes there.
  const kc = await clientNodeConfig(
    {server: 'https://auth-provider.invalid', 'insecure-skip-tls-verify': true},
    {'auth-provider': target.user['auth-provider']},
  )
  const authorization = async (): Promise<string | undefined> => {
    const opts: https.RequestOptions = {}
    try {
      await kc.applyToHTTPSOptions(opts)
    } catch (e) {
      // Never echo what the provider answered: it may hold a credential. The first line of the error is enough.
      const first = (String(e instanceof Error ? e.message : e).split('\n')[0] ?? '').slice(0, 200)
      throw new UserError(
        `cannot get credentials for user "${target.userName}" of context "${target.context}" from its auth ` +
          `provider: ${first}`,
        'check the auth-provider entry of the user in the kubeconfig, or log in again',
      )
    }
    const h = (opts.headers ?? {}) as Record<string, unknown>
    return typeof h.Authorization === 'string' ? h.Authorization : undefined
  }
  await authorization()
  const agent = await agentOf(target, url, creds.tls)
  return {
    url,
    agent,
    headers: async () => {
      const a = await authorization()
      return a ? {...creds.headers(), Authorization: a} : creds.headers()
    },
    close: () => agent.destroy(),
  }
}
