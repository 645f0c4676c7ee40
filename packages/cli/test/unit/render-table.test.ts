import {describe, expect, it} from 'vitest'

import {columnWidths, renderAlignedRow, renderTable} from '../../src/render/table.js'

const ANSI = /\u001B\[/

describe('renderTable', () => {
  const out = renderTable(
    ['name', 'cluster', 'ready'],
    [
      ['web-1', 'milan', '1/1'],
      ['a-much-longer-name', 'local', 0],
    ],
  )
  const lines = out.split('\n')

  it('upper-cases the headers and ends with one newline', () => {
    expect(lines[0]).toBe('NAME                 CLUSTER   READY')
    expect(out.endsWith('\n')).toBe(true)
    expect(out.endsWith('\n\n')).toBe(false)
  })

  it('separates columns by exactly three spaces after the widest cell, kubectl style', () => {
    expect(lines.slice(0, 3)).toEqual([
      'NAME                 CLUSTER   READY',
      'web-1                milan     1/1',
      'a-much-longer-name   local     0',
    ])
    // every column starts at the same offset on every line
    const starts = (l: string) => [l.indexOf('CLUSTER'), l.indexOf('READY')]
    expect(starts(lines[0]!)).toEqual([21, 31])
    expect(lines[1]!.indexOf('milan')).toBe(21)
    expect(lines[2]!.indexOf('0')).toBe(31)
  })

  it('has no borders, no trailing spaces and no ANSI escapes', () => {
    for (const l of lines) expect(l).not.toMatch(/\s$/)
    expect(out).not.toMatch(ANSI)
    expect(out).not.toMatch(/[│─┌┐└┘]/)
  })

  it('trims an empty last cell', () => {
    expect(renderTable(['a', 'b'], [['x', '']])).toBe('A   B\nx\n')
  })

  it('prints only the headers for no rows, and nothing without headers', () => {
    expect(renderTable(['name', 'cluster'], [])).toBe('NAME   CLUSTER\n')
    expect(renderTable(['name', 'cluster'], [], {noHeaders: true})).toBe('')
    expect(renderTable(['name', 'cluster'], [['a', 'b']], {noHeaders: true})).toBe('a   b\n')
  })
})

describe('columnWidths / renderAlignedRow', () => {
  it('computes widths over headers and rows', () => {
    expect(
      columnWidths(
        ['name', 'x'],
        [
          ['abcdef', 1],
          ['a', 12345],
        ],
      ),
    ).toEqual([6, 5])
  })

  it('pads all but the last cell and never leaves trailing spaces', () => {
    expect(renderAlignedRow([6, 5, 3], ['ab', 'c', 'd'])).toBe('ab       c       d\n')
    expect(renderAlignedRow([6, 5], ['ab', ''])).toBe('ab\n')
  })

  it('lines up with renderTable output', () => {
    const headers = ['name', 'cluster', 'ready']
    const rows = [['web-1', 'milan', '1/1']]
    const table = renderTable(headers, rows)
    const row = renderAlignedRow(columnWidths(headers, rows), ['web-2', 'turin', '0/1'])
    expect(row.indexOf('turin')).toBe(table.split('\n')[1]!.indexOf('milan'))
  })
})
