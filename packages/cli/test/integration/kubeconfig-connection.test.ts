/**
 * Conformance: how kubectl and liqo-topology reach the lab's API server with the same kubeconfig and
 * the same environment: proxies (proxy-url http, https, socks5; HTTPS_PROXY and NO_PROXY) to a
 * server known by a name only the proxy resolves, checked against tls-server-name; trust (a CA
 * only in the OS store; a CA with insecure-skip-tls-verify); credentials through a proxy. Each case
 * runs both and expects the same outcome, and the proxy to have seen both.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {connectProxy, socks5Proxy, type TestProxy} from '../helpers/proxies.js'
import {auditEvents, cli, collect, lab, labState, type RunResult, skipNote} from '../helpers/lab.js'

/** A name only the test proxies resolve (to 127.0.0.1); the lab's serving certificate names localhost. */
const NAME = 'kube.proxy-only.test'
const CLEAN: NodeJS.ProcessEnv = Object.fromEntries(
  [
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'NO_PROXY',
    'no_proxy',
    'ALL_PROXY',
    'all_proxy',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'NODE_EXTRA_CA_CERTS',
  ].map((k) => [k, undefined]),
)

interface Kubeconfig {
  clusters: Array<{name: string; cluster: Record<string, unknown>}>
  users: Array<{name: string; user: Record<string, unknown>}>
  contexts: Array<{name: string; context: Record<string, unknown>}>
  [k: string]: unknown
}

