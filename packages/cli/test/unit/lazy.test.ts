/**
 * toolkit/lazy.ts: on-demand imports go through the thunk (plain bundle, sources), or through the
 * loader that the start-up snapshot installs, with the same specifier; byName orders as kubectl.
 */
import fc from 'fast-check'
import {afterEach, describe, expect, it} from 'vitest'

import {lazyImport, setLazyLoader} from '../../src/toolkit/lazy.js'
import {byName} from '../../src/toolkit/text.js'

describe('lazyImport', () => {
  afterEach(() => delete (globalThis as Record<string, unknown>).__liqoTopologyImport)

  it('without a loader, runs the import itself', async () => {
    const m = await lazyImport('node:path', () => import('node:path'))
    expect(typeof m.join).toBe('function')
  })

  it('with the snapshot loader installed, asks it for the same specifier and never runs the thunk', async () => {
    const asked: string[] = []
    setLazyLoader(async (s) => {
      asked.push(s)
      return {from: 'loader'}
    })
    const m = await lazyImport('ora', () => Promise.reject(new Error('the thunk ran')))
    expect(m).toEqual({from: 'loader'})
    expect(asked).toEqual(['ora'])
  })
})

describe('byName', () => {
  it('orders as kubectl does (by code units), a total order consistent with ===', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (xs) => {
        const sorted = [...xs].sort(byName)
        expect(sorted).toEqual([...xs].sort())
        for (const a of xs.slice(0, 5)) for (const b of xs.slice(0, 5)) expect(byName(a, b) === 0).toBe(a === b)
      }),
    )
    expect(['cluster-3', 'Cluster-2', 'cluster-10', 'cluster-2'].sort(byName)).toEqual([
      'Cluster-2',
      'cluster-10',
      'cluster-2',
      'cluster-3',
    ])
  })
})
