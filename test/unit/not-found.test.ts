import {describe, expect, it} from 'vitest'

import {distance, suggest} from '../../src/cli/not-found.js'

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
})
