import {mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {rootCertificates} from 'node:tls'

import {afterAll, describe, expect, it} from 'vitest'

import {makeAgent} from '../../src/k8s/connection.js'
import {parseEnvProxy, parseNoProxy, proxyFor, useProxy} from '../../src/k8s/proxy.js'
import {certificatesOf, clusterTrust, readOsStore} from '../../src/k8s/trust.js'
import {UserError} from '../../src/toolkit/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'connection-test-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('NO_PROXY as golang.org/x/net/http/httpproxy matches it', () => {
  const bypass = (noProxy: string, server: string) => !useProxy(new URL(server), parseNoProxy(noProxy))
  it.each([
    // loopback and localhost: never proxied, whatever NO_PROXY says
    ['', 'https://localhost:6443', true],
    ['', 'https://127.0.0.1:6443', true],
    ['', 'https://127.9.9.9', true],
    ['', 'https://[::1]:6443', true],
    ['', 'https://[::ffff:127.0.0.1]:6443', true],
    ['', 'https://localhost.example:6443', false],
    ['', 'https://10.0.0.1:6443', false],
    // "*" alone
    ['*', 'https://api.example.com', true],
    ['x.org, * ', 'https://api.example.com', true],
    // domains: "example.com" is itself and its subdomains; ".example.com" and "*.example.com" subdomains only
    ['example.com', 'https://example.com:6443', true],
    ['example.com', 'https://api.example.com:6443', true],
    ['example.com', 'https://apiexample.com:6443', false],
    ['.example.com', 'https://example.com', false],
    ['.example.com', 'https://api.example.com', true],
    ['*.example.com', 'https://example.com', false],
    ['*.example.com', 'https://a.b.example.com', true],
    ['EXAMPLE.com', 'https://API.Example.COM', true],
    // ports: when given, the server's (default 443 for https, 80 for http)
    ['example.com:6443', 'https://api.example.com:6443', true],
    ['example.com:6443', 'https://api.example.com:443', false],
    ['example.com:443', 'https://api.example.com', true],
    ['example.com:80', 'http://api.example.com', true],
    // addresses and CIDRs; a domain rule never matches an address
    ['10.0.0.1', 'https://10.0.0.1:6443', true],
    ['10.0.0.1:6443', 'https://10.0.0.1:6443', true],
    ['10.0.0.1:443', 'https://10.0.0.1:6443', false],
    ['10.0.0.0/8', 'https://10.200.1.1:6443', true],
    ['10.0.0.0/8', 'https://11.0.0.1:6443', false],
    ['fd00::/8', 'https://[fd00::1]:6443', true],
    ['[fd00::1]:6443', 'https://[fd00::1]:6443', true],
    ['0.0.1', 'https://10.0.0.1', false],
    // IDNA
    ['bücher.example', 'https://xn--bcher-kva.example', true],
    // empty entries are skipped
    [' , ,', 'https://api.example.com', false],
  ])('NO_PROXY=%j, server %s: bypassed %s', (noProxy, server, expected) => {
    expect(bypass(noProxy, server)).toBe(expected)
  })
})

describe('which proxy, as client-go picks it', () => {
  const https = new URL('https://api.example.com:6443')
  const http = new URL('http://api.example.com:8080')
  it('HTTPS_PROXY for https servers, HTTP_PROXY for http ones; upper case first; empty is unset', () => {
    const env = {HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', HTTP_PROXY: 'http://plain:3128'}
    expect(proxyFor(https, undefined, 'c', env)?.host).toBe('upper:3128')
    expect(proxyFor(https, undefined, 'c', {HTTPS_PROXY: '', https_proxy: 'http://lower:3128'})?.host).toBe(
      'lower:3128',
    )
    expect(proxyFor(http, undefined, 'c', env)?.host).toBe('plain:3128')
    expect(proxyFor(https, undefined, 'c', {HTTP_PROXY: 'http://plain:3128'})).toBeUndefined()
    expect(proxyFor(https, undefined, 'c', {})).toBeUndefined()
  })
  it('NO_PROXY (or no_proxy) and loopback skip the environment proxy, but not proxy-url', () => {
    expect(proxyFor(https, undefined, 'c', {HTTPS_PROXY: 'http://p:1', no_proxy: 'example.com'})).toBeUndefined()
    expect(proxyFor(new URL('https://127.0.0.1:6443'), undefined, 'c', {HTTPS_PROXY: 'http://p:1'})).toBeUndefined()
    expect(proxyFor(new URL('https://127.0.0.1:6443'), 'socks5://p:1080', 'c', {NO_PROXY: '*'})?.href).toBe(
      'socks5://p:1080',
    )
  })
  it('proxy-url wins over the environment', () => {
    expect(proxyFor(https, 'https://mine:8443', 'c', {HTTPS_PROXY: 'http://env:3128'})?.href).toBe('https://mine:8443/')
  })
  it('an environment value without a scheme or host is taken as http://', () => {
    expect(parseEnvProxy('proxy.corp:3128')?.href).toBe('http://proxy.corp:3128/')
    expect(parseEnvProxy('10.1.1.1:3128')?.href).toBe('http://10.1.1.1:3128/')
    expect(parseEnvProxy('socks5://s:1080')?.href).toBe('socks5://s:1080')
    expect(parseEnvProxy('')).toBeUndefined()
  })
  it("refuses proxy-url schemes clientcmd refuses, in clientcmd's words", () => {
    expect(() => proxyFor(https, 'socks4://p:1080', 'prod', {})).toThrow(
      `invalid 'proxy-url' "socks4://p:1080" for cluster "prod": unsupported scheme "socks4", must be http, ` +
        `https, or socks5`,
    )
    expect(() => proxyFor(https, 'p:1080', 'prod', {})).toThrow(/unsupported scheme "p"/)
    expect(() => proxyFor(https, '10.0.0.1:1080', 'prod', {})).toThrow(/could not parse/)
  })
  it('HTTP_PROXY is refused under CGI, as Go does', () => {
    expect(() => proxyFor(http, undefined, 'c', {HTTP_PROXY: 'http://p:1', REQUEST_METHOD: 'GET'})).toThrow(UserError)
  })
})

describe('trust, as kubectl on Linux', () => {
  const [a, b, c] = rootCertificates
  it(
    "reads the OS store as Go does: SSL_CERT_FILE (or Go's bundle list) then every file of SSL_CERT_DIR, " +
      'skipping links within the folder',
    () => {
      const bundle = join(dir, 'bundle.pem')
      writeFileSync(bundle, `junk\n${a}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`)
      const d1 = join(dir, 'certs1')
      const d2 = join(dir, 'certs2')
      mkdirSync(d1)
      mkdirSync(d2)
      writeFileSync(join(d1, 'b.pem'), b!)
      symlinkSync('b.pem', join(d1, 'abcd1234.0')) // c_rehash's hashed name: skipped (same certificate anyway)
      writeFileSync(join(d2, 'c.crt'), c!)
      symlinkSync(join(d2, 'c.crt'), join(d1, 'c-link.pem')) // a link elsewhere: read
      mkdirSync(join(d1, 'sub'))
      const store = readOsStore({SSL_CERT_FILE: bundle, SSL_CERT_DIR: `${d1}:${join(dir, 'missing')}`})
      expect(store.sort()).toEqual([a, b, c].map((p) => certificatesOf(p!)[0]).sort())
      // A missing SSL_CERT_FILE is not replaced by Go's list; the directories are still read.
      expect(readOsStore({SSL_CERT_FILE: join(dir, 'nope.pem'), SSL_CERT_DIR: d2})).toEqual(certificatesOf(c!))
    },
  )
  it("the kubeconfig's CA alone when it gives one (data before file), else the OS store", () => {
    const caFile = join(dir, 'ca.crt')
    writeFileSync(caFile, a!)
    expect(clusterTrust({'certificate-authority': caFile}, 'c').ca).toEqual([readFileSync(caFile)])
    const data = Buffer.from(b!).toString('base64')
    expect(clusterTrust({'certificate-authority': caFile, 'certificate-authority-data': data}, 'c').ca).toEqual([
      Buffer.from(b!),
    ])
    const os = clusterTrust({}, 'c')
    expect(os.rejectUnauthorized).toBe(true)
    expect(os.ca).toEqual(expect.arrayContaining(readOsStore()))
  })
  it('insecure-skip-tls-verify verifies nothing (no store read); with a CA it is refused with kubectl words', () => {
    expect(clusterTrust({'insecure-skip-tls-verify': true, 'tls-server-name': 'api'}, 'c')).toEqual({
      rejectUnauthorized: false,
      servername: 'api',
    })
    expect(() =>
      clusterTrust({'insecure-skip-tls-verify': true, 'certificate-authority-data': 'QUJD'}, 'prod'),
    ).toThrow(
      'cluster "prod" of the kubeconfig: specifying a root certificates file with the insecure flag is not allowed',
    )
    expect(() => clusterTrust({'insecure-skip-tls-verify': true, 'certificate-authority': '/x.crt'}, 'prod')).toThrow(
      UserError,
    )
  })
  it('an unreadable CA file is one clear error naming it', () => {
    expect(() => clusterTrust({'certificate-authority': join(dir, 'gone.crt')}, 'prod')).toThrow(
      /cannot read certificate-authority ".*gone\.crt" of cluster "prod" in the kubeconfig: no such file/,
    )
  })
})

describe('the agent', () => {
  const target = (cluster: Record<string, unknown>) => ({
    cluster: {server: 'https://127.0.0.1:6443', ...cluster},
    clusterName: 'c',
    userName: 'u',
    context: 'x',
  })
  it('keeps sockets alive and has no cap per host (Go has none)', async () => {
    const agent = await makeAgent(
      target({'certificate-authority-data': Buffer.from(rootCertificates[0]!).toString('base64')}),
      new URL('https://127.0.0.1:6443'),
      {},
      {},
    )
    expect(agent).toBeInstanceOf(https.Agent)
    expect(agent.maxSockets).toBe(Infinity)
    expect((agent as unknown as {keepAlive: boolean}).keepAlive).toBe(true)
    agent.destroy()
  })
  it('refuses a CA with insecure-skip-tls-verify before anything else, also for an http server', async () => {
    await expect(
      makeAgent(
        target({'insecure-skip-tls-verify': true, 'certificate-authority-data': 'QUJD'}),
        new URL('http://127.0.0.1:8080'),
        {},
        {},
      ),
    ).rejects.toThrow(/insecure flag is not allowed/)
  })
  it('a proxy gets an agent of the proxy library, with the same keep-alive', async () => {
    const agent = await makeAgent(
      target({'insecure-skip-tls-verify': true, 'proxy-url': 'socks5://127.0.0.1:1080'}),
      new URL('https://api.example:6443'),
      {},
      {},
    )
    expect(agent.constructor.name).toBe('SocksProxyAgent')
    expect((agent as unknown as {proxy: {type: number}}).proxy.type).toBe(5)
    expect((agent as unknown as {shouldLookup: boolean}).shouldLookup).toBe(false) // the name is resolved at the proxy
    agent.destroy()
    const viaEnv = await makeAgent(
      target({'insecure-skip-tls-verify': true}),
      new URL('https://api.example:6443'),
      {},
      {HTTPS_PROXY: 'http://127.0.0.1:3128'},
    )
    expect(viaEnv.constructor.name).toBe('HttpsProxyAgent')
    viaEnv.destroy()
  })
  it('a proxy that cannot be reached is named as the failure (proxyconnect), without its credentials', async () => {
    for (const proxy of ['http://user:secret@127.0.0.1:1', 'socks5://user:secret@127.0.0.1:1']) {
      const url = new URL('https://api.example:6443/')
      const agent = await makeAgent(target({'insecure-skip-tls-verify': true, 'proxy-url': proxy}), url, {}, {})
      const failure = await new Promise<Error & {code?: string}>((done) =>
        https.get(url, {agent}, () => done(new Error('answered'))).on('error', done),
      )
      expect(failure.code).toBe('EPROXY')
      expect(failure.message).toMatch(/^proxyconnect (http|socks5) 127\.0\.0\.1:1: .*ECONNREFUSED/)
      expect(failure.message).not.toContain('secret')
      agent.destroy()
    }
  })
  it('a CONNECT the proxy refuses is a failure of the proxy, not an answer of the API server', async () => {
    const proxy = http
      .createServer()
      .on('connect', (_req, socket: import('node:net').Socket) =>
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'),
      )
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done))
    try {
      const url = new URL('https://api.example:6443/')
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as {port: number}).port}`
      const agent = await makeAgent(target({'insecure-skip-tls-verify': true, 'proxy-url': proxyUrl}), url, {}, {})
      const failure = await new Promise<Error & {code?: string}>((done) =>
        https.get(url, {agent}, () => done(new Error('answered'))).on('error', done),
      )
      expect(failure.code).toBe('EPROXY')
      expect(failure.message).toBe(
        `proxyconnect http ${new URL(proxyUrl).host}: the proxy answered 407 Proxy Authentication Required`,
      )
      agent.destroy()
    } finally {
      proxy.close()
    }
  })
})
