/**
 * oclif hook for a command that does not exist: kubectl's wording, a suggestion, exit code 2.
 */
import type {Hook} from '@oclif/core'

import {ExitCode} from '../toolkit/errors.js'
import {leftOutNote, withoutCredentials} from '../toolkit/rerun.js'
import {LAB_PLUGIN} from './plugins.js'

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return d[a.length]![b.length]!
}

export function suggest(id: string, known: string[]): string | undefined {
  const best = known.map((k) => ({k, d: distance(id, k)})).sort((x, y) => x.d - y.d)[0]
  return best && best.d <= Math.max(2, Math.floor(id.length / 4)) ? best.k : undefined
}

/** A suggestion for a mistyped command that may be followed by arguments (`peer disabel cluster-3`). */
export function suggestWithArgs(id: string, known: string[]): string | undefined {
  const words = id.split(' ')
  // Commands are at most two words and never start with "-": the rest are arguments and flags.
  const leading = words.findIndex((w) => w.startsWith('-'))
  for (let k = Math.min(leading === -1 ? words.length : leading, 2); k >= 1; k--) {
    const s = suggest(words.slice(0, k).join(' '), known)
    if (s) return [s, ...words.slice(k)].join(' ')
  }
  return undefined
}

/**
 * The line for a command of the lab when the lab plugin is not installed (package.json lists it in
 * oclif.plugins; src/cli/plugins.ts), or undefined for any other command.
 */
export function missingLab(typed: string, known: string[], bin: string): string | undefined {
  if (typed !== 'lab' && !typed.startsWith('lab ')) return undefined
  if (known.some((k) => k.startsWith('lab '))) return undefined
  return `error: "${bin} ${typed}" needs the lab, which is not installed: npm install -g ${LAB_PLUGIN}\n`
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const typed = opts.id.replace(/:/g, ' ')
  const known = opts.config.commandIDs.map((c) => c.replace(/:/g, ' '))
  const lab = missingLab(typed, known, opts.config.bin)
  if (lab) {
    process.stderr.write(lab)
    this.exit(ExitCode.usage)
  }
  // The suggestion repeats what was typed, but never a credential.
  const {args, leftOut} = withoutCredentials(opts.argv ?? [])
  const s = suggestWithArgs([typed, ...args].join(' '), known)
  process.stderr.write(`error: unknown command "${typed}" for "${opts.config.bin}"\n`)
  process.stderr.write(
    s
      ? `hint: did you mean "${opts.config.bin} ${s}"?${leftOutNote(leftOut)}\n`
      : `hint: see '${opts.config.bin} --help'\n`,
  )
  this.exit(ExitCode.usage)
}

export default hook
