import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {ExecAuthenticator, lookPath} from '../../src/k8s/exec-credential.js'
import {
  execCluster,
  execInfo,
  isInteractive,
  parseExecConfig,
  parseExecCredential,
  type ExecConfig,
} from '../../src/k8s/exec-protocol.js'
import {headerKeyEscape, impersonationHeaders} from '../../src/k8s/impersonation.js'
import {parseKubeconfig} from '../../src/k8s/kubeconfig.js'
import {FileToken} from '../../src/k8s/token-file.js'
import {UserError} from '../../src/toolkit/errors.js'

const V1 = 'client.authentication.k8s.io/v1'
const V1B = 'client.authentication.k8s.io/v1beta1'
const dir = mkdtempSync(join(tmpdir(), 'exec-test-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A real plugin: a node script that counts its runs and prints what `body` returns for the run number. */
function plugin(name: string, body: string): string {
  const p = join(dir, name)
  const count = `${p}.count`
  writeFileSync(
    p,
    `#!${process.execPath}
const fs = require('node:fs')
const n = (fs.existsSync(${JSON.stringify(count)}) ? Number(fs.readFileSync(${JSON.stringify(count)}, 'utf8')) : 0) + 1
fs.writeFileSync(${JSON.stringify(count)}, String(n))
${body}
`,
  )
  chmodSync(p, 0o755)
  return p
}
const runs = (p: string) => Number(readFileSync(`${p}.count`, 'utf8'))
const cred = (status: Record<string, unknown>, apiVersion = V1) =>
  JSON.stringify({apiVersion, kind: 'ExecCredential', status})
const config = (command: string, more: Partial<ExecConfig> = {}): ExecConfig => ({
  command,
  args: [],
  env: {},
  apiVersion: V1,
  installHint: '',
  provideClusterInfo: false,
  interactiveMode: 'Never',
  ...more,
})
const owner = {userName: 'cloud-user', context: 'prod'}

describe('the ExecCredential protocol', () => {
  it('reads the exec entry as clientcmd does: v1beta1 defaults to IfAvailable, v1 must say', () => {
    expect(parseExecConfig({command: 'p', apiVersion: V1B, env: [{name: 'A', value: '1'}], args: ['x']})).toEqual({
      command: 'p',
      args: ['x'],
      env: {A: '1'},
      apiVersion: V1B,
      installHint: '',
      provideClusterInfo: false,
      interactiveMode: 'IfAvailable',
    })
    expect(() => parseExecConfig({command: 'p', apiVersion: V1})).toThrow(/interactiveMode must be specified/)
    expect(() =>
      parseExecConfig({command: 'p', apiVersion: 'client.authentication.k8s.io/v1alpha1', interactiveMode: 'Never'}),
    ).toThrow(/unsupported apiVersion/)
    expect(
      parseExecConfig({
        command: 'p',
        apiVersion: V1,
        interactiveMode: 'Never',
        installHint: '\u001b[1mInstall\u001b[0m it',
      }).installHint,
    ).toBe('Install it')
  })

  it('is interactive only on a terminal, never with Never, and Always refuses without one', () => {
    expect(isInteractive('IfAvailable', true)).toBe(true)
    expect(isInteractive('IfAvailable', false)).toBe(false)
    expect(isInteractive('Never', true)).toBe(false)
    expect(() => isInteractive('Always', false)).toThrow(/needs a terminal/)
  })

  it('gives the plugin the cluster (with the exec extension as config) only when asked', () => {
    const cluster = {
      server: 'https://k:6443',
      'tls-server-name': 'k',
      extensions: [{name: 'client.authentication.k8s.io/exec', extension: {audience: 'x'}}],
    }
    const info = JSON.parse(execInfo(V1, false, execCluster(cluster, Buffer.from('CA'))))
    expect(info).toEqual({
      kind: 'ExecCredential',
      apiVersion: V1,
      spec: {
        interactive: false,
        cluster: {
          server: 'https://k:6443',
          'tls-server-name': 'k',
          'certificate-authority-data': 'Q0E=',
          config: {audience: 'x'},
        },
      },
    })
    expect(JSON.parse(execInfo(V1B, true))).toEqual({
      kind: 'ExecCredential',
      apiVersion: V1B,
      spec: {interactive: true},
    })
  })

  it(
    'reads a credential, its expiry and client certificate, and refuses what client-go refuses without quoting ' + 'it',
    () => {
      expect(parseExecCredential(cred({token: 'T', expirationTimestamp: '2030-01-01T00:00:00Z'}), V1)).toEqual({
        token: 'T',
        expiresAt: Date.parse('2030-01-01T00:00:00Z'),
      })
      expect(parseExecCredential(cred({clientCertificateData: 'C', clientKeyData: 'K'}), V1)).toEqual({
        cert: 'C',
        key: 'K',
      })
      const bad: Array<[string, RegExp]> = [
        ['{"token": "secret-abc"', /not a JSON ExecCredential/],
        [
          cred({token: 'secret-abc'}, V1B),
          // eslint-disable-next-line max-len -- a regex literal cannot be split
          /configured to use API version client.authentication.k8s.io\/v1, and it returned "client.authentication.k8s.io\/v1beta1"/,
        ],
        [JSON.stringify({apiVersion: V1, kind: 'secret-abc', status: {token: 'x'}}), /returned kind something else/],
        [JSON.stringify({apiVersion: V1, kind: 'ExecCredential'}), /didn't return a status/],
        [cred({}), /didn't return a token/],
        [cred({clientCertificateData: 'secret-abc'}), /only a client certificate or only a key/],
        [cred({token: 'secret-abc', expirationTimestamp: 'soon'}), /expirationTimestamp is not/],
      ]
      for (const [out, reason] of bad) {
        const run = () => parseExecCredential(out, V1)
        expect(run).toThrow(reason)
        expect(run).not.toThrow(/secret-abc/)
      }
    },
  )

  it('escapes user-extra keys as client-go does and sends one header per group and per value', () => {
    expect(headerKeyEscape('acme.io/team')).toBe('acme.io%2Fteam')
    expect(headerKeyEscape('100%')).toBe('100%25')
    expect(headerKeyEscape('é')).toBe('%C3%A9')
    expect(impersonationHeaders({'as-groups': ['a', 'b']})).toEqual({
      'Impersonate-User': '',
      'Impersonate-Group': ['a', 'b'],
    })
    expect(impersonationHeaders({token: 'x'})).toEqual({})
  })

  it(
    "resolves a command with a slash against the kubeconfig's folder, as clientcmd does; a bare name stays for " +
      'the PATH',
    () => {
      const users = (command: string) => JSON.stringify({users: [{name: 'u', user: {exec: {command}}}]})
      const exec = (command: string) =>
        (parseKubeconfig(users(command), '/home/me/.kube/config').users![0]!.user.exec as {command: string}).command
      expect(exec('./bin/plugin')).toBe('/home/me/.kube/bin/plugin')
      expect(exec('bin/plugin')).toBe('/home/me/.kube/bin/plugin')
      expect(exec('aws')).toBe('aws')
      expect(exec('/usr/bin/aws')).toBe('/usr/bin/aws')
    },
  )

  it("looks a bare name up on the PATH, skipping entries relative to the working directory (Go's ErrDot)", () => {
    const p = plugin('on-path', '')
    expect(lookPath('on-path', `relative:${dir}`)).toBe(p)
    expect(lookPath('on-path', '.')).toBeUndefined()
    expect(lookPath(p)).toBe(p)
    expect(lookPath(join(dir, 'nothing-here'))).toBeUndefined()
  })
})

describe('running a plugin', () => {
  it(
    'caches a credential without expiry for the process, and runs again once on refresh (concurrent 401s ' +
      'included)',
    async () => {
      const p = plugin(
        'no-expiry',
        `process.stdout.write(JSON.stringify({apiVersion: '${V1}', kind: 'ExecCredential', status: {token: ` +
          `'tok-' + n}}))`,
      )
      const a = new ExecAuthenticator(config(p), undefined, owner, 10_000)
      const [x, y] = await Promise.all([a.get(), a.get()])
      expect(x.token).toBe('tok-1')
      expect(y).toBe(x)
      expect((await a.get()).token).toBe('tok-1')
      expect(runs(p)).toBe(1)
      await Promise.all([a.refresh('tok-1'), a.refresh('tok-1'), a.refresh('tok-1')])
      expect((await a.get()).token).toBe('tok-2')
      expect(runs(p)).toBe(2)
      await a.refresh('tok-1') // a late 401 of the old token: already rotated
      expect(runs(p)).toBe(2)
    },
  )

  it('runs again once the credential expired, and passes env, args and KUBERNETES_EXEC_INFO', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z')
    const p = plugin(
      'expiring',
      `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO)
process.stdout.write(JSON.stringify({apiVersion: '${V1B}', kind: 'ExecCredential', status: {token: [n, ` +
        `process.env.EXTRA, process.argv[2], info.spec.interactive, info.spec.cluster.server].join(':'), ` +
        `expirationTimestamp: '2030-01-01T00:01:00Z'}}))`,
    )
    const a = new ExecAuthenticator(
      config(p, {apiVersion: V1B, args: ['arg'], env: {EXTRA: 'env'}}),
      {server: 'https://k'},
      owner,
      10_000,
      () => now,
    )
    expect((await a.get()).token).toBe('1:env:arg:false:https://k')
    now += 30_000
    expect((await a.get()).token).toMatch(/^1:/)
    now += 31_000
    expect((await a.get()).token).toMatch(/^2:/)
  })

  const failures: Array<[string, string, RegExp, RegExp?]> = [
    ['exits non-zero', `process.stdout.write('secret-abc'); process.exit(3)`, /exited with code 3/],
    ['prints invalid JSON', `process.stdout.write('secret-abc')`, /not a JSON ExecCredential/],
    [
      'prints the wrong apiVersion',
      `process.stdout.write(JSON.stringify({apiVersion: 'v9', kind: 'ExecCredential', status: {token: 'secret-abc'}}))`,
      /returned "v9"/,
    ],
    ['hangs', `setInterval(() => {}, 1000)`, /did not answer within 1s and was stopped/, /raise --request-timeout/],
  ]
  it.each(failures)(
    'a plugin that %s is one line naming the user and the plugin, never its output',
    async (name, body, reason, hint) => {
      const p = plugin(name.replace(/\W/g, '-'), body)
      const e = (await new ExecAuthenticator(config(p), undefined, owner, name === 'hangs' ? 1000 : 20_000)
        .get()
        .catch((x: unknown) => x)) as UserError
      expect(e).toBeInstanceOf(UserError)
      expect(e.exitCode).toBe(1)
      expect(e.message).toMatch(
        new RegExp(`^cannot get credentials for user "cloud-user" of context "prod" from exec plugin "${p}": `),
      )
      expect(e.message).toMatch(reason)
      expect(e.message).not.toMatch(/\n|secret-abc/)
      if (hint) expect(e.hint).toMatch(hint)
    },
  )

  it('a missing command shows its installHint', async () => {
    const e = (await new ExecAuthenticator(
      config('no-such-plugin-xyz', {installHint: 'brew install xyz'}),
      undefined,
      owner,
      500,
    )
      .get()
      .catch((x: unknown) => x)) as UserError
    expect(e.message).toBe(
      'cannot get credentials for user "cloud-user" of context "prod" from exec plugin "no-such-plugin-xyz": ' +
        'it is not installed (not found on the PATH)',
    )
    expect(e.hint).toBe('brew install xyz')
  })
})

describe("a tokenFile, as client-go's cached file token source", () => {
  it(
    'is read again after its period less the leeway, keeps the last token when a read fails, and refuses an ' +
      'empty file',
    () => {
      let now = 0
      const f = join(dir, 'token')
      writeFileSync(f, 'one\n')
      const t = new FileToken(f, 'user "u"', () => now)
      expect(t.get()).toBe('one')
      writeFileSync(f, 'two')
      now = 49_000
      expect(t.get()).toBe('one')
      now = 50_000
      expect(t.get()).toBe('two')
      rmSync(f)
      now = 200_000
      expect(t.get()).toBe('two')
      writeFileSync(f, '  \n')
      expect(() => new FileToken(f, 'user "u"').get()).toThrow(
        'tokenFile "' + f + '" of user "u" in the kubeconfig is empty',
      )
    },
  )
})
