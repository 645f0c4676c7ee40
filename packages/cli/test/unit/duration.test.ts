import {describe, expect, it} from 'vitest'

import {formatAge, formatDuration, parseDuration} from '../../src/toolkit/duration.js'
import {NOW, ago} from './fixtures.js'

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1h2m3s', 3_723_000],
    ['30', 30_000],
    ['1.5', 1500],
    ['0', 0],
    ['1.5s', 1500],
    ['0.5m', 30_000],
    [' 2m ', 120_000],
    ['1s500ms', 1500],
  ])('parses %j as %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each(['abc', '', '   ', '5x', '1m 30s', 'm', '-5s', '1d', 's30', '1m30', '.5s'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/)
  })

  it('names the offending input and the accepted forms in the error', () => {
    expect(() => parseDuration('5x')).toThrow(
      'invalid duration "5x": use a number of seconds or a value like 90s, 2m, 1m30s',
    )
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [-20, '0ms'],
    [1, '1ms'],
    [500, '500ms'],
    [999, '999ms'],
    [1000, '1.0s'],
    [1500, '1.5s'],
    [9_900, '9.9s'],
    [10_000, '10s'],
    [12_345, '12s'],
    [59_000, '59s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [61_000, '1m1s'],
    [3_540_000, '59m'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [7_200_000, '2h'],
    [7_290_000, '2h1m'],
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('round-trips through parseDuration for whole minutes and seconds', () => {
    for (const ms of [60_000, 90_000, 150_000, 3_600_000]) expect(parseDuration(formatDuration(ms))).toBe(ms)
  })

  it('never prints 60 seconds in the minute form (119.6s rounds to 2m)', () => {
    expect(formatDuration(119_600)).toBe('2m')
  })
})

describe('formatAge', () => {
  it('is <unknown> without a timestamp or with an unparseable one', () => {
    expect(formatAge(undefined, NOW)).toBe('<unknown>')
    expect(formatAge('', NOW)).toBe('<unknown>')
    expect(formatAge('not a date', NOW)).toBe('<unknown>')
  })

  it.each([
    [0, '0s'],
    [45, '45s'],
    [119, '119s'],
    [120, '2m'],
    [12 * 60 + 59, '12m'],
    [59 * 60, '59m'],
    [60 * 60, '1h'],
    [3 * 3600 + 59 * 60, '3h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [5 * 86_400 + 3600, '5d'],
  ])('%i seconds ago is %j', (seconds, text) => {
    expect(formatAge(ago(seconds), NOW)).toBe(text)
  })

  it('clamps timestamps in the future (clock skew) to 0s', () => {
    expect(formatAge(ago(-30), NOW)).toBe('0s')
  })
})
