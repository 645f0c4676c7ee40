/**
 * Which proxy a connection goes through, as client-go decides.
 *
 * - The cluster's `proxy-url` when it has one, for every server (loopback included), with
 *   clientcmd's validation: http, https or socks5 only.
 * - Otherwise the environment, as Go's http.ProxyFromEnvironment reads it
 *   (golang.org/x/net/http/httpproxy): HTTPS_PROXY for an https server, HTTP_PROXY for an http one
 *   (upper case first, then lower case; an empty value counts as unset), a value without a scheme
 *   taken as http://, one that does not parse ignored; never for `localhost` or a loopback address;
 *   not when NO_PROXY (or no_proxy) matches: `*`, a CIDR, an IP address, or a domain (`example.com`
 *   matches it and its subdomains, `.example.com` and `*.example.com` its subdomains only), each
 *   with an optional port that must then be the server's.
 */
import {BlockList, isIP} from 'node:net'
import {domainToASCII} from 'node:url'

import {UserError} from '../toolkit/errors.js'

/** The schemes Go's transport can talk to a proxy with (client-go's proxy-url takes the first three). */
const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:'])
const DEFAULT_PORT: Record<string, string> = {'http:': '80', 'https:': '443'}

function parse(text: string): URL | undefined {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}

/** httpproxy's parseProxy: a value without a scheme or host is tried again as http://. */
export function parseEnvProxy(value: string): URL | undefined {
  if (!value) return undefined
  const url = parse(value)
  if (!url || !url.host) return parse(`http://${value}`) ?? url
  return url
}

/** A domain name as IDNA ASCII (as it is when it already is, or cannot be converted). */
function ascii(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(name) ? name : domainToASCII(name) || name
}

/** A URL's host name without IPv6 brackets, lower case, as IDNA ASCII. */
function bare(host: string): string {
  const h = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase()
  return isIP(h) ? h : ascii(h)
}

/** Loopback addresses (Go's IP.IsLoopback: 127.0.0.0/8 and ::1, IPv4-mapped ones included). */
let loopback: BlockList | undefined
function isLoopback(ip: string, family: number): boolean {
  if (!loopback) {
    loopback = new BlockList()
    loopback.addSubnet('127.0.0.0', 8, 'ipv4')
    loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6')
    loopback.addAddress('::1', 'ipv6')
  }
  return loopback.check(ip, family === 6 ? 'ipv6' : 'ipv4')
}

interface NoProxy {
  all: boolean
  cidrs: BlockList
  ips: Array<{ip: string; port: string}>
  domains: Array<{suffix: string; port: string; orSelf: boolean}>
}

/** NO_PROXY parsed as httpproxy's config.init does. */
export function parseNoProxy(value: string): NoProxy {
  const rules: NoProxy = {all: false, cidrs: new BlockList(), ips: [], domains: []}
  for (const raw of value.split(',')) {
    const p = raw.trim().toLowerCase()
    if (!p) continue
    if (p === '*') return {...rules, all: true}
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(p)
    if (cidr && isIP(cidr[1]!)) {
      const family = isIP(cidr[1]!) === 6 ? 'ipv6' : 'ipv4'
      const bits = Number(cidr[2])
      if (bits <= (family === 'ipv6' ? 128 : 32)) {
        rules.cidrs.addSubnet(cidr[1]!, bits, family)
        continue
      }
    }
    // host:port, [v6]:port, or a bare host or address.
    const withPort = /^(\[[^\]]*\]|[^:]*):(\d*)$/.exec(p)
    let host = withPort ? withPort[1]! : p
    const port = withPort ? withPort[2]! : ''
    if (withPort && !host) continue
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
    if (isIP(host)) {
      rules.ips.push({ip: host, port})
      continue
    }
    if (!host) continue
    if (host.startsWith('*.')) host = host.slice(1)
    const orSelf = !host.startsWith('.')
    const name = orSelf ? host : host.slice(1)
    rules.domains.push({suffix: `.${ascii(name)}`, port, orSelf})
  }
  return rules
}

/** httpproxy's useProxy: false for localhost, loopback and whatever NO_PROXY matches. */
export function useProxy(server: URL, noProxy: NoProxy): boolean {
  const host = bare(server.hostname)
  const port = server.port || DEFAULT_PORT[server.protocol] || ''
  if (host === 'localhost') return false
  const family = isIP(host)
  if (family && isLoopback(host, family)) return false
  if (noProxy.all) return false
  if (family) {
    if (noProxy.cidrs.check(host, family === 6 ? 'ipv6' : 'ipv4')) return false
    if (noProxy.ips.some((m) => sameIp(m.ip, host) && (!m.port || m.port === port))) return false
    return true
  }
  return !noProxy.domains.some(
    (m) => (host.endsWith(m.suffix) || (m.orSelf && host === m.suffix.slice(1))) && (!m.port || m.port === port),
  )
}

function sameIp(a: string, b: string): boolean {
  const list = new BlockList()
  list.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4')
  return list.check(b, isIP(b) === 6 ? 'ipv6' : 'ipv4')
}

/** The first non-empty variable of `names` (Go's getEnvAny). */
function envAny(env: NodeJS.ProcessEnv, ...names: string[]): [string, string] | undefined {
  for (const n of names) if (env[n]) return [n, env[n]!]
  return undefined
}

/**
 * The proxy for requests to `server`, or undefined for a direct connection. `proxyUrl` is the
 * cluster's proxy-url (it wins over the environment).
 */
export function proxyFor(
  server: URL,
  proxyUrl: unknown,
  clusterName: string,
  env: NodeJS.ProcessEnv = process.env,
): URL | undefined {
  if (typeof proxyUrl === 'string' && proxyUrl) {
    const invalid = (why: string) =>
      new UserError(
        `invalid 'proxy-url' "${proxyUrl}" for cluster "${clusterName}": ${why}`,
        'give proxy-url as http://, https:// or socks5://host:port in the cluster entry',
      )
    const url = parse(proxyUrl)
    if (!url) throw invalid(`could not parse: ${proxyUrl}`)
    if (!['http:', 'https:', 'socks5:'].includes(url.protocol))
      throw invalid(`unsupported scheme "${url.protocol.slice(0, -1)}", must be http, https, or socks5`)
    return url
  }
  const https = server.protocol === 'https:'
  const chosen = https ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy')
  const url = chosen && parseEnvProxy(chosen[1])
  if (!chosen || !url) return undefined
  if (!https && env.REQUEST_METHOD) {
    throw new UserError(
      'refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy',
      'unset HTTP_PROXY (or REQUEST_METHOD)',
    )
  }
  const noProxy = envAny(env, 'NO_PROXY', 'no_proxy')
  if (!useProxy(server, parseNoProxy(noProxy?.[1] ?? ''))) return undefined
  if (!PROXY_SCHEMES.has(url.protocol)) {
    throw new UserError(
      `unsupported proxy scheme "${url.protocol.slice(0, -1)}" in ${chosen[0]}`,
      `give ${chosen[0]} as http://, https:// or socks5://host:port`,
    )
  }
  return url
}