describe.skipIf(!lab)(`the connection, as kubectl makes it${skipNote}`, () => {
  let dir: string
  let proxies: {http: TestProxy; https: TestProxy; socks: TestProxy}
  let base: Kubeconfig
  let labCa: Buffer

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-connection-'))
    base = JSON.parse(readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/gm, '')) as Kubeconfig
    labCa = Buffer.from(String(base.clusters[0]!.cluster['certificate-authority-data']), 'base64')
    const hosts = {[NAME]: '127.0.0.1'}
    // The TLS proxy shows the API server's own certificate: kubectl checks an https proxy with the
    // cluster's TLS settings (its CA, tls-server-name), and so do we.
    const pki = join(lab!.dir, 'pki')
    const tls = {cert: readFileSync(join(pki, 'serving.crt')), key: readFileSync(join(pki, 'serving.key'))}
    proxies = {http: await connectProxy(hosts), https: await connectProxy(hosts, tls), socks: await socks5Proxy(hosts)}
  })
  afterAll(async () => {
    for (const p of Object.values(proxies ?? {})) await p.close()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  let n = 0
  /** The lab's kubeconfig with every cluster entry changed (and the user entries, when given). */
  function kubeconfig(
    cluster: (c: Record<string, unknown>) => void,
    user?: (u: Record<string, unknown>) => void,
  ): string {
    const copy = structuredClone(base)
    for (const c of copy.clusters) cluster(c.cluster)
    if (user) for (const u of copy.users) user(u.user)
    const file = join(dir, `kubeconfig-${++n}.json`)
    writeFileSync(file, JSON.stringify({...copy, 'current-context': 'cluster-1'}))
    return file
  }
  /** Every server known by NAME, checked against tls-server-name "localhost". */
  const named = (c: Record<string, unknown>) => {
    c.server = String(c.server).replace('127.0.0.1', NAME)
    c['tls-server-name'] = 'localhost'
  }

  interface Both {
    kubectl: RunResult
    ours: RunResult
    /** What each proxy saw during kubectl's run and during ours. */
    seen: {kubectl: string[]; ours: string[]}
  }
  async function both(file: string, env: NodeJS.ProcessEnv = {}, proxy?: TestProxy): Promise<Both> {
    const from = proxy?.seen.length ?? 0
    const bin = join(labState().binDir, 'kubectl')
    const k = await collect(
      spawn(bin, ['--context', 'cluster-1', 'get', 'pods', '-A', '-o', 'name'], {
        env: {...process.env, ...CLEAN, KUBECONFIG: file, ...env},
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    )
    const mid = proxy?.seen.length ?? 0
    const ours = await cli(['pods', 'where', '-A'], {kubeconfig: file, env: {...CLEAN, ...env}})
    return {kubectl: k, ours, seen: {kubectl: proxy?.seen.slice(from, mid) ?? [], ours: proxy?.seen.slice(mid) ?? []}}
  }
  /** The named server through `proxy` as the cluster's proxy-url. */
  const viaProxyUrl = (proxy: TestProxy) =>
    both(
      kubeconfig((c) => {
        named(c)
        c['proxy-url'] = proxy.url
      }),
      {},
      proxy,
    )
  const ok = (r: Both) => {
    expect(r.kubectl.code, r.kubectl.stderr).toBe(0)
    expect(r.ours.code, r.ours.stderr).toBe(0)
  }

  it('proxy-url http://: both tunnel to the named server through it, checked against tls-server-name', async () => {
    const r = await viaProxyUrl(proxies.http)
    ok(r)
    const port = new URL(String(base.clusters[0]!.cluster.server)).port
    expect(r.seen.kubectl).toContain(`CONNECT ${NAME}:${port}`)
    expect(r.seen.ours).toContain(`CONNECT ${NAME}:${port}`)
  })

  it(
    "proxy-url https:// (a TLS proxy, checked with the cluster's CA and tls-server-name, as kubectl " + 'checks it)',
    async () => {
      const r = await viaProxyUrl(proxies.https)
      ok(r)
      expect(r.seen.kubectl.some((s) => s.startsWith(`CONNECT ${NAME}:`))).toBe(true)
      expect(r.seen.ours.some((s) => s.startsWith(`CONNECT ${NAME}:`))).toBe(true)
    },
  )

  it('proxy-url socks5://: the name goes to the proxy, which resolves it (remote DNS, as kubectl)', async () => {
    const r = await viaProxyUrl(proxies.socks)
    ok(r)
    expect(r.seen.kubectl.some((s) => s.startsWith(`SOCKS5 name ${NAME}:`))).toBe(true)
    expect(r.seen.ours.some((s) => s.startsWith(`SOCKS5 name ${NAME}:`))).toBe(true)
    expect([...r.seen.kubectl, ...r.seen.ours].filter((s) => s.startsWith('SOCKS5 address'))).toEqual([])
  })

  it(
    'HTTPS_PROXY is used for an https server; NO_PROXY naming its domain skips it for both (and then the name ' +
      'resolves nowhere)',
    async () => {
      const file = kubeconfig(named)
      const via = await both(file, {HTTPS_PROXY: proxies.http.url, NO_PROXY: 'other.test,10.0.0.0/8'}, proxies.http)
      ok(via)
      expect(via.seen.kubectl.some((s) => s.startsWith(`CONNECT ${NAME}:`))).toBe(true)
      expect(via.seen.ours.some((s) => s.startsWith(`CONNECT ${NAME}:`))).toBe(true)
      // Lower case too; HTTP_PROXY is not for https servers.
      const lower = await both(file, {https_proxy: proxies.http.url}, proxies.http)
      ok(lower)
      const wrong = await both(file, {HTTP_PROXY: proxies.http.url}, proxies.http)
      expect(wrong.kubectl.code).not.toBe(0)
      expect(wrong.ours.code).not.toBe(0)
      expect(wrong.seen).toEqual({kubectl: [], ours: []})
      const skipped = await both(file, {HTTPS_PROXY: proxies.http.url, NO_PROXY: 'proxy-only.test'}, proxies.http)
      expect(skipped.kubectl.code).not.toBe(0)
      expect(skipped.ours.code).not.toBe(0)
      expect(skipped.ours.stderr).toMatch(/no such host/)
      expect(skipped.seen).toEqual({kubectl: [], ours: []})
    },
  )

  it('HTTPS_PROXY is never used for a loopback server, but proxy-url is', async () => {
    const direct = await both(lab!.kubeconfig, {HTTPS_PROXY: proxies.http.url}, proxies.http)
    ok(direct)
    expect(direct.seen).toEqual({kubectl: [], ours: []})
    const forced = await both(
      kubeconfig((c) => (c['proxy-url'] = proxies.http.url)),
      {HTTPS_PROXY: 'http://127.0.0.1:1'},
      proxies.http,
    )
    ok(forced)
    expect(forced.seen.kubectl.some((s) => s.startsWith('CONNECT 127.0.0.1:'))).toBe(true)
    expect(forced.seen.ours.some((s) => s.startsWith('CONNECT 127.0.0.1:'))).toBe(true)
  })

  it(
    'tokenFile with proxy-url: the credentials go through the proxy, the API server sees the same ' + 'user for both',
    async () => {
      const since = Date.now()
      const tokenFile = join(dir, 'token')
      const admin = base.users.find((u) => u.name === 'cluster-1-admin')!.user
      writeFileSync(tokenFile, `${String(admin.token)}\n`)
      const r = await both(
        kubeconfig(
          (c) => {
            named(c)
            c['proxy-url'] = proxies.socks.url
          },
          (u) => {
            delete u.token
            u.tokenFile = tokenFile
          },
        ),
        {},
        proxies.socks,
      )
      ok(r)
      expect(r.seen.ours.length).toBeGreaterThan(0)
      const events = auditEvents(since) as Array<ReturnType<typeof auditEvents>[number] & {userAgent?: string}>
      const userOf = (agent: RegExp) => [
        ...new Set(events.filter((e) => agent.test(e.userAgent ?? '')).map((e) => e.user.username)),
      ]
      const kubectlUsers = userOf(/^kubectl\//)
      expect(kubectlUsers).toHaveLength(1)
      expect(kubectlUsers[0]).not.toBe('system:anonymous')
      expect(userOf(/^liqo-topology/)).toEqual(kubectlUsers)
    },
  )

  it(
    'a CA only in the OS store (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS unset) is trusted by both; without it both ' +
      'refuse',
    async () => {
      const noCa = kubeconfig((c) => delete c['certificate-authority-data'])
      const bundle = join(dir, 'os-bundle.pem')
      writeFileSync(
        bundle,
        Buffer.concat([readFileSync('/etc/ssl/certs/ca-certificates.crt'), Buffer.from('\n'), labCa]),
      )
      ok(await both(noCa, {SSL_CERT_FILE: bundle}))
      const refused = await both(noCa)
      expect(refused.kubectl.code).toBe(1)
      expect(refused.kubectl.stderr).toMatch(/certificate signed by unknown authority/)
      expect(refused.ours.code).toBe(1)
      expect(refused.ours.stderr).toMatch(/TLS certificate verification failed/)
      // Node's bundled roots are not kubectl's: a server they trust is not trusted for it.
    },
  )

  it('a CA with insecure-skip-tls-verify: both refuse, exit 1, in the same words', async () => {
    const r = await both(kubeconfig((c) => (c['insecure-skip-tls-verify'] = true)))
    expect(r.kubectl.code).toBe(1)
    expect(r.ours.code).toBe(1)
    const words = 'specifying a root certificates file with the insecure flag is not allowed'
    expect(r.kubectl.stderr).toContain(words)
    expect(r.ours.stderr).toContain(words)
    expect(r.ours.stderr.trim().split('\n')[0]).toMatch(/^error: cluster "cluster-1" of the kubeconfig: /)
  })
})
