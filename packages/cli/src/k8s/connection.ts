/**
 * How we connect to a cluster's API server: the one place that makes the http.Agent every request
 * of a client goes through, with kubectl's (client-go's) semantics.
 *
 * - Trust (./trust.ts): the kubeconfig's CA alone, else the OS store as Go reads it plus
 *   NODE_EXTRA_CA_CERTS; insecure-skip-tls-verify verifies nothing, and together with a CA is
 *   refused; tls-server-name is the name the certificate is checked against (and the SNI).
 * - The client certificate, when the user has one (from the kubeconfig or a credential plugin).
 * - Proxies (./proxy.ts): proxy-url, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY. The proxy protocols
 *   are the proxy-agents libraries' (https-proxy-agent, http-proxy-agent, socks-proxy-agent),
 *   loaded only when a proxy is used. socks5 resolves the server's name at the proxy (as Go's SOCKS
 *   dialer does). As in Go's transport, an https proxy is reached with the same TLS settings as the
 *   server (same roots, same client certificate, tls-server-name when set).
 * - Keep-alive, and no cap on sockets per host (Go's default transport has none): a wait holds one
 *   watch per kind and namespace open, and other requests still get a socket.
 */
import type http from 'node:http'
import type https from 'node:https'
import type {TcpNetConnectOpts} from 'node:net'
import type {ConnectionOptions, PeerCertificate, SecureContext} from 'node:tls'

import {UserError} from '../toolkit/errors.js'
import {lazyImport} from '../toolkit/lazy.js'
import type {KubeTarget} from './kubeconfig.js'
import {httpLib, httpsLib, tlsLib} from './net.js'
import {proxyFor} from './proxy.js'
import {clusterTrust, refuseCaWithInsecure} from './trust.js'

/** The user's client certificate and key (PEM), if any. */
export interface ClientTls {
  cert?: https.AgentOptions['cert']
  key?: https.AgentOptions['key']
}

type Target = Pick<KubeTarget, 'cluster' | 'clusterName' | 'userName' | 'context'>

/** Options every socket of the agent is made with. */
interface SocketOptions {
  keepAlive: true
  secureContext?: SecureContext
  rejectUnauthorized?: boolean
  servername?: string
}

/**
 * The agent for requests to `url` (the cluster's server) as `target`'s user. Async because a
 * proxy's library is loaded on demand. Throws a UserError for a kubeconfig kubectl would refuse.
 */
export async function makeAgent(
  target: Target,
  url: URL,
  clientTls: ClientTls = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<http.Agent> {
  refuseCaWithInsecure(target.cluster, target.clusterName)
  const proxy = proxyFor(url, target.cluster['proxy-url'], target.clusterName, env)
  const secure = url.protocol === 'https:' || proxy?.protocol === 'https:'
  const options: SocketOptions = {keepAlive: true, ...(secure ? tlsOptions(target, clientTls) : {})}
  if (!proxy) return url.protocol === 'https:' ? new (httpsLib().Agent)(options) : new (httpLib().Agent)(options)
  return proxyAgent(proxy, url, options)
}

/**
 * One TLS context shared by the agent's connections (built once: with the OS store it holds a
 * few hundred roots), plus what Node checks per connection.
 */
function tlsOptions(target: Target, clientTls: ClientTls): Omit<SocketOptions, 'keepAlive'> {
  const trust = clusterTrust(target.cluster, target.clusterName)
  let secureContext: SecureContext
  try {
    secureContext = tlsLib().createSecureContext({ca: trust.ca, cert: clientTls.cert, key: clientTls.key})
  } catch (e) {
    throw new UserError(
      `cannot use the TLS material of context "${target.context}" (certificate authority of cluster ` +
        `"${target.clusterName}", client certificate of user "${target.userName}"): ${(e as Error).message}`,
      'check the certificate and key entries of the kubeconfig',
    )
  }
  return {
    secureContext,
    rejectUnauthorized: trust.rejectUnauthorized,
    ...(trust.servername ? {servername: trust.servername} : {}),
  }
}

type ConnectOpts = (TcpNetConnectOpts | ConnectionOptions) & {host?: string; secureEndpoint?: boolean}
type AgentWithConnect = http.Agent & {connect(req: http.ClientRequest, opts: ConnectOpts): Promise<unknown>}

/**
 * An agent of the proxy-agents libraries for `proxy`. A socks5 proxy gets the server's name, not
 * its address (socks5h in the library's terms). Each TLS connection to the server is given our TLS
 * options, and its certificate is checked against tls-server-name or the server's host: the
 * libraries pass neither name to Node when the host is an IP address, and Node would then check the
 * proxy's name.
 */
async function proxyAgent(proxy: URL, server: URL, options: SocketOptions): Promise<http.Agent> {
  let agent: AgentWithConnect
  if (proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:') {
    const {SocksProxyAgent} = await lazyImport('socks-proxy-agent', () => import('socks-proxy-agent'))
    const remote = new URL(proxy.href.replace(/^socks5h?:/, 'socks5h:'))
    agent = new SocksProxyAgent(remote, options) as unknown as AgentWithConnect
  } else if (server.protocol === 'https:') {
    const {HttpsProxyAgent} = await lazyImport('https-proxy-agent', () => import('https-proxy-agent'))
    agent = new HttpsProxyAgent(proxy, options) as unknown as AgentWithConnect
  } else {
    const {HttpProxyAgent} = await lazyImport('http-proxy-agent', () => import('http-proxy-agent'))
    agent = new HttpProxyAgent(proxy, options) as unknown as AgentWithConnect
  }
  const {keepAlive: _, ...tls} = options
  const connect = agent.connect.bind(agent)
  agent.connect = (req, opts) => {
    const name = options.servername ?? opts.host ?? server.hostname
    const checkServerIdentity = (_host: string, cert: PeerCertificate) => tlsLib().checkServerIdentity(name, cert)
    // https-proxy-agent drops the agent's own options from what reaches the server's TLS connection.
    // A CONNECT the proxy refuses (403, 407...) would reach us as the API server's answer: an error instead.
    let refused: {statusCode?: number; statusText?: string} | undefined
    req.once(
      'proxyConnect',
      (answer: {statusCode?: number; statusText?: string}) =>
        (refused = answer.statusCode === 200 ? undefined : answer),
    )
    const tunnelled = opts.secureEndpoint ? connect(req, {...opts, ...tls, checkServerIdentity}) : connect(req, opts)
    return tunnelled.then(
      (socket) => {
        if (!refused) return socket
        ;(socket as {destroy?: () => void}).destroy?.()
        throw proxyError(
          new Error(`the proxy answered ${refused.statusCode} ${refused.statusText ?? ''}`.trim()),
          proxy,
        )
      },
      (e: unknown) => {
        throw proxyError(e, proxy)
      },
    )
  }
  return agent
}

/**
 * A failure before the tunnel exists is the proxy's (unreachable, refused the tunnel): said so, as
 * Go's "proxyconnect", rather than blamed on the API server. The proxy's credentials are not named.
 */
function proxyError(e: unknown, proxy: URL): unknown {
  if (!(e instanceof Error) || e.name === 'AbortError' || e.name === 'TimeoutError') return e
  return Object.assign(
    new Error(`proxyconnect ${proxy.protocol.slice(0, -1)} ${proxy.host}: ${e.message}`, {cause: e}),
    {code: 'EPROXY'},
  )
}
