import {describe, expect, it} from 'vitest'

import {
  IpPool,
  offloadingPhase,
  tenantNamespace,
  virtualNodeName,
  withCondition,
  type Cond,
} from '../../src/emulator/model.js'

describe('offloadingPhase (v0.3 rules)', () => {
  const ready = (status: string) => [{type: 'Ready', status}]

  it('is Terminating while deleting, whatever the conditions', () => {
    expect(offloadingPhase({a: ready('True')}, true)).toBe('Terminating')
    expect(offloadingPhase({}, true)).toBe('Terminating')
  })

  it('is NoClusterSelected without Ready conditions', () => {
    expect(offloadingPhase({}, false)).toBe('NoClusterSelected')
    expect(offloadingPhase({a: [{type: 'Other', status: 'True'}], b: []}, false)).toBe('NoClusterSelected')
  })

  it('is Ready when every cluster is Ready', () => {
    expect(offloadingPhase({a: ready('True'), b: ready('True')}, false)).toBe('Ready')
  })

  it('is AllFailed when none is Ready', () => {
    expect(offloadingPhase({a: ready('False'), b: ready('Unknown')}, false)).toBe('AllFailed')
  })

  it('is SomeFailed when some are Ready and some not', () => {
    expect(offloadingPhase({a: ready('True'), b: ready('False')}, false)).toBe('SomeFailed')
  })
})

describe('withCondition', () => {
  const old: Cond = {type: 'Ready', status: 'True', reason: 'Old', lastTransitionTime: '2020-01-01T00:00:00Z'}
  const other: Cond = {type: 'Other', status: 'False', lastTransitionTime: '2020-01-01T00:00:00Z'}

  it('keeps lastTransitionTime when the status does not change, but updates reason and message', () => {
    const out = withCondition([other, old], {type: 'Ready', status: 'True', reason: 'New', message: 'm'})
    expect(out).toEqual([
      other,
      {type: 'Ready', status: 'True', reason: 'New', message: 'm', lastTransitionTime: '2020-01-01T00:00:00Z'},
    ])
  })

  it('sets a fresh lastTransitionTime when the status changes', () => {
    const before = Date.now()
    const out = withCondition([old], {type: 'Ready', status: 'False'})
    expect(out).toHaveLength(1)
    expect(out[0]!.status).toBe('False')
    const t = Date.parse(out[0]!.lastTransitionTime!)
    expect(out[0]!.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
  })

  it('appends a new condition type with a timestamp, keeping the others in place', () => {
    const out = withCondition([old], {type: 'Other', status: 'True'})
    expect(out[0]).toBe(old)
    expect(out[1]).toMatchObject({type: 'Other', status: 'True'})
    expect(out[1]!.lastTransitionTime).toBeTruthy()
  })

  it('does not mutate the list it is given', () => {
    const list = [old]
    withCondition(list, {type: 'Ready', status: 'False'})
    expect(list).toEqual([old])
    expect(list[0]!.status).toBe('True')
  })
})

describe('names and IPs', () => {
  it('names virtual nodes and tenant namespaces like Liqo v0.3', () => {
    expect(virtualNodeName({id: 'abc'})).toBe('liqo-abc')
    expect(tenantNamespace('abc')).toBe('liqo-tenant-abc')
  })

  it('IpPool starts at .0.1, counts up and never hands out a .0 or .255 last octet', () => {
    const pool = new IpPool('10.1')
    const ips = Array.from({length: 600}, () => pool.next())
    expect(ips.slice(0, 3)).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3'])
    expect(ips[253]).toBe('10.1.0.254')
    expect(ips[254]).toBe('10.1.1.1')
    for (const ip of ips) expect(ip).toMatch(/^10\.1\.\d{1,3}\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/)
  })

  it('IpPool never hands out the same address twice within one cycle', () => {
    const pool = new IpPool('10.1')
    const ips = Array.from({length: 600}, () => pool.next())
    expect(new Set(ips).size).toBe(ips.length)
  })
})
