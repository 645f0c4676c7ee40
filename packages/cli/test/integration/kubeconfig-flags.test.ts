/**
 * kubectl's global connection flags, side by side with kubectl: each case runs the lab's kubectl and
 * liqo-topology with the same flags against the lab's real API server, and expects the same outcome
 * (both succeed, or both fail) and, in the home API server's audit log, the same identity: the
 * authenticated user and the impersonated user, groups and uid. Bad input is refused by both, by
 * ours in one line with exit 2, before any request.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadKubeconfig} from '../../src/k8s/kubeconfig.js'
import {auditEvents, cli, collect, lab, labState, skipNote, until, type RunResult} from '../helpers/lab.js'

interface Identity {
  user: string
  as?: string
  groups?: string[]
  uid?: string
}

/** What the audit log says about who made a request (the fields compared between the two tools). */
interface IdentityEvent {
  userAgent?: string
  user: {username?: string}
  impersonatedUser?: {username?: string; groups?: string[]; uid?: string}
  stageTimestamp: string
}

let dir: string
let caFile: string
let server: string
let tokens: Record<string, string>
/** A home with no kubeconfig, for the runs that must not find one. */
let emptyHome: string

beforeAll(() => {
  if (!lab) return
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-flags-'))
  emptyHome = join(dir, 'home')
  const config = loadKubeconfig({kubeconfig: lab.kubeconfig})
  const home = config.clusters.find((c) => c.name === 'cluster-1')!.cluster
  caFile = join(dir, 'ca.crt')
  writeFileSync(caFile, Buffer.from(String(home['certificate-authority-data']), 'base64'))
  server = String(home.server)
  tokens = labState().clusters.find((c) => c.name === 'cluster-1')!.tokens
})
afterAll(() => dir && rmSync(dir, {recursive: true, force: true}))

/** Which kubeconfig a run gets: the lab's (true), none at all (false), or this file. */
type KubeconfigChoice = boolean | string

/** The lab's kubectl, with the lab's kubeconfig, none at all, or another file. */
function kubectlRun(args: string[], kubeconfig: KubeconfigChoice): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = {...process.env, HOME: emptyHome}
  delete env.KUBECONFIG
  if (kubeconfig !== false) env.KUBECONFIG = kubeconfig === true ? lab!.kubeconfig : kubeconfig
  return collect(spawn(join(labState().binDir, 'kubectl'), args, {env, stdio: ['pipe', 'pipe', 'pipe']}))
}

function ourRun(args: string[], kubeconfig: KubeconfigChoice): Promise<RunResult> {
  if (kubeconfig === false) return cli(args, {kubeconfig: null, env: {HOME: emptyHome}})
  return cli(args, kubeconfig === true ? {} : {kubeconfig})
}

/** The identities the home API server saw from one tool since `since`. */
function identities(agent: string, since: number): Identity[] {
  const seen = new Map<string, Identity>()
  for (const e of auditEvents(since) as unknown as IdentityEvent[]) {
    if (!e.userAgent?.startsWith(agent)) continue
    const i = e.impersonatedUser
    const id: Identity = {
      user: e.user.username ?? '',
      ...(i ? {as: i.username, groups: [...(i.groups ?? [])].sort(), uid: i.uid} : {}),
    }
    seen.set(JSON.stringify(id), id)
  }
  return [...seen.values()]
}

interface Outcome {
  ok: boolean
  who: Identity[]
  run: RunResult
}

/** Runs one tool and reads what the API server saw of it (waiting for the log when it must show something). */
async function observe(
  tool: 'kubectl' | 'liqo-topology',
  args: string[],
  withKubeconfig: KubeconfigChoice,
  expectRequests: boolean,
): Promise<Outcome> {
  const since = Date.now()
  const run =
    tool === 'kubectl'
      ? await kubectlRun(['get', 'namespaces', '-o', 'name', ...args], withKubeconfig)
      : await ourRun(['peer', 'list', ...args], withKubeconfig)
  const agent = tool === 'kubectl' ? 'kubectl' : 'liqo-topology'
  const who = expectRequests
    ? await until(
        `${tool}'s requests in the audit log`,
        10_000,
        async () => identities(agent, since).length > 0 && identities(agent, since),
      )
    : identities(agent, since)
  return {ok: run.code === 0, who, run}
}

