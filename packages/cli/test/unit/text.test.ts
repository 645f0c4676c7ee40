/**
 * Hostile and odd text from the cluster, printed to a terminal: escaped or cut, tables aligned in
 * terminal columns, and JSON/YAML exact. Property-based where there is an invariant.
 */
import fc from 'fast-check'
import yaml from 'js-yaml'
import {describe, expect, it} from 'vitest'

import {renderMachine} from '../../src/render/machine.js'
import {MAX_CELL_WIDTH, renderTable} from '../../src/render/table.js'
import {displayWidth, fitWidth, safeLines, safeText} from '../../src/toolkit/text.js'

const HOSTILE = [
  '\u001b[2J\u001b[31mred\u001b[0m', // clear screen, colour
  '\u001b]0;pwned\u0007', // window title (OSC)
  'a\rb\nc\td\u0000e\u007f\u009b', // CR, LF, TAB, NUL, DEL, C1 CSI
  'abc\u202edcba', // right-to-left override
  'zero\u200bwidth\ufeff', // zero-width space, BOM
  '集群-三', // wide characters
  'é', // combining accent
  '🚀 rocket',
  'x'.repeat(10_000),
]

/** Terminal-dangerous code points: C0, DEL, C1, bidi and zero-width format characters. */
const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u

describe('safeText', () => {
  it('makes escapes visible and leaves nothing a terminal acts on', () => {
    expect(safeText('\u001b[31mred')).toBe('\\x1b[31mred')
    expect(safeText('a\nb\r\tc')).toBe('a\\nb\\r\\tc')
    expect(safeText('abc\u202edcba')).toBe('abc\\u202edcba')
    expect(safeText('集群 é 🚀')).toBe('集群 é 🚀')
  })

  it('property: output has no dangerous code point, is idempotent, and is the identity on printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 200}), (s) => {
        const out = safeText(s)
        expect(out).not.toMatch(DANGEROUS)
        expect(safeText(out)).toBe(out)
      }),
    )
    fc.assert(
      fc.property(fc.string({unit: fc.integer({min: 0x20, max: 0x7e}).map((c) => String.fromCharCode(c))}), (s) => {
        expect(safeText(s)).toBe(s)
      }),
    )
  })

  it('safeLines keeps line breaks and escapes the rest', () => {
    expect(safeLines('one\u001b[1m\ntwo')).toBe('one\\x1b[1m\ntwo')
  })
})

describe('displayWidth and fitWidth', () => {
  it('counts terminal columns: wide characters 2, combining marks 0', () => {
    expect(displayWidth('abc')).toBe(3)
    expect(displayWidth('集群')).toBe(4)
    expect(displayWidth('é')).toBe(1)
  })

  it('property: a cut text fits its width and ends with "…"; an uncut one is unchanged', () => {
    fc.assert(
      fc.property(fc.string({unit: 'grapheme', maxLength: 80}), fc.integer({min: 1, max: 40}), (s, max) => {
        const safe = safeText(s)
        const cut = fitWidth(safe, max)
        expect(displayWidth(cut)).toBeLessThanOrEqual(max)
        if (displayWidth(safe) <= max) expect(cut).toBe(safe)
        else expect(cut.endsWith('…')).toBe(true)
      }),
    )
  })
})

describe('tables of hostile text', () => {
  it('stay aligned in terminal columns, one line per row, nothing dangerous, long cells cut', () => {
    const rows = HOSTILE.map((h, i) => [h, `v${i}`])
    const out = renderTable(['NAME', 'VALUE'], rows)
    const lines = out.trimEnd().split('\n')
    expect(lines).toHaveLength(HOSTILE.length + 1)
    expect(out.replace(/\n/g, '')).not.toMatch(DANGEROUS)
    // The second column starts at the same terminal column on every line.
    const starts = lines.map((l) => displayWidth(l.slice(0, l.lastIndexOf(l.startsWith('NAME') ? 'VALUE' : 'v'))))
    expect(new Set(starts).size).toBe(1)
    expect(Math.max(...lines.map((l) => displayWidth(l)))).toBeLessThanOrEqual(MAX_CELL_WIDTH + 3 + 'VALUE'.length)
  })

  it('property: any cells give aligned lines, one per row', () => {
    fc.assert(
      fc.property(fc.array(fc.string({unit: 'binary', maxLength: 40}), {minLength: 1, maxLength: 8}), (cells) => {
        const out = renderTable(
          ['A', 'B'],
          cells.map((c) => [c, 'end']),
        )
        const lines = out.trimEnd().split('\n')
        expect(lines).toHaveLength(cells.length + 1)
        const starts = lines.slice(1).map((l) => displayWidth(l.slice(0, l.length - 'end'.length)))
        expect(new Set(starts).size).toBe(1)
      }),
    )
  })
})

describe('JSON and YAML of hostile text', () => {
  it('stay valid and exact', () => {
    const doc = {kind: 'Test', items: HOSTILE.map((h) => ({name: h, labels: {note: h}}))}
    expect(JSON.parse(renderMachine('json', doc))).toEqual(doc)
    expect(yaml.load(renderMachine('yaml', doc))).toEqual(doc)
  })

  it('property: any string round-trips', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 100}), (s) => {
        const doc = {message: s}
        expect(JSON.parse(renderMachine('json', doc))).toEqual(doc)
        expect(yaml.load(renderMachine('yaml', doc))).toEqual(doc)
      }),
    )
  })
})
