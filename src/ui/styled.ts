/**
 * A plan or summary on stderr, with its warnings in yellow on a colour terminal: every line is made
 * terminal-safe first, then our colour is added, so nothing from the cluster can colour anything.
 */
import {style, type IO} from '../toolkit/io.js'
import {fitWidth, safeText} from '../toolkit/text.js'
import {MAX_MESSAGE_WIDTH} from '../toolkit/io.js'

const WARNING = /^\s*(Warning:|.*would stay Pending|.*not replaced)/

export function errWithWarnings(io: IO, text: string): void {
  if (!io.color) return io.err(text)
  const s = style(io)
  const lines = text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => fitWidth(safeText(l), MAX_MESSAGE_WIDTH))
  io.err(lines.map((l) => (WARNING.test(l) ? s.yellow(l) : l)).join('\n'), {styled: true})
}