/** Both tools with the same flags: same success, same identities. Returns ours for further checks. */
async function sameAsKubectl(
  flags: string[],
  o: {kubeconfig?: KubeconfigChoice; expect: Identity[]; ok: boolean},
): Promise<Outcome> {
  const withKubeconfig = o.kubeconfig ?? true
  const theirs = await observe('kubectl', flags, withKubeconfig, true)
  const ours = await observe('liqo-topology', flags, withKubeconfig, true)
  expect({ok: theirs.ok, who: theirs.who}, `kubectl: ${theirs.run.stderr}`).toEqual({ok: o.ok, who: o.expect})
  expect({ok: ours.ok, who: ours.who}, `liqo-topology: ${ours.run.stderr}`).toEqual({ok: o.ok, who: o.expect})
  expect(ours.run.stdout + ours.run.stderr).not.toContain(tokens.admin!)
  expect(ours.run.stdout + ours.run.stderr).not.toContain(tokens.readonly!)
  return ours
}

describe.skipIf(!lab)(`kubectl's global connection flags, side by side with kubectl${skipNote}`, () => {
  it('--server, --token and --certificate-authority with no kubeconfig at all (-v 8 logs no token)', async () => {
    await sameAsKubectl(['--server', server, '--token', tokens.admin!, '--certificate-authority', caFile, '-v', '8'], {
      kubeconfig: false,
      ok: true,
      expect: [{user: 'admin'}],
    })
  })

  it('-s is --server; on a context, it replaces the cluster server and keeps the user', async () => {
    await sameAsKubectl(['--context', 'cluster-2', '-s', server, '--token', tokens.readonly!], {
      ok: true,
      expect: [{user: 'readonly'}],
    })
  })

  it("--token on a user with a tokenFile: the file's token goes out, as client-go reads the file first", async () => {
    const file = join(dir, 'token-file-user.kubeconfig')
    const tokenFile = join(dir, 'readonly.token')
    writeFileSync(tokenFile, tokens.readonly!)
    const cluster = {server, 'certificate-authority': caFile}
    const kubeconfig = {
      clusters: [{name: 'c', cluster}],
      users: [{name: 'u', user: {tokenFile}}],
      contexts: [{name: 'x', context: {cluster: 'c', user: 'u'}}],
      'current-context': 'x',
    }
    writeFileSync(file, JSON.stringify(kubeconfig))
    await sameAsKubectl(['--token', tokens.admin!], {kubeconfig: file, ok: true, expect: [{user: 'readonly'}]})
  })

  it('--user picks another user entry of the kubeconfig', async () => {
    await sameAsKubectl(['--context', 'cluster-1', '--user', 'cluster-1-readonly'], {
      ok: true,
      expect: [{user: 'readonly'}],
    })
  })

  it('--cluster picks another cluster entry; with --user, the context is only a starting point', async () => {
    await sameAsKubectl(['--context', 'cluster-2', '--cluster', 'cluster-1', '--user', 'cluster-1-readonly'], {
      ok: true,
      expect: [{user: 'readonly'}],
    })
  })

  it(
    "--cluster alone keeps the context's user: cluster-2's token is unknown to cluster-1, both are " + 'refused',
    async () => {
      const ours = await sameAsKubectl(['--context', 'cluster-2', '--cluster', 'cluster-1'], {
        ok: false,
        expect: [{user: ''}],
      })
      expect(ours.run.code).toBe(1)
    },
  )

  it('--as, --as-group twice and --as-uid: the same impersonated identity, one group per header', async () => {
    // The API server adds system:authenticated to the groups it impersonates.
    const who = {user: 'admin', as: 'jane', groups: ['ops', 'system:authenticated', 'system:masters'], uid: '42'}
    await sameAsKubectl(
      ['--context', 'cluster-1', '--as', 'jane', '--as-group', 'system:masters', '--as-group', 'ops', '--as-uid', '42'],
      {ok: true, expect: [who]},
    )
  })

  it('--as alone, as a user with no rights: both are forbidden as that user', async () => {
    await sameAsKubectl(['--context', 'cluster-1', '--as', 'nobody-at-all'], {
      ok: false,
      expect: [{user: 'admin', as: 'nobody-at-all', groups: ['system:authenticated'], uid: undefined}],
    })
  })

  it('--insecure-skip-tls-verify replaces the kubeconfig CA (and ours says so)', async () => {
    const ours = await sameAsKubectl(['--context', 'cluster-1', '--insecure-skip-tls-verify'], {
      ok: true,
      expect: [{user: 'admin'}],
    })
    expect(ours.run.stderr).toMatch(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /^warning: the server certificate of cluster "cluster-1" \(context "cluster-1"\) is not verified: --insecure-skip-tls-verify is given$/m,
    )
  })

  it('--insecure-skip-tls-verify=true with --server and no CA at all', async () => {
    await sameAsKubectl(['--server', server, '--token', tokens.admin!, '--insecure-skip-tls-verify=true'], {
      kubeconfig: false,
      ok: true,
      expect: [{user: 'admin'}],
    })
  })

  it('--tls-server-name: a name in the certificate is accepted, another is refused before any request', async () => {
    const byName = server.replace('127.0.0.1', 'localhost')
    await sameAsKubectl(
      [
        '--server',
        byName,
        '--token',
        tokens.admin!,
        '--certificate-authority',
        caFile,
        '--tls-server-name',
        'localhost',
      ],
      {kubeconfig: false, ok: true, expect: [{user: 'admin'}]},
    )
    const bad = ['--context', 'cluster-1', '--tls-server-name', 'not-in-the-certificate.example']
    const theirs = await observe('kubectl', bad, true, false)
    const ours = await observe('liqo-topology', bad, true, false)
    expect([theirs.ok, theirs.who]).toEqual([false, []])
    expect([ours.ok, ours.who]).toEqual([false, []])
    expect(ours.run.stderr).toMatch(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /^error: Unable to connect to the server .*: the server certificate does not match the name checked: .*not-in-the-certificate\.example.*localhost/m,
    )
  })
})

