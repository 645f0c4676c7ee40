/**
 * The one confirmation helper for destructive actions: names the target, defaults to No, is
 * skipped only by --yes, and refuses to prompt without a terminal (a prompt on a pipe would hang
 * or read garbage). The prompt renders on stderr so stdout stays clean.
 */
import type {IO} from '../toolkit/io.js'
import {DeclinedError, InterruptedError, UsageError} from '../toolkit/errors.js'
import {lazyImport} from '../toolkit/lazy.js'
import {safeText} from '../toolkit/text.js'

export interface ConfirmOptions {
  /** The question, e.g. `Disable outgoing peering to "cluster-3" on context "cluster-1"?` */
  message: string
  yes: boolean
  /** Shown in the no-terminal error: what the command would have done. */
  action: string
  /** What "No" leaves unchanged, for the declined message. */
  declined: string
  signal?: AbortSignal
}

/**
 * Esc cancels a prompt (inquirer only knows Ctrl-C): a signal aborted on Esc or on `outer`, and
 * whether it was Esc.
 */
async function escapable(
  outer?: AbortSignal,
): Promise<{signal: AbortSignal; escaped: () => boolean; done: () => void}> {
  const {emitKeypressEvents} = process.getBuiltinModule('node:readline')
  const ctl = new AbortController()
  let escaped = false
  const onKey = (_: string, key?: {name?: string}) => {
    if (key?.name !== 'escape') return
    escaped = true
    ctl.abort()
  }
  emitKeypressEvents(process.stdin)
  process.stdin.on('keypress', onKey)
  const onOuter = () => ctl.abort()
  outer?.addEventListener('abort', onOuter, {once: true})
  return {
    signal: ctl.signal,
    escaped: () => escaped,
    done: () => {
      process.stdin.off('keypress', onKey)
      outer?.removeEventListener('abort', onOuter)
    },
  }
}

export function canPrompt(io: IO): boolean {
  return io.stdinIsTTY && io.stderrIsTTY && !io.env.CI
}

export async function confirm(io: IO, o: ConfirmOptions): Promise<void> {
  if (o.yes) return
  if (!canPrompt(io)) {
    throw new UsageError(
      `refusing to ${o.action} without confirmation: stdin is not a terminal`,
      're-run with --yes to confirm, or with --dry-run to only see the plan',
    )
  }
  const {confirm: ask} = await lazyImport('@inquirer/prompts', () => import('@inquirer/prompts'))
  const esc = await escapable(o.signal)
  let ok: boolean
  try {
    ok = await ask({message: safeText(o.message), default: false}, {output: process.stderr, signal: esc.signal})
  } catch (e) {
    const name = (e as Error)?.name
    if (esc.escaped()) throw new DeclinedError(`aborted: ${o.declined}`)
    if (name === 'ExitPromptError' || name === 'AbortPromptError')
      throw new InterruptedError(`interrupted at the confirmation; ${o.declined}`)
    throw e
  } finally {
    esc.done()
  }
  if (!ok) throw new DeclinedError(`aborted: ${o.declined}`)
}

/** Lets the user pick one of `choices` on a terminal. */
export async function pick<T>(
  io: IO,
  message: string,
  choices: Array<{name: string; value: T; description?: string}>,
  signal?: AbortSignal,
): Promise<T> {
  const {select} = await lazyImport('@inquirer/prompts', () => import('@inquirer/prompts'))
  const esc = await escapable(signal)
  try {
    const safe = choices.map((c) => ({
      ...c,
      name: safeText(c.name),
      ...(c.description !== undefined ? {description: safeText(c.description)} : {}),
    }))
    return await select({message: safeText(message), choices: safe}, {output: process.stderr, signal: esc.signal})
  } catch (e) {
    const name = (e as Error)?.name
    if (esc.escaped()) throw new DeclinedError('aborted (Esc): nothing was changed')
    if (name === 'ExitPromptError' || name === 'AbortPromptError')
      throw new InterruptedError('interrupted; nothing was changed')
    throw e
  } finally {
    esc.done()
  }
}
