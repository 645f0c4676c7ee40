import {describe, expect, it} from 'vitest'

import {
  completionScript,
  typedFlag,
  typedFlags,
  whatToComplete,
  type CompletableCommand,
} from '../../src/cli/complete.js'

const kube = [
  {name: 'kubeconfig', takesValue: true},
  {name: 'context', takesValue: true},
  {name: 'cluster', takesValue: true},
  {name: 'user', takesValue: true},
  {name: 'server', char: 's', takesValue: true},
  {name: 'certificate-authority', takesValue: true},
  {name: 'as-group', takesValue: true},
  {name: 'insecure-skip-tls-verify', takesValue: false},
]
const commands: CompletableCommand[] = [
  {
    id: 'peer disable',
    arg: 'cluster',
    flags: [
      ...kube,
      {name: 'yes', char: 'y', takesValue: false},
      {name: 'output', char: 'o', takesValue: true, options: ['table', 'json', 'yaml']},
    ],
  },
  {id: 'peer enable', arg: 'cluster', flags: kube},
  {id: 'peer list', flags: kube},
  {
    id: 'pods where',
    flags: [...kube, {name: 'namespace', char: 'n', takesValue: true}, {name: 'watch', char: 'w', takesValue: false}],
  },
  {id: 'pods why', arg: 'pod', flags: [...kube, {name: 'namespace', char: 'n', takesValue: true}]},
  {
    id: 'cleanup',
    flags: [...kube, {name: 'namespace', char: 'n', takesValue: true}, {name: 'remote-context', takesValue: true}],
  },
  {id: 'status', flags: kube},
]

describe('whatToComplete', () => {
  it('completes command words, one level at a time', () => {
    expect(whatToComplete([''], commands)).toEqual({kind: 'words', words: ['cleanup', 'peer', 'pods', 'status']})
    expect(whatToComplete(['pe'], commands)).toEqual({kind: 'words', words: ['peer']})
    expect(whatToComplete(['peer', ''], commands)).toEqual({kind: 'words', words: ['disable', 'enable', 'list']})
    expect(whatToComplete(['peer', 'd'], commands)).toEqual({kind: 'words', words: ['disable']})
  })

  it('the <cluster> of peer disable|enable comes from the cluster, once', () => {
    expect(whatToComplete(['peer', 'disable', ''], commands)).toEqual({kind: 'cluster'})
    expect(whatToComplete(['peer', 'enable', '--context', 'x', 'clu'], commands)).toEqual({kind: 'cluster'})
    expect(whatToComplete(['peer', 'disable', 'cluster-3', ''], commands)).toEqual({kind: 'words', words: []})
    expect(whatToComplete(['peer', 'list', ''], commands)).toEqual({kind: 'words', words: []})
  })

  it('the POD of pods why comes from the cluster, after -n or not', () => {
    expect(whatToComplete(['pods', ''], commands)).toEqual({kind: 'words', words: ['where', 'why']})
    expect(whatToComplete(['pods', 'why', '-n', 'shop', 'web'], commands)).toEqual({kind: 'pod'})
    expect(whatToComplete(['pods', 'why', '-n', ''], commands)).toEqual({kind: 'namespace'})
  })

  it('flags, and flag values: options, live namespaces and contexts, files', () => {
    expect(whatToComplete(['peer', 'disable', '--y'], commands)).toEqual({kind: 'words', words: ['--yes']})
    expect(whatToComplete(['peer', 'disable', '-o', 'j'], commands)).toEqual({kind: 'words', words: ['json']})
    expect(whatToComplete(['peer', 'disable', '--output=y'], commands)).toEqual({
      kind: 'words',
      words: ['--output=yaml'],
    })
    expect(whatToComplete(['pods', 'where', '-n', ''], commands)).toEqual({kind: 'namespace'})
    expect(whatToComplete(['pods', 'where', '--context', 'k'], commands)).toEqual({kind: 'context'})
    expect(whatToComplete(['cleanup', '--remote-context', ''], commands)).toEqual({kind: 'context'})
    expect(whatToComplete(['status', '--kubeconfig', '/tm'], commands)).toEqual({kind: 'files'})
  })

  it("kubectl's connection flags: --user and --cluster from the kubeconfig, --certificate-authority a file", () => {
    expect(whatToComplete(['peer', 'list', '--user', ''], commands)).toEqual({kind: 'kubeconfig-user'})
    expect(whatToComplete(['peer', 'list', '--cluster=c'], commands)).toEqual({kind: 'kubeconfig-cluster'})
    expect(whatToComplete(['status', '--certificate-authority', ''], commands)).toEqual({kind: 'files'})
    expect(whatToComplete(['status', '-s', 'https://h', '--insecure-skip-tls-verify', ''], commands)).toEqual({
      kind: 'words',
      words: [],
    })
    expect(whatToComplete(['status', '--as'], commands)).toEqual({kind: 'words', words: ['--as-group']})
  })

  it('reads the connection flags typed so far (short -s, repeated --as-group), for the live lookups', () => {
    const words = ['peer', 'disable', '-s', 'https://h', '--as-group', 'a', '--as-group=b', '']
    expect(typedFlag(words, 'server', 's')).toBe('https://h')
    expect(typedFlags(words, 'as-group')).toEqual(['a', 'b'])
  })

  it('reads --context and --kubeconfig from what was typed, for the live lookups', () => {
    expect(typedFlag(['peer', 'disable', '--context', 'home', ''], 'context')).toBe('home')
    expect(typedFlag(['--kubeconfig=/k', 'peer'], 'kubeconfig')).toBe('/k')
    expect(typedFlag(['peer'], 'context')).toBeUndefined()
  })

  it('writes a bash and a zsh script that call __complete', () => {
    expect(completionScript('bash', 'liqo-topology')).toMatch(/complete -F _liqo_topology liqo-topology/)
    expect(completionScript('zsh', 'liqo-topology')).toMatch(/^#compdef liqo-topology/)
  })
})