describe.skipIf(!lab)(`bad connection flags: refused as kubectl refuses them, in one line${skipNote}`, () => {
  const refused = async (flags: string[], message: RegExp, withKubeconfig = true) => {
    const theirs = await observe('kubectl', flags, withKubeconfig, false)
    const ours = await observe('liqo-topology', flags, withKubeconfig, false)
    expect([theirs.ok, theirs.who], theirs.run.stderr).toEqual([false, []])
    expect([ours.run.code, ours.who]).toEqual([2, []])
    const lines = ours.run.stderr.trim().split('\n')
    expect(lines[0]).toMatch(message)
    expect(lines.length).toBeLessThanOrEqual(2) // the error, and at most a hint
    expect(ours.run.stdout).toBe('')
  }

  it('--as-group without --as', async () => {
    await refused(
      ['--context', 'cluster-1', '--as-group', 'dev'],
      /^error: --as-group needs a user to impersonate: pass --as too/,
    )
  })

  it('--as-uid without --as', async () => {
    await refused(['--context', 'cluster-1', '--as-uid', '7'], /^error: --as-uid needs a user to impersonate/)
  })

  it('--certificate-authority with --insecure-skip-tls-verify', async () => {
    await refused(
      ['--context', 'cluster-1', '--certificate-authority', caFile, '--insecure-skip-tls-verify'],
      /^error: --certificate-authority and --insecure-skip-tls-verify cannot be used together$/,
    )
  })

  it('a mistyped command with --token: the suggestion repeats the rest, never the token', async () => {
    const r = await cli(['peer', 'disabel', 'cluster-3', '--token', tokens.admin!, '--as', 'jane'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      'hint: did you mean "liqo-topology peer disable cluster-3 --as jane"? (add the --token you gave: it is ' +
        'not printed)',
    )
    expect(r.stderr).not.toContain(tokens.admin!)
  })

  it('--user that the kubeconfig does not have: one line, exit 1 as kubectl', async () => {
    const theirs = await observe('kubectl', ['--user', 'nobody'], true, false)
    const ours = await observe('liqo-topology', ['--user', 'nobody'], true, false)
    expect(theirs.ok).toBe(false)
    expect(theirs.run.code).toBe(1)
    expect(ours.run.code).toBe(1)
    expect(ours.run.stderr.split('\n')[0]).toBe('error: user "nobody" does not exist in the kubeconfig')
  })
})
