import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {UserError} from '../../src/toolkit/errors.js'
import {
  kubeconfigPaths,
  loadKubeconfig,
  mergeKubeconfigs,
  parseKubeconfig,
  resolveTarget,
  type Kubeconfig,
} from '../../src/k8s/kubeconfig.js'

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('mergeKubeconfigs', () => {
  it('keeps the first definition of each cluster, user and context name', () => {
    const merged = mergeKubeconfigs([
      {
        file: '/a',
        raw: {
          clusters: [{name: 'c1', cluster: {server: 'https://a'}}],
          users: [{name: 'u1', user: {token: 'from-a'}}],
          contexts: [{name: 'x', context: {cluster: 'c1', user: 'u1'}}],
        },
      },
      {
        file: '/b',
        raw: {
          clusters: [
            {name: 'c1', cluster: {server: 'https://b'}},
            {name: 'c2', cluster: {server: 'https://b2'}},
          ],
          users: [{name: 'u1', user: {token: 'from-b'}}],
          contexts: [
            {name: 'x', context: {cluster: 'c2', user: 'u1'}},
            {name: 'y', context: {cluster: 'c2'}},
          ],
        },
      },
    ])
    expect(merged.clusters).toEqual([
      {name: 'c1', cluster: {server: 'https://a'}},
      {name: 'c2', cluster: {server: 'https://b2'}},
    ])
    expect(merged.users).toEqual([{name: 'u1', user: {token: 'from-a'}}])
    expect(merged.contexts.map((c) => [c.name, c.context.cluster])).toEqual([
      ['x', 'c1'],
      ['y', 'c2'],
    ])
    expect(merged.files).toEqual(['/a', '/b'])
  })

  it('takes the first non-empty current-context', () => {
    const merged = mergeKubeconfigs([
      {file: '/a', raw: {}},
      {file: '/b', raw: {'current-context': ''}},
      {file: '/c', raw: {'current-context': 'second'}},
      {file: '/d', raw: {'current-context': 'third'}},
    ])
    expect(merged.currentContext).toBe('second')
  })

  it('tolerates null sections and entries without names or bodies', () => {
    const merged = mergeKubeconfigs([
      {file: '/a', raw: {clusters: null, users: null, contexts: null}},
      {
        file: '/b',
        raw: {clusters: [{name: 'c'} as never, {cluster: {server: 'x'}} as never], contexts: [{name: 'ctx'} as never]},
      },
    ])
    expect(merged.clusters).toEqual([{name: 'c', cluster: {}}])
    expect(merged.contexts).toEqual([{name: 'ctx', context: {}}])
    expect(merged.currentContext).toBe('')
  })
})

describe('kubeconfigPaths', () => {
  it('uses only --kubeconfig when given, resolved to an absolute path', () => {
    expect(kubeconfigPaths({kubeconfig: 'rel/config', env: {KUBECONFIG: '/x:/y', HOME: '/home/me'}})).toEqual({
      paths: [resolve('rel/config')],
      explicit: true,
    })
  })

  it('splits KUBECONFIG on ":", drops empty entries and duplicates, keeps order', () => {
    expect(kubeconfigPaths({env: {KUBECONFIG: '/b/config::/a/config:/b/config: ', HOME: '/home/me'}})).toEqual({
      paths: ['/b/config', '/a/config'],
      explicit: false,
    })
  })

  it('falls back to $HOME/.kube/config', () => {
    expect(kubeconfigPaths({env: {HOME: '/home/me'}})).toEqual({paths: ['/home/me/.kube/config'], explicit: false})
    expect(kubeconfigPaths({env: {KUBECONFIG: '', HOME: '/home/me'}})).toEqual({
      paths: ['/home/me/.kube/config'],
      explicit: false,
    })
  })
})

