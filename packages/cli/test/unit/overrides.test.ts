import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {normalizeBooleanFlags} from '../../src/cli/flags.js'
import {mergeKubeconfigs, resolveTarget, type Kubeconfig, type KubeTarget} from '../../src/k8s/kubeconfig.js'
import {overrideArgs, type ConnectionOverrides} from '../../src/k8s/overrides.js'
import {UsageError, UserError} from '../../src/toolkit/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'overrides-'))
const flagCa = join(dir, 'flag-ca.crt')
writeFileSync(flagCa, 'not parsed here')
const readableTokenFile = join(dir, 'token')
writeFileSync(readableTokenFile, 'file-token')
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A kubeconfig with every field the flags can override, and entries for --user/--cluster to pick. */
const config: Kubeconfig = mergeKubeconfigs([
  {
    file: '/k/config',
    raw: {
      'current-context': 'home',
      clusters: [
        {
          name: 'c-home',
          cluster: {
            server: 'https://home:6443',
            'certificate-authority-data': 'Q0E=',
            'tls-server-name': 'home.internal',
          },
        },
        {name: 'c-other', cluster: {server: 'https://other:6443', 'insecure-skip-tls-verify': true}},
        {name: 'c-bare', cluster: {}},
      ],
      users: [
        {
          name: 'u-home',
          user: {token: 'kubeconfig-token', as: 'kc-as', 'as-groups': ['kc-g1', 'kc-g2'], 'as-uid': 'kc-uid'},
        },
        {
          name: 'u-exec',
          user: {
            exec: {command: 'get-token', apiVersion: 'client.authentication.k8s.io/v1'},
            'client-certificate-data': 'Q0VSVA==',
            'client-key-data': 'S0VZ',
          },
        },
        {name: 'u-file', user: {tokenFile: '/nonexistent/token'}},
        {name: 'u-readable-file', user: {tokenFile: readableTokenFile, token: 'kubeconfig-token'}},
        {name: 'u-basic', user: {username: 'jane', password: 'secret'}},
        {name: 'u-groups-only', user: {token: 't', 'as-groups': ['g']}},
      ],
      contexts: [
        {name: 'home', context: {cluster: 'c-home', user: 'u-home', namespace: 'team'}},
        {name: 'exec', context: {cluster: 'c-other', user: 'u-exec'}},
        {name: 'basic', context: {cluster: 'c-home', user: 'u-basic'}},
        {name: 'groups-only', context: {cluster: 'c-home', user: 'u-groups-only'}},
        {name: 'noserver', context: {cluster: 'c-bare', user: 'u-home'}},
      ],
    },
  },
])
const none = mergeKubeconfigs([])

type Pick = (t: KubeTarget) => unknown
interface Case {
  name: string
  context?: string
  config?: Kubeconfig
  o: ConnectionOverrides
  /** What the target looks like afterwards: each picked value. */
  expect: Array<[Pick, unknown]>
}

const server = (t: KubeTarget) => t.server
const cluster = (k: string) => (t: KubeTarget) => t.cluster[k]
const user = (k: string) => (t: KubeTarget) => t.user[k]

