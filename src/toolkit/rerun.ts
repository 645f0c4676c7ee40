/**
 * The command line that finishes a job a signal stopped: the user's own command, made explicit
 * (the context it ran against, --yes since the user already agreed) and quoted for a POSIX shell,
 * so that it can be pasted as it is. Pure; imports nothing of ours.
 */

/** Quotes one argument for a POSIX shell, only when it needs it. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

export interface RerunOptions {
  /** The program name users type. */
  bin?: string
  /** The context the command ran against; added unless the line names one. */
  context?: string
  /** Add --yes (the user confirmed already). */
  yes?: boolean
}

const hasFlag = (argv: string[], long: string, short?: string) => argv.some((a) => a === long || a.startsWith(`${long}=`) || (short !== undefined && a === short))

/** `command` is the topic and command ("peer disable"), `argv` what followed it on the command line. */
export function rerunLine(command: string, argv: string[], o: RerunOptions = {}): string {
  const args = [...argv]
  if (o.context && !hasFlag(args, '--context')) args.push('--context', o.context)
  if (o.yes && !hasFlag(args, '--yes', '-y') && !hasFlag(args, '--skip-confirm')) args.push('--yes')
  return [o.bin ?? 'liqo-topology', command, ...args.map(shellQuote)].join(' ')
}

/**
 * Where a changing command stands, for the one line printed if a signal stops it: what the cluster
 * was left in and, once a change is under way, the command that finishes the job.
 */
export class Stage {
  private state = 'nothing was changed'
  private finish?: string

  /** `command` is the topic and command ("cleanup"), `argv` what followed it on the command line. */
  constructor(
    private readonly command = '',
    private readonly argv: string[] = [],
  ) {}

  /**
   * Records the state a signal would leave. With `finishIn` (the context), the line also gives the
   * command that finishes the job: the user's own, with the context and --yes, and `args` (say, a
   * cluster picked from a list) put in front of what the user typed.
   */
  set(state: string, finishIn?: {context: string; args?: string[]}): void {
    this.state = state
    this.finish = finishIn ? rerunLine(this.command, [...(finishIn.args ?? []), ...this.argv], {context: finishIn.context, yes: true}) : undefined
  }

  /** The command that finishes the job, once a change is under way. */
  get finishCommand(): string | undefined {
    return this.finish
  }

  /** "interrupted: <state>[; <detail>]; finish with: <command>" (one line). */
  line(detail?: string): string {
    return `interrupted: ${this.state}${detail ? `; ${detail}` : ''}${this.finish ? `; finish with: ${this.finish}` : ''}`
  }
}

/** What a command gives a flow that changes the cluster: the signal that stops it, and where to record how far it got. */
export interface Control {
  signal: AbortSignal
  stage: Stage
}
