/**
 * Text from the cluster (names, labels, condition messages, remote cluster names) is printed to
 * people's terminals: nothing in it may move the cursor, recolour, retitle the window, reorder the
 * line (right-to-left overrides) or hide itself (zero-width characters). This makes such text
 * visible as escapes, measures it in terminal columns (wide CJK and emoji count 2, combining marks
 * 0) and cuts it to a width. JSON and YAML output never goes through here: it stays exact.
 */
import {eastAsianWidth} from 'get-east-asian-width'

/**
 * Format characters that reorder or hide text: bidi embeddings/overrides/isolates and marks, zero-width ones,
 * line/paragraph separators.
 */
const INVISIBLE = /[\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u
const COMBINING = /[\p{Mn}\p{Me}]/u

const NAMED: Record<number, string> = {0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r'}

function escapeCodePoint(cp: number): string {
  return NAMED[cp] ?? (cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`)
}

function unsafe(cp: number, ch: string): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || INVISIBLE.test(ch)
}

/** Printable ASCII only: nothing to escape, one column per character (the common case, kept fast). */
const PLAIN = /^[\x20-\x7e]*$/

/** One line of terminal-safe text: control and invisible format characters (newlines too) as escapes. */
export function safeText(s: string): string {
  if (PLAIN.test(s)) return s
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    out += unsafe(cp, ch) ? escapeCodePoint(cp) : ch
  }
  return out
}

/** Like safeText, but keeps line breaks: for messages of several lines, each cut to `maxWidth` columns if given. */
export function safeLines(s: string, maxWidth?: number): string {
  return s
    .split('\n')
    .map((l) => (maxWidth ? fitWidth(safeText(l), maxWidth) : safeText(l)))
    .join('\n')
}

/** Columns `s` takes on a terminal (of safe text: no control characters). */
export function displayWidth(s: string): number {
  if (PLAIN.test(s)) return s.length
  let w = 0
  for (const ch of s) w += COMBINING.test(ch) ? 0 : eastAsianWidth(ch.codePointAt(0)!)
  return w
}

/** `s` cut to at most `max` columns, ending with "…" when cut. */
export function fitWidth(s: string, max: number): string {
  if (displayWidth(s) <= max) return s
  let out = ''
  let w = 0
  for (const ch of s) {
    const cw = COMBINING.test(ch) ? 0 : eastAsianWidth(ch.codePointAt(0)!)
    if (w + cw > max - 1) break
    out += ch
    w += cw
  }
  return `${out}…`
}

/** `s` padded with spaces to `width` columns. */
export function padWidth(s: string, width: number): string {
  const w = displayWidth(s)
  return w >= width ? s : s + ' '.repeat(width - w)
}

/**
 * Orders names as kubectl does: by their bytes (code units), not by locale. Kubernetes names are
 * ASCII, and String.prototype.localeCompare would initialise ICU's collator on first use, in every
 * command's start-up (docs/benchmarks.md has the cost).
 */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
