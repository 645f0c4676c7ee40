/**
 * Conformance with kubectl for credential plugins (exec) and impersonation: each case runs kubectl
 * and liqo-topology on the same kubeconfig against the lab's API server; its audit log shows the
 * same identities for both, and the test's plugin (a real process, counting its runs) ran as often
 * for both. No credential is ever printed, -v 8 included.
 */
import {rmSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  identities,
  kubectlOnTty,
  kubectlWith,
  labKube,
  writeKubeconfig,
  writePlugin,
  type LabKube,
} from '../helpers/kubeconfigs.js'
import {admin, cli, lab, skipNote, startCliOnTty, until, type RunResult} from '../helpers/lab.js'

const V1 = 'client.authentication.k8s.io/v1'
const V1B = 'client.authentication.k8s.io/v1beta1'
const OURS = ['pods', 'where', '-n', 'default']
const KUBECTL = ['get', 'pods', '-n', 'default']
const RBAC = '/apis/rbac.authorization.k8s.io/v1'

let k: LabKube

/** Both clients on `kubeconfig`, one after the other; what each printed and who the API server saw. */
async function both(kubeconfig: string, o: {ours?: string[]; kubectl?: string[]} = {}) {
  const t0 = Date.now()
  const kc = await kubectlWith(kubeconfig, o.kubectl ?? KUBECTL)
  const t1 = Date.now()
  const ours = await cli(o.ours ?? OURS, {kubeconfig})
  return {kc, ours, kcIds: identities(t0, 'kubectl'), oursIds: identities(t1, 'liqo-topology'), t0, t1}
}

function noCredential(r: RunResult, ...secrets: string[]): void {
  for (const s of [k.token, ...secrets]) {
    expect(r.stdout).not.toContain(s)
    expect(r.stderr).not.toContain(s)
  }
}

/** One `error:` line naming the user and the plugin, then one hint line. */
function oneLine(r: RunResult, plugin: string): void {
  const lines = r.stderr.trimEnd().split('\n')
  const at = lines.findIndex((l) => l.startsWith('error: '))
  expect(at, r.stderr).toBeGreaterThanOrEqual(0)
  expect(lines[at]).toContain(`user "cloud-user" of context "it" from exec plugin "${plugin}"`)
  expect(
    lines.slice(at + 1).every((l) => l.startsWith('hint: ')),
    r.stderr,
  ).toBe(true)
}

