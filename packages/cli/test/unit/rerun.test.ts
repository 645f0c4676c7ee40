import {spawnSync} from 'node:child_process'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {reachLine, rerunLine, shellQuote, Stage, withoutCredentials} from '../../src/toolkit/rerun.js'

describe('rerunLine', () => {
  it('adds the context and --yes to what the user typed', () => {
    expect(rerunLine('peer disable', ['cluster-3', '--timeout', '2m'], {context: 'kind-home', yes: true})).toBe(
      'liqo-topology peer disable cluster-3 --timeout 2m --context kind-home --yes',
    )
  })

  it('keeps a context and a --yes the user gave (any spelling)', () => {
    expect(rerunLine('cleanup', ['-n', 'x', '--context=a', '-y'], {context: 'a', yes: true})).toBe(
      'liqo-topology cleanup -n x --context=a -y',
    )
    expect(rerunLine('cleanup', ['-n', 'x', '--context', 'a', '--skip-confirm'], {context: 'a', yes: true})).toBe(
      'liqo-topology cleanup -n x --context a --skip-confirm',
    )
  })

  it('never prints --token: it leaves it out and says to add it back', () => {
    const line = rerunLine(
      'peer disable',
      ['cluster-3', '--server', 'https://h:6443', '--token', 's3cret', '--as', 'jane', '--token=again'],
      {yes: true},
    )
    expect(line).toBe(
      'liqo-topology peer disable cluster-3 --server https://h:6443 --as jane --yes (add the --token you ' +
        'gave: it is not printed)',
    )
    expect(line).not.toContain('s3cret')
    expect(line).not.toContain('again')
  })

  it('withoutCredentials leaves the words after -- alone', () => {
    expect(withoutCredentials(['-s', 'x', '--', '--token', 'y'])).toEqual({
      args: ['-s', 'x', '--', '--token', 'y'],
      leftOut: [],
    })
  })

  it('quotes what a shell would split or expand', () => {
    expect(rerunLine('cleanup', ['-n', "it's here", '--kubeconfig', '/tmp/a b/$HOME'])).toBe(
      `liqo-topology cleanup -n 'it'\\''s here' --kubeconfig '/tmp/a b/$HOME'`,
    )
  })

  it('property: a POSIX shell reads every quoted argument back exactly', () => {
    const arg = fc.string({unit: 'binary', minLength: 0, maxLength: 20}).filter((s) => !s.includes('\0'))
    fc.assert(
      fc.property(fc.array(arg, {maxLength: 4}), (args) => {
        const line = `printf '%s\\0' ${args.map(shellQuote).join(' ')}`
        const out = spawnSync('sh', ['-c', args.length ? line : 'true'], {encoding: 'utf8'}).stdout
        expect(args.length ? out.split('\0').slice(0, -1) : []).toEqual(args)
      }),
      {numRuns: 60},
    )
  })
})

describe('reachLine', () => {
  it('another command against the same cluster: the context, then the connection flags, the token named only', () => {
    const reach = {context: 'home', args: ['--server', 'https://h', '--as-group', 'dev ops'], leftOut: ['--token']}
    expect(reachLine('wait', ['-n', 'liqo-test', '--away-from', 'c3'], reach)).toBe(
      "liqo-topology wait -n liqo-test --away-from c3 --context home --server https://h --as-group 'dev ops' " +
        '(add the --token you gave: it is not printed)',
    )
  })

  it('no context (--server with no kubeconfig): no --context', () => {
    expect(reachLine('peer enable', ['c3'], {context: '', args: ['-s', 'https://h'], leftOut: []})).toBe(
      'liqo-topology peer enable c3 -s https://h',
    )
  })
})

describe('Stage', () => {
  it('commandLine carries the reach the command connected with', () => {
    const stage = new Stage('peer disable', ['c3', '--token', 't0k'])
    stage.reach = {context: 'home', args: ['--as', 'jane'], leftOut: ['--token']}
    expect(stage.commandLine('peer enable', ['c3'])).toBe(
      'liqo-topology peer enable c3 --context home --as jane (add the --token you gave: it is not printed)',
    )
    stage.set('the change was applied', {context: 'home'})
    expect(stage.line()).toBe(
      'interrupted: the change was applied; finish with: liqo-topology peer disable c3 --context home --yes ' +
        '(add the --token you gave: it is not printed)',
    )
  })

  it('before anything changed: nothing was changed, no command to finish', () => {
    expect(new Stage('peer disable', ['cluster-3']).line()).toBe('interrupted: nothing was changed')
  })

  it('once a change is under way: the state, what was last seen, and the command that finishes it', () => {
    const s = new Stage('peer disable', ['--timeout', '1m'])
    s.set('the change was applied: peering to cluster-3 is disabled', {context: 'home', args: ['cluster-3']})
    expect(s.line('last seen: 1 pod still on cluster-3')).toBe(
      'interrupted: the change was applied: peering to cluster-3 is disabled; last seen: 1 pod still on ' +
        'cluster-3; finish with: liqo-topology peer disable cluster-3 --timeout 1m --context home --yes',
    )
  })

  it('one line, whatever the state says', () => {
    const s = new Stage('cleanup', ['-n', 'a'])
    s.set('cleanup stopped at step 2/4', {context: 'c'})
    expect(s.line()).not.toContain('\n')
  })
})