describe('parseKubeconfig', () => {
  it('makes relative certificate and key paths absolute against the file directory', () => {
    const raw = parseKubeconfig(
      [
        'clusters:',
        '- name: c',
        '  cluster: {server: "https://x", certificate-authority: certs/ca.crt}',
        '- name: abs',
        '  cluster: {server: "https://y", certificate-authority: /etc/ca.crt}',
        'users:',
        '- name: u',
        '  user: {client-certificate: u.crt, client-key: ../keys/u.key, tokenFile: tok}',
        '- name: data',
        '  user: {client-key-data: QUJD}',
      ].join('\n'),
      '/home/me/.kube/config',
    )
    expect(raw.clusters?.[0]?.cluster['certificate-authority']).toBe('/home/me/.kube/certs/ca.crt')
    expect(raw.clusters?.[1]?.cluster['certificate-authority']).toBe('/etc/ca.crt')
    expect(raw.users?.[0]?.user).toEqual({
      'client-certificate': '/home/me/.kube/u.crt',
      'client-key': '/home/me/keys/u.key',
      tokenFile: '/home/me/.kube/tok',
    })
    expect(raw.users?.[1]?.user).toEqual({'client-key-data': 'QUJD'})
  })

  it('returns an empty document for an empty file', () => {
    expect(parseKubeconfig('', '/x')).toEqual({})
    expect(parseKubeconfig('# nothing\n', '/x')).toEqual({})
  })

  it('throws a UserError naming the file for invalid YAML', () => {
    const e = catchError(() => parseKubeconfig('clusters: [\n  - name: : :\n', '/tmp/broken.yaml'))
    expect(e).toBeInstanceOf(UserError)
    expect((e as UserError).message).toMatch(/^kubeconfig "\/tmp\/broken.yaml" is not valid YAML: /)
    expect((e as UserError).message).not.toContain('\n')
    expect((e as UserError).hint).toBeTruthy()
  })

  it('says where the YAML breaks without quoting the file, which may hold a token', () => {
    const alias = catchError(() => parseKubeconfig('users:\n- name: u\n  user:\n    token: *s3cr3t-value\n', '/k'))
    expect((alias as UserError).message).toMatch(
      /^kubeconfig "\/k" is not valid YAML: unidentified alias at line 4, column \d+$/,
    )
    const tag = catchError(() => parseKubeconfig('users: !<tag:s3cr3t> x\n', '/k'))
    expect((tag as UserError).message).toMatch(
      /^kubeconfig "\/k" is not valid YAML: unknown tag at line 1, column \d+$/,
    )
    const malformed = catchError(() => parseKubeconfig('users: !%s3cr3t x\n', '/k'))
    expect((malformed as UserError).message).toMatch(
      /^kubeconfig "\/k" is not valid YAML: tag name is malformed at line 1, column \d+$/,
    )
  })

  it('throws a UserError when the document is not a mapping', () => {
    expect(() => parseKubeconfig('- a\n- b\n', '/x')).toThrow(UserError)
    expect(() => parseKubeconfig('just a string', '/x')).toThrow(/expected a YAML mapping/)
  })
})

