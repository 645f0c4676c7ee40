/**
 * The launcher (src/liqo-topology, installed as the CLI's dist/bundle/liqo-topology, its "bin") and
 * its start-up snapshot: every way the snapshot can be missing, stale or unusable falls back to the
 * plain bundle, silently and with the same output, and a later run uses a rebuilt one; nothing
 * captured when the snapshot was built (environment, home, terminal, colour, width, time) leaks into
 * a run; TLS and credential plugins behave as with the plain bundle. Each case works on its own copy
 * of the CLI's install (bin/ and dist/bundle/, built by npm run build) and its own cache directory;
 * `node` on the PATH is a wrapper that records how Node was started.
 */
import {spawn, spawnSync} from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import tls, {rootCertificates} from 'node:tls'

import {afterAll, describe, expect, it} from 'vitest'

import {lab, labState, NODE_MODULES, ROOT, skipNote, until} from '../../../cli/test/helpers/lab.js'

const work = mkdtempSync(join(tmpdir(), 'liqo-topology-startup-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

interface Install {
  root: string
  cache: string
  log: string
  bin: string
  /** The PATH directory whose `node` records its arguments, then runs `realNode`. */
  pathDir: string
}

let n = 0
/** A copy of the CLI's install with its own cache; `realNode` is the Node binary the wrapper runs. */
function install(realNode = process.execPath): Install {
  const root = join(work, `i${++n}`)
  mkdirSync(join(root, 'dist'), {recursive: true})
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), {recursive: true})
  cpSync(join(ROOT, 'dist', 'bundle'), join(root, 'dist', 'bundle'), {recursive: true})
  symlinkSync(NODE_MODULES, join(root, 'node_modules'))
  const pathDir = join(root, 'path')
  mkdirSync(pathDir)
  const log = join(root, 'node.log')
  writeFileSync(
    join(pathDir, 'node'),
    `#!/bin/sh\nprintf '%s\\n' "$*" "extra=\${NODE_EXTRA_CA_CERTS-(unset)}" >> '${log}'\nexec '${realNode}' "$@"\n`,
  )
  chmodSync(join(pathDir, 'node'), 0o755)
  return {root, cache: join(root, 'cache'), log, bin: join(root, 'dist', 'bundle', 'liqo-topology'), pathDir}
}

interface Ran {
  code: number | null
  stdout: string
  stderr: string
  /** How Node was started for the command itself: from a snapshot, or the plain bundle. */
  started: 'snapshot' | 'plain' | 'none'
  /** NODE_EXTRA_CA_CERTS as Node saw it at start, for the command itself. */
  nodeExtraCa?: string
}

function launch(i: Install, args: string[], env: NodeJS.ProcessEnv = {}): Ran {
  rmSync(i.log, {force: true})
  const base: NodeJS.ProcessEnv = {
    PATH: `${i.pathDir}:/usr/bin:/bin`,
    HOME: i.root,
    XDG_CACHE_HOME: i.cache,
    NO_COLOR: '1',
  }
  if (lab) base.KUBECONFIG = lab.kubeconfig
  const r = spawnSync(i.bin, args, {env: {...base, ...env}, encoding: 'utf8', timeout: 60_000})
  const calls = existsSync(i.log) ? readFileSync(i.log, 'utf8').split('\n') : []
  const own = calls.find((c) => c.includes(' -- ') || c.endsWith('/bundle/run.js') || c.includes('/bundle/run.js '))
  const started = !own ? 'none' : own.startsWith('--snapshot-blob ') ? 'snapshot' : 'plain'
  const nodeExtraCa = own ? calls[calls.indexOf(own) + 1]?.replace(/^extra=/, '') : undefined
  return {code: r.status, stdout: r.stdout, stderr: r.stderr, started, nodeExtraCa}
}

const blobs = (i: Install, sub = 'liqo-topology/snapshots') =>
  existsSync(join(i.cache, sub)) ? readdirSync(join(i.cache, sub)).filter((f) => f.endsWith('.blob')) : []
