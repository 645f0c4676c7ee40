import {spawnSync} from 'node:child_process'

import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {rerunLine, shellQuote, Stage} from '../../src/toolkit/rerun.js'

describe('rerunLine', () => {
  it('adds the context and --yes to what the user typed', () => {
    expect(rerunLine('peer disable', ['cluster-3', '--timeout', '2m'], {context: 'kind-home', yes: true})).toBe('liqo-topology peer disable cluster-3 --timeout 2m --context kind-home --yes')
  })

  it('keeps a context and a --yes the user gave (any spelling)', () => {
    expect(rerunLine('cleanup', ['-n', 'x', '--context=a', '-y'], {context: 'a', yes: true})).toBe('liqo-topology cleanup -n x --context=a -y')
    expect(rerunLine('cleanup', ['-n', 'x', '--context', 'a', '--skip-confirm'], {context: 'a', yes: true})).toBe('liqo-topology cleanup -n x --context a --skip-confirm')
  })

  it('quotes what a shell would split or expand', () => {
    expect(rerunLine('cleanup', ['-n', "it's here", '--kubeconfig', '/tmp/a b/$HOME'])).toBe(`liqo-topology cleanup -n 'it'\\''s here' --kubeconfig '/tmp/a b/$HOME'`)
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

describe('Stage', () => {
  it('before anything changed: nothing was changed, no command to finish', () => {
    expect(new Stage('peer disable', ['cluster-3']).line()).toBe('interrupted: nothing was changed')
  })

  it('once a change is under way: the state, what was last seen, and the command that finishes it', () => {
    const s = new Stage('peer disable', ['--timeout', '1m'])
    s.set('the change was applied: peering to cluster-3 is disabled', {context: 'home', args: ['cluster-3']})
    expect(s.line('last seen: 1 pod still on cluster-3')).toBe(
      'interrupted: the change was applied: peering to cluster-3 is disabled; last seen: 1 pod still on cluster-3; finish with: liqo-topology peer disable cluster-3 --timeout 1m --context home --yes',
    )
  })

  it('one line, whatever the state says', () => {
    const s = new Stage('cleanup', ['-n', 'a'])
    s.set('cleanup stopped at step 2/4', {context: 'c'})
    expect(s.line()).not.toContain('\n')
  })
})