describe('loadKubeconfig (real files)', () => {
  let dir: string
  const ctxFile = (name: string, server: string, current?: string) =>
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: ${name}, cluster: {server: "${server}", certificate-authority: ca.crt}}]`,
      `users: [{name: ${name}, user: {token: t-${name}}}]`,
      `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}}}]`,
      ...(current ? [`current-context: ${current}`] : []),
    ].join('\n')

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'))
    mkdirSync(join(dir, 'a'))
    mkdirSync(join(dir, 'b'))
    writeFileSync(join(dir, 'a', 'config'), ctxFile('one', 'https://one:6443/'))
    writeFileSync(join(dir, 'b', 'config'), ctxFile('two', 'https://two:6443', 'two'))
    mkdirSync(join(dir, 'home', '.kube'), {recursive: true})
    writeFileSync(join(dir, 'home', '.kube', 'config'), ctxFile('home', 'https://home', 'home'))
  })
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('reads an explicit --kubeconfig', () => {
    const cfg = loadKubeconfig({kubeconfig: join(dir, 'b', 'config'), env: {}})
    expect(cfg.files).toEqual([join(dir, 'b', 'config')])
    expect(cfg.currentContext).toBe('two')
    expect(cfg.clusters[0]?.cluster['certificate-authority']).toBe(join(dir, 'b', 'ca.crt'))
  })

  it('fails with a UserError naming a missing explicit file', () => {
    const missing = join(dir, 'nope', 'config')
    const e = catchError(() => loadKubeconfig({kubeconfig: missing, env: {KUBECONFIG: join(dir, 'a', 'config')}}))
    expect(e).toBeInstanceOf(UserError)
    expect((e as UserError).message).toContain(missing)
    expect((e as UserError).message).toContain('does not exist')
  })

  it('rejects a directory given as --kubeconfig', () => {
    expect(() => loadKubeconfig({kubeconfig: join(dir, 'a'), env: {}})).toThrow(/is a directory/)
  })

  it('merges a KUBECONFIG list, ignoring missing files, first current-context wins', () => {
    const list = [join(dir, 'missing'), join(dir, 'a', 'config'), join(dir, 'b', 'config')].join(':')
    const cfg = loadKubeconfig({env: {KUBECONFIG: list, HOME: join(dir, 'home')}})
    expect(cfg.files).toEqual([join(dir, 'a', 'config'), join(dir, 'b', 'config')])
    expect(cfg.contexts.map((c) => c.name)).toEqual(['one', 'two'])
    expect(cfg.currentContext).toBe('two')
    // each file's relative paths are resolved against its own directory
    expect(cfg.clusters.map((c) => c.cluster['certificate-authority'])).toEqual([
      join(dir, 'a', 'ca.crt'),
      join(dir, 'b', 'ca.crt'),
    ])
  })

  it('uses $HOME/.kube/config without KUBECONFIG', () => {
    const cfg = loadKubeconfig({env: {HOME: join(dir, 'home')}})
    expect(cfg.currentContext).toBe('home')
  })

  it('fails with a UserError listing what it looked at when no file exists', () => {
    const list = [join(dir, 'x1'), join(dir, 'x2')].join(':')
    const e = catchError(() => loadKubeconfig({env: {KUBECONFIG: list, HOME: join(dir, 'home')}}))
    expect(e).toBeInstanceOf(UserError)
    expect((e as UserError).message).toBe(`no kubeconfig found (looked at ${join(dir, 'x1')}, ${join(dir, 'x2')})`)
    expect((e as UserError).hint).toContain('KUBECONFIG')
  })

  it('resolves a target end to end, trimming the trailing slash of the server', () => {
    const cfg = loadKubeconfig({env: {KUBECONFIG: join(dir, 'a', 'config')}})
    const t = resolveTarget(cfg, 'one')
    expect(t.server).toBe('https://one:6443')
    expect(t.user).toEqual({token: 't-one'})
  })
})

describe('resolveTarget', () => {
  const config: Kubeconfig = {
    clusters: [
      {name: 'home', cluster: {server: 'https://home:6443//'}},
      {name: 'noserver', cluster: {}},
    ],
    users: [{name: 'admin', user: {token: 'secret'}}],
    contexts: [
      {name: 'home', context: {cluster: 'home', user: 'admin', namespace: 'team'}},
      {name: 'bare', context: {cluster: 'home'}},
      {name: 'broken', context: {cluster: 'noserver', user: 'admin'}},
      {name: 'dangling', context: {cluster: 'gone', user: 'admin'}},
    ],
    currentContext: 'home',
    files: ['/k/config'],
  }

  it('uses the current context by default', () => {
    const t = resolveTarget(config)
    expect(t).toMatchObject({
      context: 'home',
      clusterName: 'home',
      userName: 'admin',
      server: 'https://home:6443',
      namespace: 'team',
    })
    expect(t.user).toEqual({token: 'secret'})
    expect(t.config).toBe(config)
  })

  it('namespace precedence: explicit > context namespace > "default"', () => {
    expect(resolveTarget(config, 'home', 'explicit').namespace).toBe('explicit')
    expect(resolveTarget(config, 'home').namespace).toBe('team')
    expect(resolveTarget(config, 'bare').namespace).toBe('default')
    expect(resolveTarget(config, 'bare', '').namespace).toBe('default')
  })

  it('a context without a user gets an empty user', () => {
    const t = resolveTarget(config, 'bare')
    expect(t.userName).toBe('')
    expect(t.user).toEqual({})
  })

  it('an unknown context is a UserError listing the known contexts', () => {
    const e = catchError(() => resolveTarget(config, 'nope'))
    expect(e).toBeInstanceOf(UserError)
    expect((e as UserError).message).toBe('context "nope" does not exist in the kubeconfig')
    expect((e as UserError).hint).toBe('known contexts: home, bare, broken, dangling')
  })

  it('no current context and no --context is a UserError suggesting --context', () => {
    const e = catchError(() => resolveTarget({...config, currentContext: ''}))
    expect(e).toBeInstanceOf(UserError)
    expect((e as UserError).message).toMatch(/no current context/)
    expect((e as UserError).hint).toBe('pass --context (one of: home, bare, broken, dangling), or --server')
  })

  it('says so when the kubeconfig defines no contexts at all', () => {
    const empty: Kubeconfig = {clusters: [], users: [], contexts: [], currentContext: '', files: ['/k/config']}
    expect((catchError(() => resolveTarget(empty)) as UserError).hint).toBe('the kubeconfig defines no contexts')
    expect((catchError(() => resolveTarget(empty, 'x')) as UserError).hint).toContain('/k/config')
  })

  it('a context whose cluster has no server (or does not exist) is a UserError', () => {
    expect(() => resolveTarget(config, 'broken')).toThrow(/refers to cluster "noserver", which has no server/)
    expect(() => resolveTarget(config, 'dangling')).toThrow(UserError)
  })
})