const cases: Case[] = [
  {
    name: 'no flags: the context as the kubeconfig says',
    o: {},
    expect: [
      [server, 'https://home:6443'],
      [cluster('tls-server-name'), 'home.internal'],
      [user('token'), 'kubeconfig-token'],
      [(t) => t.namespace, 'team'],
    ],
  },
  {
    name: '--server replaces the server, keeps the CA, drops the kubeconfig tls-server-name',
    o: {server: 'https://elsewhere:443/'},
    expect: [
      [server, 'https://elsewhere:443'],
      [cluster('certificate-authority-data'), 'Q0E='],
      [cluster('tls-server-name'), undefined],
      [(t) => t.context, 'home'],
    ],
  },
  {
    name: '--server with --tls-server-name keeps the flag value',
    o: {server: 'https://elsewhere', tlsServerName: 'n'},
    expect: [[cluster('tls-server-name'), 'n']],
  },
  {
    name: '--tls-server-name alone replaces the kubeconfig one',
    o: {tlsServerName: 'flag.name'},
    expect: [
      [cluster('tls-server-name'), 'flag.name'],
      [server, 'https://home:6443'],
    ],
  },
  {
    name: '--server without a scheme and with a CA is https',
    config: none,
    o: {server: '10.0.0.1:6443', certificateAuthority: flagCa},
    expect: [[server, 'https://10.0.0.1:6443']],
  },
  {
    name: '--server without a scheme and without TLS is http (as client-go)',
    config: none,
    o: {server: '10.0.0.1:8080'},
    expect: [[server, 'http://10.0.0.1:8080']],
  },
  {
    name: '--server, --token and --certificate-authority with no kubeconfig at all',
    config: none,
    o: {server: 'https://10.0.0.1:6443', token: 'flag-token', certificateAuthority: flagCa},
    expect: [
      [(t) => [t.context, t.clusterName, t.userName, t.namespace], ['', '', '', 'default']],
      [user('token'), 'flag-token'],
      [cluster('certificate-authority'), flagCa],
    ],
  },
  {
    name: '--certificate-authority replaces the kubeconfig CA data and insecure',
    context: 'exec',
    o: {certificateAuthority: flagCa},
    expect: [
      [cluster('certificate-authority'), flagCa],
      [cluster('certificate-authority-data'), undefined],
      [cluster('insecure-skip-tls-verify'), undefined],
    ],
  },
  {
    name: '--insecure-skip-tls-verify clears the kubeconfig CA',
    o: {insecureSkipTlsVerify: true},
    expect: [
      [cluster('insecure-skip-tls-verify'), true],
      [cluster('certificate-authority-data'), undefined],
      [cluster('certificate-authority'), undefined],
    ],
  },
  {
    name: '--insecure-skip-tls-verify=false leaves the kubeconfig as it is',
    context: 'exec',
    o: {insecureSkipTlsVerify: false},
    expect: [[cluster('insecure-skip-tls-verify'), true]],
  },
  {name: '--token replaces the kubeconfig token', o: {token: 'flag-token'}, expect: [[user('token'), 'flag-token']]},
  {
    name: '--token replaces an exec plugin but keeps the client certificate (client-go sends both)',
    context: 'exec',
    o: {token: 'flag-token'},
    expect: [
      [user('exec'), undefined],
      [user('token'), 'flag-token'],
      [user('client-certificate-data'), 'Q0VSVA=='],
    ],
  },
  {
    name: '--token on a user whose tokenFile reads: the file wins, as client-go sends the file first',
    o: {user: 'u-readable-file', token: 'flag-token'},
    expect: [
      [user('tokenFile'), readableTokenFile],
      [user('token'), undefined],
    ],
  },
  {
    name: '--token on a user whose tokenFile does not read: the flag token (client-go falls back to it)',
    o: {user: 'u-file', token: 'flag-token'},
    expect: [
      [user('tokenFile'), undefined],
      [user('token'), 'flag-token'],
    ],
  },
  {
    name: '--user picks another user entry, the context keeps its cluster',
    o: {user: 'u-exec'},
    expect: [
      [(t) => [t.userName, t.clusterName], ['u-exec', 'c-home']],
      [user('token'), undefined],
    ],
  },
  {
    name: '--cluster picks another cluster entry, the context keeps its user',
    o: {cluster: 'c-other'},
    expect: [[(t) => [t.userName, t.clusterName, t.server], ['u-home', 'c-other', 'https://other:6443']]],
  },
  {
    name: '--cluster and --user need no context',
    config: {...config, currentContext: ''},
    o: {cluster: 'c-other', user: 'u-file'},
    expect: [[(t) => [t.context, t.clusterName, t.userName], ['', 'c-other', 'u-file']]],
  },
  {
    name: '--server on a cluster entry with no server',
    context: 'noserver',
    o: {server: 'https://x'},
    expect: [[server, 'https://x']],
  },
  {
    name: '--as replaces the user and keeps the kubeconfig groups and uid',
    o: {as: 'flag-as'},
    expect: [
      [user('as'), 'flag-as'],
      [user('as-groups'), ['kc-g1', 'kc-g2']],
      [user('as-uid'), 'kc-uid'],
    ],
  },
  {
    name: '--as-group twice replaces the whole group list',
    o: {asGroups: ['a', 'b']},
    expect: [
      [user('as-groups'), ['a', 'b']],
      [user('as'), 'kc-as'],
    ],
  },
  {name: '--as-uid replaces the uid', o: {asUid: 'flag-uid'}, expect: [[user('as-uid'), 'flag-uid']]},
  {
    name: '--as fixes a kubeconfig user with groups but no as',
    context: 'groups-only',
    o: {as: 'x'},
    expect: [
      [user('as'), 'x'],
      [user('as-groups'), ['g']],
    ],
  },
  {
    name: 'empty values are not overrides (as clientcmd)',
    o: {server: '', token: '', as: '', asGroups: ['']},
    expect: [
      [server, 'https://home:6443'],
      [user('token'), 'kubeconfig-token'],
      [user('as-groups'), ['kc-g1', 'kc-g2']],
    ],
  },
]