const waitBlobs = (i: Install, count: number) =>
  until(`${count} snapshot blob(s) in ${i.cache}`, 60_000, async () => blobs(i).length >= count)

describe('the launcher and its start-up snapshot', () => {
  it(
    'no snapshot yet: the plain bundle answers at once, a background build leaves one, the next run starts from ' +
      'it with the same output',
    async () => {
      const i = install()
      const first = launch(i, ['--help'])
      expect(first.code, first.stderr).toBe(0)
      expect(first.started).toBe('plain')
      await waitBlobs(i, 1)
      const second = launch(i, ['--help'])
      expect(second.code, second.stderr).toBe(0)
      expect(second.started).toBe('snapshot')
      expect(second.stdout).toBe(first.stdout)
      expect(second.stderr).toBe('')
    },
  )

  it(
    'every kind of command answers the same from the snapshot: usage error, unknown command, version, ' +
      'completion script, the lab (plain bundle)',
    async () => {
      const i = install()
      launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      expect(blobs(i)).toHaveLength(1)
      const cases = [
        ['pods', 'where', '--bogus'],
        ['peer', 'disabel', 'cluster-3'],
        ['version', '--client'],
        ['completion', 'bash'],
        ['peer', 'disable', '--help'],
        ['lab', 'status', '--dir', join(i.root, 'no-lab')],
        ['help', 'peer'],
      ]
      for (const args of cases) {
        const snap = launch(i, args)
        const plain = launch(i, args, {LIQO_TOPOLOGY_SNAPSHOT: '0'})
        expect(snap.started, args.join(' ')).toBe('snapshot')
        expect(plain.started, args.join(' ')).toBe('plain')
        expect({code: snap.code, stdout: snap.stdout, stderr: snap.stderr}, args.join(' ')).toEqual({
          code: plain.code,
          stdout: plain.stdout,
          stderr: plain.stderr,
        })
      }
    },
  )

  it(
    'a changed bundle (stale snapshot): the plain bundle runs, and a snapshot for the new bundle is ' + 'built',
    async () => {
      const i = install()
      launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      expect(launch(i, ['--version']).started).toBe('snapshot')
      writeFileSync(join(i.root, 'dist', 'bundle', 'snapshot.key'), 'a-rebuilt-bundle\n')
      const r = launch(i, ['version', '--client'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.started).toBe('plain')
      expect(r.stdout).toMatch(/^Client Version: /)
      await waitBlobs(i, 2)
      expect(launch(i, ['--version']).started).toBe('snapshot')
    },
  )

  it(
    'another Node binary: it never gets a blob built by another one; it runs the plain bundle, then its own ' +
      'snapshot',
    async () => {
      const i = install()
      launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      const other = join(i.root, 'other-node')
      copyFileSync(process.execPath, other)
      chmodSync(other, 0o755)
      const wrapper = (dir: string, node: string) => {
        mkdirSync(dir, {recursive: true})
        rmSync(join(dir, 'node'), {force: true})
        writeFileSync(join(dir, 'node'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${i.log}'\nexec '${node}' "$@"\n`)
        chmodSync(join(dir, 'node'), 0o755)
      }
      // Replaced in place, by one with an older modification time (as a package manager installs it).
      wrapper(i.pathDir, other)
      utimesSync(join(i.pathDir, 'node'), new Date('2025-01-02T03:04:05Z'), new Date('2025-01-02T03:04:05Z'))
      const r = launch(i, ['pods', 'where', '--bogus'])
      expect(r.code).toBe(2)
      expect(r.started).toBe('plain')
      await until(
        'the blob rebuilt for the new binary',
        60_000,
        async () => launch(i, ['--version']).started === 'snapshot',
      )
      expect(blobs(i)).toHaveLength(1)
      // Another `node` first on the PATH: its own blob; the first one's stays, for when it is back.
      const second = join(i.root, 'path2')
      wrapper(second, process.execPath)
      const first = {PATH: `${i.pathDir}:/usr/bin:/bin`}
      const both = {PATH: `${second}:${i.pathDir}:/usr/bin:/bin`}
      expect(launch(i, ['--version'], both).started).toBe('plain')
      await waitBlobs(i, 2)
      expect(launch(i, ['--version'], both).started).toBe('snapshot')
      expect(launch(i, ['--version'], first).started).toBe('snapshot')
    },
  )

  it(
    'other Node flags (NODE_OPTIONS): never the blob built without them, the plain bundle, then a snapshot ' +
      'keyed by them',
    async () => {
      const i = install()
      launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      const flags = {NODE_OPTIONS: '--max-old-space-size=300'}
      // Node 20 refused such a blob (exit 14: V8 flags other than the build's); Node 22 and later
      // accept this flag, others they refuse. The key keeps the blobs apart on every line.
      const r = launch(i, ['--version'], flags)
      expect(r.code, r.stderr).toBe(0)
      expect(r.started).toBe('plain')
      await waitBlobs(i, 2)
      const again = launch(i, ['--version'], flags)
      expect(again.started).toBe('snapshot')
      expect(again.stdout).toMatch(/^liqo-topology\//)
      expect(launch(i, ['--version']).started).toBe('snapshot')
    },
  )

  it(
    'libraries moved since the build (node_modules reinstalled elsewhere): found again, the same output as the ' +
      'plain bundle',
    () => {
      // What the snapshot loads from node_modules on demand, each from a copy of its own that can move.
      const moved = ['ansis', 'supports-color', '@oclif']
      const i = install()
      const nm = join(i.root, 'node_modules')
      rmSync(nm)
      mkdirSync(nm)
      for (const e of readdirSync(NODE_MODULES)) if (!moved.includes(e)) symlinkSync(join(NODE_MODULES, e), join(nm, e))
      const placeAt = (dir: string) => {
        for (const m of moved) {
          cpSync(join(NODE_MODULES, m), join(i.root, dir, m), {recursive: true})
          rmSync(join(nm, m), {force: true})
          symlinkSync(join(i.root, dir, m), join(nm, m))
        }
      }
      placeAt('first')
      launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      expect(blobs(i)).toHaveLength(1)
      rmSync(join(i.root, 'first'), {recursive: true})
      placeAt('second')
      for (const args of [['--help'], ['pods', 'where', '--bogus'], ['peer', 'disabel', 'cluster-3']]) {
        const env = {NO_COLOR: undefined, FORCE_COLOR: '1'}
        const snap = launch(i, args, env)
        const plain = launch(i, args, {...env, LIQO_TOPOLOGY_SNAPSHOT: '0'})
        expect(snap.started, args.join(' ')).toBe('snapshot')
        expect({code: snap.code, stdout: snap.stdout, stderr: snap.stderr}, args.join(' ')).toEqual({
          code: plain.code,
          stdout: plain.stdout,
          stderr: plain.stderr,
        })
      }
    },
  )

  it(
    'a cache that cannot be written: the plain bundle, nothing written anywhere (the install directory least of ' +
      'all)',
    () => {
      const i = install()
      const file = join(i.root, 'not-a-dir')
      writeFileSync(file, '')
      const before = readdirSync(join(i.root, 'dist', 'bundle')).sort()
      const r = launch(i, ['--help'], {XDG_CACHE_HOME: join(file, 'cache')})
      expect(r.code, r.stderr).toBe(0)
      expect(r.started).toBe('plain')
      expect(readdirSync(join(i.root, 'dist', 'bundle')).sort()).toEqual(before)
      expect(readdirSync(i.root).sort()).toEqual(['bin', 'dist', 'node.log', 'node_modules', 'not-a-dir', 'path'])
    },
  )

  it(
    'a build that fails leaves a marker and is not retried on every run; LIQO_TOPOLOGY_SNAPSHOT=0 never uses a ' +
      'snapshot',
    async () => {
      const i = install()
      writeFileSync(join(i.root, 'dist', 'bundle', 'snapshot.cjs'), 'throw new Error("a broken snapshot script")\n')
      expect(launch(i, ['--version']).started).toBe('plain')
      const dir = join(i.cache, 'liqo-topology/snapshots')
      await until(
        'the failure marker',
        60_000,
        async () => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.failed')),
      )
      const marker = readdirSync(dir).find((f) => f.endsWith('.failed'))!
      expect(readFileSync(join(dir, marker), 'utf8')).toMatch(/a broken snapshot script/)
      launch(i, ['--version'])
      expect(readFileSync(i.log, 'utf8')).not.toMatch(/snapshot-build/)

      const j = install()
      launch(j, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      expect(launch(j, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: '0'}).started).toBe('plain')
    },
  )

  it(
    'nothing captured at build time leaks into a run: home, width, colour and terminal, time zone, environment, ' +
      "the user's help theme",
    () => {
      const i = install()
      // Built under one environment…
      launch(i, ['--version'], {
        LIQO_TOPOLOGY_SNAPSHOT: 'build',
        HOME: join(i.root, 'home-at-build'),
        COLUMNS: '40',
        TERM: 'dumb',
        NO_COLOR: '1',
        TZ: 'Asia/Tokyo',
        LANG: 'C',
      })
      // …run under another: each output must be what the plain bundle gives under that one.
      const home = join(i.root, 'home-now')
      const env = {HOME: home, COLUMNS: '132', TERM: 'xterm-256color', TZ: 'America/Lima', KUBECONFIG: ''}
      for (const args of [['--help'], ['peer', 'disable', '--help'], ['pods', 'where', '-n', 'x']]) {
        const snap = launch(i, args, env)
        const plain = launch(i, args, {...env, LIQO_TOPOLOGY_SNAPSHOT: '0'})
        expect(snap.started).toBe('snapshot')
        expect({code: snap.code, stdout: snap.stdout, stderr: snap.stderr}, args.join(' ')).toEqual({
          code: plain.code,
          stdout: plain.stdout,
          stderr: plain.stderr,
        })
      }
      // The kubeconfig is looked for in today's home.
      expect(launch(i, ['pods', 'where', '-n', 'x'], env).stderr).toContain(join(home, '.kube', 'config'))
      // Colour and width on a terminal (util-linux script), no colour under NO_COLOR: decided at run
      // time, as the plain bundle decides them (the snapshot was built with no terminal, NO_COLOR set).
      const tty = (extra: string) =>
        spawnSync(
          'script',
          ['-qfec', `stty cols 150; env -u NO_COLOR ${extra} '${i.bin}' peer disable --help`, '/dev/null'],
          {
            env: {
              PATH: `${i.pathDir}:/usr/bin:/bin`,
              HOME: home,
              XDG_CACHE_HOME: i.cache,
              TERM: 'xterm-256color',
              COLUMNS: '132',
            },
            encoding: 'utf8',
          },
        ).stdout
      const unthemed = tty('')
      expect(unthemed).toMatch(/\u001b\[1m/)
      // The terminal's width too (150 columns; the snapshot was built with none).
      expect(unthemed.split('\n').some((l) => l.length > 100)).toBe(true)
      expect(unthemed).toBe(tty('LIQO_TOPOLOGY_SNAPSHOT=0'))
      expect(tty('NO_COLOR=1')).not.toMatch(/\u001b\[/)
      expect(tty('NO_COLOR=1')).toBe(tty('NO_COLOR=1 LIQO_TOPOLOGY_SNAPSHOT=0'))
      // The user's help colours (oclif's <config dir>/theme.json), read only when the file is there,
      // and then as the plain bundle reads them.
      mkdirSync(join(home, '.config', 'liqo-topology'), {recursive: true})
      writeFileSync(
        join(home, '.config', 'liqo-topology', 'theme.json'),
        JSON.stringify({sectionHeader: 'red', flag: 'green'}),
      )
      const themed = tty('')
      expect(themed).not.toBe(unthemed)
      expect(themed).toMatch(/\u001b\[(31|32)m/)
      expect(themed).toBe(tty('LIQO_TOPOLOGY_SNAPSHOT=0'))
    },
  )

  it('a credential plugin sees the environment of the user unchanged', () => {
    const i = install()
    launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
    const dump = join(i.root, 'plugin-env')
    const plugin = join(i.root, 'plugin.sh')
    writeFileSync(
      plugin,
      `#!/bin/sh\nenv | sort > '${dump}'\necho ` +
        `'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}'\n`,
    )
    chmodSync(plugin, 0o755)
    const kc = join(i.root, 'kc.json')
    writeFileSync(
      kc,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'c', cluster: {server: 'https://127.0.0.1:1'}}],
        users: [
          {
            name: 'u',
            user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never'}},
          },
        ],
        contexts: [{name: 'c', context: {cluster: 'c', user: 'u'}}],
        'current-context': 'c',
      }),
    )
    // The launcher adds nothing to the environment (src/liqo-topology): with or without a
    // GLIBC_TUNABLES of the user's, the plugin sees exactly the user's.
    for (const own of [undefined, 'glibc.malloc.check=0']) {
      const envs: string[] = []
      for (const mode of ['1', '0']) {
        const r = launch(i, ['pods', 'where', '-n', 'x'], {
          KUBECONFIG: kc,
          LIQO_TOPOLOGY_SNAPSHOT: mode,
          NODE_EXTRA_CA_CERTS: '/etc/hostname',
          MY_SETTING: 'kept',
          GLIBC_TUNABLES: own,
        })
        expect(r.code).toBe(1)
        expect(r.started).toBe(mode === '1' ? 'snapshot' : 'plain')
        envs.push(readFileSync(dump, 'utf8').replace(/^LIQO_TOPOLOGY_SNAPSHOT=.*\n/m, ''))
      }
      expect(envs[0]).toBe(envs[1])
      expect(envs[0]).toMatch(/^MY_SETTING=kept$/m)
      expect(envs[0]).toMatch(/^NODE_EXTRA_CA_CERTS=\/etc\/hostname$/m)
      expect(envs[0]).not.toMatch(/^LIQO_TOPOLOGY_GLIBC/m)
      if (own) expect(envs[0]).toMatch(/^GLIBC_TUNABLES=glibc\.malloc\.check=0$/m)
      else expect(envs[0]).not.toMatch(/^GLIBC_TUNABLES=/m)
    }
  })
})

/** An HTTP proxy that tunnels CONNECT requests: prints its port, then "CONNECT host:port" for each. */
const CONNECT_PROXY = `
const http = require('node:http'), net = require('node:net')
const proxy = http.createServer((req, res) => res.writeHead(405).end())
proxy.on('connect', (req, client, head) => {
  console.log('CONNECT ' + req.url)
  const [host, port] = req.url.split(':')
  const upstream = net.connect(Number(port), host, () => {
    client.write('HTTP/1.1 200 Connection Established\\r\\n\\r\\n')
    upstream.write(head)
    upstream.pipe(client)
    client.pipe(upstream)
  })
  upstream.on('error', () => client.destroy())
  client.on('error', () => upstream.destroy())
})
proxy.listen(0, '127.0.0.1', () => console.log(proxy.address().port))
`

describe.skipIf(!lab)(`the snapshot against the lab: TLS as kubectl${skipNote}`, () => {
  const kubeconfig = () =>
    JSON.parse(readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/gm, '')) as {
      clusters: Array<{name: string; cluster: Record<string, string>}>
      [k: string]: unknown
    }

  it(
    'the same placement and ages, and the same TLS outcomes, as the plain bundle: the kubeconfig CA, no CA ' +
      '(unknown authority, or trusted through NODE_EXTRA_CA_CERTS where Node hands it out, also through a proxy), ' +
      'insecure-skip-tls-verify',
    async () => {
      const i = install()
      launch(i, ['--version'], {LIQO_TOPOLOGY_SNAPSHOT: 'build'})
      const same = (args: string[], env: NodeJS.ProcessEnv = {}) => {
        const snap = launch(i, args, env)
        const plain = launch(i, args, {...env, LIQO_TOPOLOGY_SNAPSHOT: '0'})
        expect(snap.started).toBe('snapshot')
        expect({code: snap.code, stdout: snap.stdout.replace(/\s+(\d+[dhms])+$/gm, ''), stderr: snap.stderr}).toEqual({
          code: plain.code,
          stdout: plain.stdout.replace(/\s+(\d+[dhms])+$/gm, ''),
          stderr: plain.stderr,
        })
        return snap
      }
      // The clock is read when a command runs: each pod's age from the snapshot, built a moment ago,
      // lies between the plain bundle's just before and just after it (seconds tick between runs).
      const ages = (env: NodeJS.ProcessEnv = {}) => {
        const out = launch(i, ['pods', 'where', '-A'], env).stdout
        expect(out).toMatch(/\sAGE\n/)
        const seconds = (age: string) =>
          [...age.matchAll(/(\d+)([dhms])/g)].reduce(
            (t, [, n, u]) => t + Number(n) * {d: 86_400, h: 3600, m: 60, s: 1}[u as 'd']!,
            0,
          )
        const rows = out.trim().split('\n').slice(1)
        return new Map(rows.map((l) => [l.replace(/\s+\S+$/, ''), seconds(l.split(/\s+/).at(-1)!)]))
      }
      const before = ages({LIQO_TOPOLOGY_SNAPSHOT: '0'})
      const fromSnapshot = ages()
      const after = ages({LIQO_TOPOLOGY_SNAPSHOT: '0'})
      expect([...fromSnapshot.keys()]).toEqual([...before.keys()])
      for (const [row, age] of fromSnapshot) {
        expect(age, row).toBeGreaterThanOrEqual(before.get(row)!)
        expect(age, row).toBeLessThanOrEqual(after.get(row) ?? Infinity)
      }
      const ok = same(['pods', 'where', '-A', '-o', 'json'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(same(['peer', 'list', '-o', 'yaml']).code).toBe(0)

      const k = kubeconfig()
      const ca = Buffer.from(k.clusters[0]!.cluster['certificate-authority-data']!, 'base64')
      const caFile = join(i.root, 'lab-ca.crt')
      writeFileSync(caFile, ca)
      const variant = (name: string, change: (c: Record<string, string | boolean>) => void) => {
        const copy = kubeconfig()
        for (const c of copy.clusters) change(c.cluster)
        const file = join(i.root, `${name}.json`)
        writeFileSync(file, JSON.stringify(copy))
        return file
      }
      const noCa = variant('no-ca', (c) => delete c['certificate-authority-data'])
      const unknown = same(['pods', 'where', '-A'], {KUBECONFIG: noCa})
      expect(unknown.code).not.toBe(0)
      expect(unknown.stderr).toMatch(/certificate/i)
      // Without a CA in the kubeconfig: the OS store plus NODE_EXTRA_CA_CERTS as Node read it
      // (src/k8s/trust.ts; a Node without tls.getCACertificates cannot hand it out).
      const nodeHandsOutExtra = typeof (tls as {getCACertificates?: unknown}).getCACertificates === 'function'
      const extra = same(['pods', 'where', '-A'], {KUBECONFIG: noCa, NODE_EXTRA_CA_CERTS: caFile})
      expect(extra.code === 0, extra.stderr).toBe(nodeHandsOutExtra)
      // The launcher passes the variable to Node as it is: same outcome as the bundle run directly.
      expect(extra.nodeExtraCa).toBe(caFile)
      const direct = (env: NodeJS.ProcessEnv) =>
        spawnSync(process.execPath, [join(i.root, 'dist', 'bundle', 'run.js'), 'pods', 'where', '-A'], {
          env: {PATH: process.env.PATH, HOME: i.root, XDG_CACHE_HOME: i.cache, NO_COLOR: '1', ...env},
          encoding: 'utf8',
          timeout: 60_000,
        })
      const byNode = direct({KUBECONFIG: noCa, NODE_EXTRA_CA_CERTS: caFile})
      expect({code: byNode.status, stdout: byNode.stdout.replace(/\s+(\d+[dhms])+$/gm, '')}).toEqual({
        code: extra.code,
        stdout: extra.stdout.replace(/\s+(\d+[dhms])+$/gm, ''),
      })
      // The kubeconfig's CA is the only one trusted when given, with or without the extra file.
      const own = same(['pods', 'where', '-A'], {NODE_EXTRA_CA_CERTS: caFile})
      expect(own.code, own.stderr).toBe(0)
      const otherCa = variant(
        'other-ca',
        (c) =>
          (c['certificate-authority-data'] = Buffer.from(rootCertificates.slice(0, 3).join('\n')).toString('base64')),
      )
      const wrongCa = same(['pods', 'where', '-A'], {KUBECONFIG: otherCa, NODE_EXTRA_CA_CERTS: caFile})
      expect(wrongCa.code).not.toBe(0)
      expect(wrongCa.stderr).toMatch(/certificate/i)
      expect(direct({KUBECONFIG: otherCa, NODE_EXTRA_CA_CERTS: caFile}).status).toBe(wrongCa.code)
      // Through an HTTP proxy (proxy-url): the same trust as without it.
      const proxy = spawn(process.execPath, ['-e', CONNECT_PROXY], {stdio: ['ignore', 'pipe', 'inherit']})
      try {
        const lines: string[] = []
        let buffered = ''
        proxy.stdout.on('data', (d: Buffer) => {
          buffered += d.toString()
          const parts = buffered.split('\n')
          buffered = parts.pop()!
          lines.push(...parts)
        })
        await until('the proxy to listen', 10_000, async () => lines.length > 0)
        const proxied = variant('proxied', (c) => {
          delete c['certificate-authority-data']
          c['proxy-url'] = `http://127.0.0.1:${lines[0]}`
        })
        const viaProxy = same(['pods', 'where', '-A'], {KUBECONFIG: proxied, NODE_EXTRA_CA_CERTS: caFile})
        expect(viaProxy.code, viaProxy.stderr).toBe(extra.code)
        expect(viaProxy.stdout.replace(/\s+(\d+[dhms])+$/gm, '')).toBe(extra.stdout.replace(/\s+(\d+[dhms])+$/gm, ''))
        // (spawnSync held this process's event loop: the proxy's lines are read now.)
        await until('the proxy to report the tunnels it made', 10_000, async () =>
          lines.some((l) => l.startsWith('CONNECT 127.0.0.1:')),
        )
        const untrusted = same(['pods', 'where', '-A'], {KUBECONFIG: proxied})
        expect(untrusted.code).not.toBe(0)
        expect(untrusted.stderr).toMatch(/certificate/i)
      } finally {
        proxy.kill()
      }
      // A file that cannot be read: Node's own warning, once, and the unknown authority.
      const missing = same(['pods', 'where', '-A'], {
        KUBECONFIG: noCa,
        NODE_EXTRA_CA_CERTS: join(i.root, 'missing.crt'),
      })
      expect(missing.code).toBe(unknown.code)
      expect(
        missing.stderr.match(
          /Warning: Ignoring extra certs from `[^`]*missing\.crt`, load failed: (.*:)?No such file or directory/g,
        ),
      ).toHaveLength(1)
      const insecure = variant('insecure', (c) => {
        delete c['certificate-authority-data']
        c['insecure-skip-tls-verify'] = true
      })
      const skip = same(['pods', 'where', '-A'], {KUBECONFIG: insecure})
      expect(skip.code, skip.stderr).toBe(0)
      expect(skip.stderr).toMatch(/insecure/i)
      expect(labState().clusters.length).toBe(3)
    },
  )
})
