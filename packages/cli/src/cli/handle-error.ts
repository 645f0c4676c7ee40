/**
 * The one place errors become text and an exit code. kubectl's style: API errors as
 * `Error from server (Reason): message`, everything else as `error: message`, then at most one
 * `hint:` line. Stacks only with DEBUG. Credentials are redacted from anything printed.
 */
import {ApiError, CliError, ExitCode, InterruptedError, isCliError} from '../toolkit/errors.js'
import type {IO} from '../toolkit/io.js'
import {redact} from '../toolkit/redact.js'

export {redact}

interface OclifLikeError extends Error {
  oclif?: {exit?: number}
  code?: string
}

/** oclif decorates flag errors ("Parsing --x \n\t…\nSee more help with --help"); keep one clean line. */
export function cleanParseMessage(message: string): string {
  return message
    .replace(/^Error:\s*/, '')
    .replace(/See more help with --help/g, '')
    .replace(/The following errors? occurred:/g, '')
    .replace(/^Parsing (--[\w-]+)\s*/, '$1: ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .trim()
}

/** Prints the error and returns the exit code to use. */
export function handleError(err: unknown, io: Pick<IO, 'err' | 'env'>, commandId?: string): number {
  const debug = !!io.env.DEBUG
  const print = (s: string) => io.err(redact(s))

  // The normal end of a watch (Ctrl-C): the exit code says it, no message.
  if (err instanceof InterruptedError && !err.message) return err.exitCode
  if (isCliError(err)) {
    print(err instanceof ApiError ? err.message : `error: ${cleanParseMessage(err.message)}`)
    if (err.hint) print(`hint: ${err.hint}`)
    if (debug && err.stack) print(err.stack)
    return (err as CliError).exitCode
  }
  const e = err as OclifLikeError
  if (e?.name === 'ExitPromptError' || e?.name === 'AbortPromptError') {
    print('error: interrupted; nothing was changed')
    return ExitCode.interrupted
  }
  if (e?.oclif?.exit !== undefined && e.code === 'EEXIT') return e.oclif.exit
  if (e?.oclif?.exit !== undefined) {
    // oclif's parse errors: invalid/conflicting flags, missing arguments.
    print(`error: ${cleanParseMessage(String(e.message))}`)
    print(`hint: see 'liqo-topology ${commandId ? commandId.replace(/:/g, ' ') + ' ' : ''}--help'`)
    return e.oclif.exit === 1 ? ExitCode.usage : e.oclif.exit
  }
  print(`error: internal error: ${e?.message ?? String(err)}`)
  if (debug && e?.stack) print(e.stack)
  else print('hint: run again with DEBUG=1 for details, and report it if it persists')
  return ExitCode.error
}
