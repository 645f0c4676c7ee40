/**
 * kubectl's table look: upper-case headers, columns separated by three spaces, no borders, no
 * trailing blanks, no colour. Built on cli-table3 with every border character blanked.
 */
import Table from 'cli-table3'

const BLANK = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '   ',
}

export function renderTable(headers: string[], rows: Array<Array<string | number>>, opts: {noHeaders?: boolean} = {}): string {
  const t = new Table({
    chars: BLANK,
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true},
    ...(opts.noHeaders ? {} : {head: headers.map((h) => h.toUpperCase())}),
  })
  for (const r of rows) t.push(r.map((c) => String(c)))
  if (rows.length === 0 && opts.noHeaders) return ''
  return `${t
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')}\n`
}

/** Column widths of a table, so rows printed later (watch mode) line up with it. */
export function columnWidths(headers: string[], rows: Array<Array<string | number>>): number[] {
  return headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)))
}

/** One row padded to `widths` (cells wider than their column push the rest right, as kubectl's). */
export function renderAlignedRow(widths: number[], row: Array<string | number>): string {
  return `${row
    .map((c, i) => (i === row.length - 1 ? String(c) : String(c).padEnd(widths[i] ?? 0)))
    .join('   ')
    .replace(/\s+$/, '')}\n`
}