describe.skipIf(!lab)(`kubeconfig conformance: exec plugins and impersonation${skipNote}`, () => {
  beforeAll(() => {
    k = labKube('kc-exec')
  })
  afterAll(() => rmSync(k.dir, {recursive: true, force: true}))

  const versions: Array<[string, boolean, string]> = [
    ['v1', true, V1],
    ['v1', false, V1],
    ['v1beta1', true, V1B],
    ['v1beta1', false, V1B],
  ]
  it.each(versions)(
    'exec %s (with expiry: %s): same user, the plugin ran once for each, the same KUBERNETES_EXEC_INFO',
    async (name, expiry, apiVersion) => {
      const tag = `${name}-${expiry ? 'exp' : 'noexp'}`
      const status = expiry
        ? `{token: ${JSON.stringify(k.token)}, expirationTimestamp: new Date(Date.now() + 3600e3).toISOString()}`
        : `{token: ${JSON.stringify(k.token)}}`
      // A relative command with a slash: resolved against the kubeconfig's folder, as kubectl does.
      const p = writePlugin(k, `plugin-${tag}`, `cred(${status})`, apiVersion, 'plugins')
      const exec = {
        apiVersion,
        command: `./plugins/plugin-${tag}`,
        interactiveMode: 'Never',
        provideClusterInfo: true,
        env: [{name: 'IT_ENV', value: 'x'}],
      }
      const extension = {name: 'client.authentication.k8s.io/exec', extension: {audience: 'it', region: 'lab'}}
      const file = writeKubeconfig(k, `exec-${tag}`, {exec}, {extensions: [extension]})
      p.reset()
      const kc = await kubectlWith(file, KUBECTL)
      expect(kc.code, kc.stderr).toBe(0)
      expect(p.runs()).toBe(1)
      const kcInfo = p.infos()
      p.reset()
      const t = Date.now()
      const ours = await cli(OURS, {kubeconfig: file})
      expect(ours.code, ours.stderr).toBe(0)
      expect(p.runs()).toBe(1)
      expect(p.infos()).toEqual(kcInfo)
      expect(kcInfo[0]).toMatchObject({
        apiVersion,
        kind: 'ExecCredential',
        spec: {interactive: false, cluster: {server: k.cluster.server, config: {audience: 'it'}}},
      })
      expect(identities(t, 'liqo-topology')).toEqual([{user: 'admin'}])
      noCredential(ours)
    },
  )

  it('an expired credential is refreshed on the next request, by both', async () => {
    const p = writePlugin(
      k,
      'expired',
      `cred(n === 1 ? {token: ${JSON.stringify(k.token)}, expirationTimestamp: '2020-01-01T00:00:00Z'} : ` +
        `{token: ${JSON.stringify(k.token)}})`,
    )
    const file = writeKubeconfig(k, 'expired', {exec: {apiVersion: V1, command: p.path, interactiveMode: 'Never'}})
    p.reset()
    const kc = await kubectlWith(file, KUBECTL)
    const kcRuns = p.runs()
    p.reset()
    const ours = await cli(OURS, {kubeconfig: file})
    expect([kc.code, ours.code], ours.stderr).toEqual([0, 0])
    expect(kcRuns).toBe(2)
    expect(p.runs()).toBe(kcRuns)
  })

  it('a 401 makes both run the plugin once more; we retry the request with the new credential', async () => {
    const p = writePlugin(k, 'first-bad', `cred({token: n === 1 ? 'not-a-valid-token' : ${JSON.stringify(k.token)}})`)
    const file = writeKubeconfig(k, 'first-bad', {exec: {apiVersion: V1, command: p.path, interactiveMode: 'Never'}})
    p.reset()
    await kubectlWith(file, KUBECTL)
    const kcRuns = p.runs()
    p.reset()
    const ours = await cli(OURS, {kubeconfig: file})
    expect(kcRuns).toBe(2)
    expect(p.runs()).toBe(2)
    expect(ours.code, ours.stderr).toBe(0)
  })

  it('an interactive login on a terminal shows its prompt and reads the answer (kubectl alike)', async () => {
    const body = `if (!info.spec.interactive) { process.stderr.write('no terminal\\n'); process.exit(1) }
process.stderr.write('Enter the code shown in your browser: ')
const buf = Buffer.alloc(64); const got = fs.readSync(0, buf, 0, 64, null)
if (buf.subarray(0, got).toString().trim() !== '4242') process.exit(2)
cred({token: ${JSON.stringify(k.token)}})`
    const p = writePlugin(k, 'interactive', body)
    const file = writeKubeconfig(k, 'interactive', {
      exec: {apiVersion: V1, command: p.path, interactiveMode: 'IfAvailable'},
    })
    p.reset()
    const kc = kubectlOnTty(file, KUBECTL)
    await until('the plugin prompt on the terminal (kubectl)', 30_000, async () =>
      kc.output().includes('Enter the code shown in your browser'),
    )
    kc.child.stdin!.write('4242\r')
    expect(await kc.done, kc.output()).toBe(0)
    expect(p.runs()).toBe(1)
    p.reset()
    const run = startCliOnTty(OURS, {kubeconfig: file})
    await until('the plugin prompt on the terminal', 30_000, async () =>
      run.output().includes('Enter the code shown in your browser'),
    )
    run.child.stdin!.write('4242\r')
    const r = await run.done
    expect(r.code, run.output()).toBe(0)
    expect(run.output()).toContain('No resources found in default namespace')
    expect(p.runs()).toBe(1)
    // Without a terminal the same plugin is told so (interactive: false), and fails: one line.
    const piped = await cli(OURS, {kubeconfig: file})
    expect(piped.code).toBe(1)
    expect(piped.stderr).toContain('no terminal')
    oneLine(piped, p.path)
  })

  it('a missing command shows its installHint, as kubectl does', async () => {
    const hint = 'Install it-missing-plugin: https://example.invalid/install'
    const file = writeKubeconfig(k, 'missing', {
      exec: {apiVersion: V1, command: 'liqo-topology-it-missing-plugin', interactiveMode: 'Never', installHint: hint},
    })
    const {kc, ours} = await both(file)
    expect([kc.code, ours.code]).toEqual([1, 1])
    expect(kc.stderr).toContain(hint)
    expect(ours.stderr).toContain(`hint: ${hint}`)
    oneLine(ours, 'liqo-topology-it-missing-plugin')
  })

  it('a plugin that hangs ends with a clear error at --request-timeout (kubectl would wait for ever)', async () => {
    const p = writePlugin(k, 'hang', `setInterval(() => {}, 1000)`)
    const file = writeKubeconfig(k, 'hang', {exec: {apiVersion: V1, command: p.path, interactiveMode: 'Never'}})
    const r = await cli([...OURS, '--request-timeout', '3s'], {kubeconfig: file})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/did not answer within 3s and was stopped/)
    expect(r.stderr).toMatch(/hint: .*raise --request-timeout/)
    oneLine(r, p.path)
  })

  const bad: Array<[string, string, RegExp]> = [
    [
      'prints invalid JSON',
      `process.stdout.write('{"token": "SECRET-it-1"')`,
      /its output is not a JSON ExecCredential/,
    ],
    [
      'prints the wrong apiVersion',
      `process.stdout.write(JSON.stringify({apiVersion: '${V1B}', kind: 'ExecCredential', status: {token: ` +
        `'SECRET-it-1'}}))`,
      /configured to use API version .*v1, and it returned ".*v1beta1"/,
    ],
    [
      'exits non-zero',
      `process.stdout.write('SECRET-it-1'); process.stderr.write('plugin: login failed\\n'); process.exit(4)`,
      /it exited with code 4/,
    ],
  ]
  it.each(bad)(
    'a plugin that %s: one line naming the user and the plugin, exit 1 for both, nothing changed, no credential',
    async (name, body, reason) => {
      const p = writePlugin(k, `bad-${name.replace(/\W/g, '-')}`, body)
      const file = writeKubeconfig(k, `bad-${name.replace(/\W/g, '-')}`, {
        exec: {apiVersion: V1, command: p.path, interactiveMode: 'Never'},
      })
      const {kc, ours} = await both(file)
      expect([kc.code, ours.code]).toEqual([1, 1])
      expect(ours.stderr).toMatch(reason)
      oneLine(ours, p.path)
      noCredential(ours, 'SECRET-it-1')
      // its stderr reaches the user
      if (name === 'exits non-zero') expect(ours.stderr).toContain('plugin: login failed')
      // A change is refused the same way, before anything is written.
      const c = await admin()
      const versions = async () =>
        (
          (await c.get('/apis/discovery.liqo.io/v1alpha1/foreignclusters')) as {
            items: Array<{metadata: {name: string; resourceVersion: string}}>
          }
        ).items.map((i) => `${i.metadata.name}@${i.metadata.resourceVersion}`)
      const before = await versions()
      const change = await cli(['peer', 'disable', 'cluster-3', '--yes'], {kubeconfig: file})
      expect(change.code).toBe(1)
      oneLine(change, p.path)
      expect(await versions()).toEqual(before)
    },
  )

  describe('impersonation', () => {
    beforeAll(async () => {
      const c = await admin()
      await c
        .create(`${RBAC}/clusterroles`, {
          metadata: {name: 'it-exec-reader'},
          rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch']}],
        })
        .catch(() => undefined)
      await c
        .create(`${RBAC}/clusterrolebindings`, {
          metadata: {name: 'it-exec-reader'},
          roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'it-exec-reader'},
          subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'it-exec-dev'}],
        })
        .catch(() => undefined)
    })
    afterAll(async () => {
      const c = await admin()
      await c.delete(`${RBAC}/clusterrolebindings/it-exec-reader`)
      await c.delete(`${RBAC}/clusterroles/it-exec-reader`)
    })

    const as = {
      as: 'it-jane',
      'as-uid': 'it-uid-1',
      'as-groups': ['it-exec-dev', 'it-exec-ops'],
      'as-user-extra': {'acme.io/team': ['blue', 'green'], reason: ['conformance']},
    }
    const expected = {
      username: 'it-jane',
      uid: 'it-uid-1',
      groups: ['it-exec-dev', 'it-exec-ops', 'system:authenticated'],
      extra: {'acme.io/team': ['blue', 'green'], reason: ['conformance']},
    }

    it('user, uid, two groups and extra reach the API server as they do from kubectl (token user)', async () => {
      const file = writeKubeconfig(k, 'impersonate', {token: k.token, ...as})
      const {kc, ours, kcIds, oursIds} = await both(file)
      expect([kc.code, ours.code], ours.stderr + kc.stderr).toEqual([0, 0])
      expect(oursIds).toEqual(kcIds)
      expect(oursIds).toEqual([{user: 'admin', impersonated: expected}])
    })

    it('the same with an exec plugin, and -v 8 prints no credential', async () => {
      const p = writePlugin(k, 'imp-exec', `cred({token: ${JSON.stringify(k.token)}})`)
      const file = writeKubeconfig(k, 'imp-exec', {
        exec: {apiVersion: V1, command: p.path, interactiveMode: 'Never'},
        ...as,
      })
      p.reset()
      const {kc, ours, kcIds, oursIds} = await both(file, {ours: [...OURS, '-v', '8']})
      expect([kc.code, ours.code], ours.stderr).toEqual([0, 0])
      expect(p.runs()).toBe(2) // once each
      expect(oursIds).toEqual(kcIds)
      expect(oursIds).toEqual([{user: 'admin', impersonated: expected}])
      expect(ours.stderr).toContain('round_trippers.go') // -v 8 did log the requests
      noCredential(ours)
      expect(ours.stderr).not.toMatch(/Bearer/)
    })
  })
})
