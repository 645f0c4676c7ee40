/**
 * kubectl's table look (its tabwriter): upper-case headers, columns separated by three spaces,
 * no borders, no trailing blanks, no colour. Linear in the number of rows: cli-table3, tried
 * first, was far too slow on the 10,000 rows of `pods where -A` (docs/benchmarks.md, "Scale").
 */
import {displayWidth, fitWidth, padWidth, safeText} from '../toolkit/text.js'

/**
 * The widest a cell may be, in terminal columns: any Kubernetes name fits (253), a 10,000-character
 * message or remote cluster name is cut with "…".
 */
export const MAX_CELL_WIDTH = 253

/** A cell as printed: terminal-safe (escapes for control characters), cut to MAX_CELL_WIDTH. */
export function cellText(value: string | number | undefined): string {
  return fitWidth(safeText(String(value ?? '')), MAX_CELL_WIDTH)
}

/** Column widths of a table, in terminal columns (also used to line up rows printed later, in watch mode). */
export function columnWidths(headers: string[], rows: Array<Array<string | number>>): number[] {
  const widths = headers.map((h) => displayWidth(cellText(h)))
  for (const r of rows) {
    for (let i = 0; i < widths.length; i++) {
      const len = displayWidth(cellText(r[i]))
      if (len > widths[i]!) widths[i] = len
    }
  }
  return widths
}

/** One row padded to `widths` (cells wider than their column push the rest right, as kubectl's). */
export function renderAlignedRow(widths: number[], row: Array<string | number>): string {
  let line = ''
  for (let i = 0; i < row.length; i++) {
    const cell = cellText(row[i])
    line += i === row.length - 1 ? cell : padWidth(cell, widths[i] ?? 0) + '   '
  }
  return `${line.trimEnd()}\n`
}

export function renderTable(
  headers: string[],
  rows: Array<Array<string | number>>,
  opts: {noHeaders?: boolean} = {},
): string {
  const head = headers.map((h) => h.toUpperCase())
  const widths = columnWidths(opts.noHeaders ? head.map(() => '') : head, rows)
  const parts: string[] = []
  if (!opts.noHeaders) parts.push(renderAlignedRow(widths, head))
  for (const r of rows) parts.push(renderAlignedRow(widths, r))
  return parts.join('')
}
