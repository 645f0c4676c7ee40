/**
 * Progress on stderr: an ora spinner on an interactive terminal, otherwise one plain line per
 * change (never a redraw into a pipe or a log). Messages are pure functions of state upstream,
 * so repeated identical messages are dropped here.
 */
import type {IO} from '../toolkit/io.js'
import {style} from '../toolkit/io.js'
import {lazyImport} from '../toolkit/lazy.js'
import {safeLines} from '../toolkit/text.js'

export interface Progress {
  update(message: string): void
  succeed(message: string): void
  fail(message: string): void
  warn(message: string): void
  info(message: string): void
  /** Stops the spinner without a final line (before a prompt, say). */
  stop(): void
}

type Spinner = {
  text: string
  start(t?: string): Spinner
  succeed(t?: string): Spinner
  fail(t?: string): Spinner
  warn(t?: string): Spinner
  info(t?: string): Spinner
  stop(): Spinner
  isSpinning: boolean
}

export async function makeProgress(io: IO, opts: {silent?: boolean} = {}): Promise<Progress> {
  if (opts.silent) return {update() {}, succeed() {}, fail() {}, warn() {}, info() {}, stop() {}}
  const s = style(io)
  if (!io.interactive) {
    let last = ''
    const line = (m: string) => {
      if (m !== last) io.err(m)
      last = m
    }
    return {
      update: line,
      succeed: (m) => line(m),
      fail: (m) => line(m),
      warn: (m) => line(`Warning: ${m}`),
      info: (m) => line(m),
      stop: () => {},
    }
  }
  const {default: ora} = await lazyImport('ora', () => import('ora'))
  const spinner = ora({stream: process.stderr, discardStdin: false}) as unknown as Spinner
  // The spinner writes to the terminal itself: made safe here, before our own colours.
  const ensure = (m: string) => (spinner.isSpinning ? (spinner.text = safeLines(m)) : spinner.start(safeLines(m)))
  return {
    update: (m) => void ensure(m),
    succeed: (m) => void spinner.succeed(safeLines(m)),
    fail: (m) => void spinner.fail(s.red(safeLines(m))),
    warn: (m) => {
      const wasSpinning = spinner.isSpinning
      const text = spinner.text
      spinner.warn(s.yellow(safeLines(m)))
      if (wasSpinning) spinner.start(text)
    },
    info: (m) => {
      const wasSpinning = spinner.isSpinning
      const text = spinner.text
      spinner.info(safeLines(m))
      if (wasSpinning) spinner.start(text)
    },
    stop: () => void spinner.stop(),
  }
}

/** The callbacks of a wait that report on `progress`: its messages, and the API connection lost or restored. */
export function waitReporting(progress: Progress, server: string) {
  return {
    onProgress: (m: string) => progress.update(m),
    onConnection: (up: boolean, detail: string) =>
      up
        ? progress.info(`connection to ${server} restored`)
        : progress.warn(`lost the API server (${detail}); reconnecting`),
  }
}
