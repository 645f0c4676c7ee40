/**
 * Where output goes. stdout carries data only; progress, warnings, prompts and errors go to
 * stderr. Colour and spinners only on a terminal, never under NO_COLOR, --no-color, CI, or
 * machine-readable output. Injected into services so tests can use buffers.
 */
import {safeLines} from './text.js'

/** The widest line of a message on stderr, in terminal columns; longer ones end with "…". */
export const MAX_MESSAGE_WIDTH = 1000

export interface IO {
  /** Data (tables, JSON, YAML) to stdout. */
  out(text: string): void
  /** Messages to stderr, made terminal-safe; `styled`: already safe and coloured by us (see ui/styled.ts). */
  err(text: string, o?: {styled?: boolean}): void
  stdinIsTTY: boolean
  stderrIsTTY: boolean
  /** ANSI colour allowed on stderr. */
  color: boolean
  /** Spinners allowed (stderr is an interactive terminal). */
  interactive: boolean
  env: NodeJS.ProcessEnv
}

export interface IOOptions {
  noColor?: boolean
  /** Machine-readable output requested (-o json|yaml). */
  machine?: boolean
}

export function processIO(o: IOOptions = {}): IO {
  const env = process.env
  const stderrIsTTY = !!process.stderr.isTTY
  const plain = o.noColor || o.machine || 'NO_COLOR' in env || env.TERM === 'dumb' || !!env.CI
  return {
    out: (t) => void process.stdout.write(t.endsWith('\n') || t === '' ? t : `${t}\n`),
    // Messages may quote the cluster (names, condition messages): never raw control characters,
    // and no line of thousands of columns.
    err: (t, eo) => {
      const line = t.endsWith('\n') || t === '' ? t : `${t}\n`
      process.stderr.write(eo?.styled ? line : safeLines(line, MAX_MESSAGE_WIDTH))
    },
    stdinIsTTY: !!process.stdin.isTTY,
    stderrIsTTY,
    color: stderrIsTTY && !plain,
    interactive: stderrIsTTY && !plain,
    env,
  }
}

/** Minimal ANSI styling that disappears when colour is off. */
export function style(io: Pick<IO, 'color'>) {
  const wrap = (open: number, close: number) => (s: string) => (io.color ? `\u001B[${open}m${s}\u001B[${close}m` : s)
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  }
}
