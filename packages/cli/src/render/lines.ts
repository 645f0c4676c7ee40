/**
 * Text for people as lines that say how much they matter, so that whoever shows them (stderr in
 * colour, the board) marks the warnings without reading the words again.
 */

export type Severity = 'info' | 'warning'

export interface Line {
  text: string
  severity: Severity
}

export const info = (text: string): Line => ({text, severity: 'info'})
export const warning = (text: string): Line => ({text, severity: 'warning'})

/** The lines as one text, each ending with a newline. */
export function linesText(lines: Line[]): string {
  return `${lines.map((l) => l.text).join('\n')}\n`
}
