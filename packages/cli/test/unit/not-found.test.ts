import {describe, expect, it} from 'vitest'

import {distance, missingLab, suggest, suggestWithArgs} from '../../src/cli/not-found.js'

describe('unknown command suggestions', () => {
  it('measures edit distance', () => {
    expect(distance('where', 'wher')).toBe(1)
    expect(distance('disable', 'disabel')).toBe(2)
    expect(distance('', 'abc')).toBe(3)
  })
  it('suggests the closest command, and nothing for far-off input', () => {
    const known = ['pods where', 'peer disable', 'peer enable', 'peer list', 'wait', 'cleanup', 'status']
    expect(suggest('pods wher', known)).toBe('pods where')
    expect(suggest('peer disabel', known)).toBe('peer disable')
    expect(suggest('stauts', known)).toBe('status')
    expect(suggest('frobnicate', known)).toBeUndefined()
  })
  it('suggests also when the mistyped command is followed by arguments, keeping them', () => {
    const known = ['pods where', 'peer disable', 'peer enable', 'peer list', 'wait', 'cleanup', 'status']
    expect(suggestWithArgs('peer disabel cluster-3', known)).toBe('peer disable cluster-3')
    expect(suggestWithArgs('pods wher -n liqo-test', known)).toBe('pods where -n liqo-test')
    expect(suggestWithArgs('frobnicate cluster-3', known)).toBeUndefined()
  })
  it('says in one line how to get the lab when its plugin is not installed', () => {
    const core = ['pods where', 'peer disable', 'status']
    expect(missingLab('lab up', core, 'liqo-topology')).toBe(
      'error: "liqo-topology lab up" needs the lab, which is not installed: npm install -g @liqo-topology/lab\n',
    )
    expect(missingLab('lab', core, 'liqo-topology')).toMatch(/^error: .*npm install -g @liqo-topology\/lab\n$/)
    expect(missingLab('lab up', [...core, 'lab up', 'lab down'], 'liqo-topology')).toBeUndefined()
    expect(missingLab('labs', core, 'liqo-topology')).toBeUndefined()
    expect(missingLab('pods wher', core, 'liqo-topology')).toBeUndefined()
  })
})
