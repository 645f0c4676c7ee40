/**
 * A plan or summary on stderr, with its warnings in yellow on a colour terminal: every line is made
 * terminal-safe first, then our colour is added, so nothing from the cluster can colour anything.
 * Which lines are warnings is said by the renderer (render/lines.ts), never read from the text.
 */
import type {Line} from '../render/lines.js'
import {linesText} from '../render/lines.js'
import {MAX_MESSAGE_WIDTH, style, type IO} from '../toolkit/io.js'
import {fitWidth, safeText} from '../toolkit/text.js'

export function errWithWarnings(io: IO, lines: Line[]): void {
  if (!io.color) return io.err(linesText(lines))
  const s = style(io)
  const shown = lines.flatMap((l) =>
    l.text.split('\n').map((part) => {
      const safe = fitWidth(safeText(part), MAX_MESSAGE_WIDTH)
      return l.severity === 'warning' ? s.yellow(safe) : safe
    }),
  )
  io.err(shown.join('\n'), {styled: true})
}