describe('resolveTarget with kubectl connection flags (clientcmd precedence)', () => {
  it.each(cases)('$name', (c) => {
    const t = resolveTarget(c.config ?? config, c.context, undefined, c.o)
    for (const [pick, want] of c.expect) expect(pick(t)).toEqual(want)
  })

  it('does not change the kubeconfig entries it merges into', () => {
    resolveTarget(config, undefined, undefined, {server: 'https://x', token: 't', as: 'a', insecureSkipTlsVerify: true})
    expect(config.clusters[0]!.cluster).toEqual({
      server: 'https://home:6443',
      'certificate-authority-data': 'Q0E=',
      'tls-server-name': 'home.internal',
    })
    expect(config.users[0]!.user.token).toBe('kubeconfig-token')
  })
})

const errors: Array<{
  name: string
  context?: string
  config?: Kubeconfig
  o: ConnectionOverrides
  type: typeof UserError | typeof UsageError
  message: RegExp
}> = [
  {
    name: '--as-group with no user to impersonate',
    context: 'exec',
    o: {asGroups: ['g']},
    type: UsageError,
    message: /--as-group needs a user to impersonate: pass --as too/,
  },
  {
    name: '--as-uid with no user to impersonate',
    context: 'exec',
    o: {asUid: 'u'},
    type: UsageError,
    message: /--as-uid needs a user/,
  },
  {
    name: 'a kubeconfig user with groups and no as',
    context: 'groups-only',
    o: {},
    type: UserError,
    message: /impersonate a uid, groups or extra without a user/,
  },
  {
    name: '--certificate-authority with --insecure-skip-tls-verify',
    o: {certificateAuthority: flagCa, insecureSkipTlsVerify: true},
    type: UsageError,
    message: /cannot be used together/,
  },
  {
    name: '--certificate-authority that cannot be read',
    o: {certificateAuthority: join(dir, 'missing.crt')},
    type: UserError,
    message: /cannot read --certificate-authority ".*missing.crt": no such file/,
  },
  {
    name: '--user that does not exist',
    o: {user: 'nobody'},
    type: UserError,
    message: /^user "nobody" does not exist in the kubeconfig$/,
  },
  {
    name: '--cluster that does not exist',
    o: {cluster: 'nowhere'},
    type: UserError,
    message: /^cluster "nowhere" does not exist in the kubeconfig$/,
  },
  {
    name: '--token on a username/password user',
    context: 'basic',
    o: {token: 't'},
    type: UsageError,
    message: /more than one authentication method for user "u-basic".*--token was given/,
  },
  {
    name: 'no kubeconfig and no --server',
    config: none,
    o: {token: 't'},
    type: UserError,
    message: /no current context/,
  },
  {
    name: '--context that does not exist, even with --server',
    context: 'nope',
    o: {server: 'https://x'},
    type: UserError,
    message: /context "nope" does not exist/,
  },
]

describe('resolveTarget refuses what kubectl refuses', () => {
  it.each(errors)('$name', (c) => {
    let err: unknown
    try {
      resolveTarget(c.config ?? config, c.context, undefined, c.o)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(c.type)
    expect((err as Error).message).toMatch(c.message)
    expect((err as Error).message).not.toContain('\n')
  })
})

describe('overrideArgs', () => {
  it('gives the flags back in kubectl spelling, the token left out', () => {
    const o: ConnectionOverrides = {
      server: 'https://x',
      token: 'secret',
      user: 'u',
      cluster: 'c',
      as: 'a',
      asGroups: ['g1', 'g2'],
      asUid: 'id',
      insecureSkipTlsVerify: true,
      tlsServerName: 'n',
    }
    const {args, leftOut} = overrideArgs(o)
    expect(args.join(' ')).toBe(
      '--cluster c --user u --server https://x --insecure-skip-tls-verify --tls-server-name n --as a --as-uid ' +
        'id --as-group g1 --as-group g2',
    )
    expect(args).not.toContain('secret')
    expect(leftOut).toEqual(['--token'])
  })
})

describe('normalizeBooleanFlags', () => {
  it('reads --insecure-skip-tls-verify=<bool> as pflag does', () => {
    expect(normalizeBooleanFlags(['--insecure-skip-tls-verify=true', 'x'])).toEqual(['--insecure-skip-tls-verify', 'x'])
    expect(normalizeBooleanFlags(['--insecure-skip-tls-verify=1'])).toEqual(['--insecure-skip-tls-verify'])
    expect(normalizeBooleanFlags(['--insecure-skip-tls-verify=False', 'y'])).toEqual(['y'])
    expect(normalizeBooleanFlags(['--insecure-skip-tls-verify=maybe'])).toEqual(['--insecure-skip-tls-verify=maybe'])
    expect(normalizeBooleanFlags(['--', '--insecure-skip-tls-verify=true'])).toEqual([
      '--',
      '--insecure-skip-tls-verify=true',
    ])
  })
})
