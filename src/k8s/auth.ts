/**
 * The only module that imports @kubernetes/client-node. It is loaded lazily (its import costs most
 * of a second), and used for what it is good at: turning a kubeconfig context into TLS material and
 * credentials (tokens, token files, client certificates, exec plugins, auth providers, proxy-url).
 * Requests themselves go through ./client.ts, which maps answers to our own small types.
 */
import http from 'node:http'
import https from 'node:https'

import {UserError} from '../errors.js'
import type {KubeTarget} from './kubeconfig.js'

export interface Transport {
  url: URL
  agent: http.Agent
  /** Authentication headers for the next request (fresh for credential plugins). */
  headers(): Promise<Record<string, string>>
  /** Closes idle keep-alive sockets. */
  close(): void
}

type ClientNode = typeof import('@kubernetes/client-node')
let clientNode: Promise<ClientNode> | undefined
function loadClientNode(): Promise<ClientNode> {
  clientNode ??= import('@kubernetes/client-node')
  return clientNode
}

/** A user entry whose token can change during a long wait (exec plugins, auth providers, token files). */
function hasRotatingCredentials(user: Record<string, unknown>): boolean {
  return 'exec' in user || 'auth-provider' in user || 'tokenFile' in user
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
      const first = String(e instanceof Error ? e.message : e).split('\n')[0]?.slice(0, 200) ?? ''
      throw new UserError(
        `cannot get credentials for user "${target.userName}" of context "${target.context}": ${first}`,
        'check the user entry of the kubeconfig (exec plugin, token file or client certificate)',
      )
    }
    return opts
  }

  const base = await apply()
  const proxied = 'proxy-url' in target.cluster
  let agent: http.Agent
  if (proxied && base.agent instanceof http.Agent) {
    agent = base.agent
  } else if (url.protocol === 'https:') {
    agent = new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      ca: base.ca,
      cert: base.cert,
      key: base.key,
      pfx: base.pfx,
      passphrase: base.passphrase,
      servername: base.servername,
      ...(base.rejectUnauthorized === false ? {rejectUnauthorized: false} : {}),
    })
  } else {
    agent = new http.Agent({keepAlive: true, maxSockets: 16})
  }

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
