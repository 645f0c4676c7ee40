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

const hasFlag = (argv: string[], long: string, short?: string) =>
  argv.some((a) => a === long || a.startsWith(`${long}=`) || (short !== undefined && a === short))

/** Flags whose value is a credential: never printed. */
const CREDENTIAL_FLAGS = ['--token']

/** `argv` without the credential flags and their values, and which of them were there. */
export function withoutCredentials(argv: string[]): {args: string[]; leftOut: string[]} {
  const args: string[] = []
  const leftOut = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      args.push(...argv.slice(i))
      break
    }
    const flag = CREDENTIAL_FLAGS.find((f) => a === f || a.startsWith(`${f}=`))
    if (!flag) args.push(a)
    else {
      leftOut.add(flag)
      if (a === flag) i++ // its value is the next word
    }
  }
  return {args, leftOut: [...leftOut]}
}

/** What a printed command line says about the credentials it leaves out, so that the user adds them back. */
export function leftOutNote(leftOut: string[]): string {
  return leftOut.length
    ? ` (add the ${leftOut.join(' and ')} you gave: ${leftOut.length > 1 ? 'they are' : 'it is'} not printed)`
    : ''
}

/** `command` is the topic and command ("peer disable"), `argv` what followed it on the command line. */
export function rerunLine(command: string, argv: string[], o: RerunOptions = {}): string {
  const {args, leftOut} = withoutCredentials(argv)
  if (o.context && !hasFlag(args, '--context')) args.push('--context', o.context)
  if (o.yes && !hasFlag(args, '--yes', '-y') && !hasFlag(args, '--skip-confirm')) args.push('--yes')
  return [o.bin ?? 'liqo-topology', command, ...args.map(shellQuote)].join(' ') + leftOutNote(leftOut)
}

/**
 * How a command reached its cluster, for the other command lines it prints: the context, and
 * kubectl's connection flags the user gave (--server, --user, --as, …) with the credentials left
 * out and named in `leftOut`.
 */
export interface Reach {
  context: string
  args: string[]
  leftOut: string[]
}

/** Another command against the same cluster as the same identity: `command` and `args`, then the reach. */
export function reachLine(command: string, args: string[], reach: Reach, bin = 'liqo-topology'): string {
  const all = [...args, ...(reach.context ? ['--context', reach.context] : []), ...reach.args]
  return [bin, command, ...all.map(shellQuote)].join(' ') + leftOutNote(reach.leftOut)
}

/**
 * Where a changing command stands, for the one line printed if a signal stops it: what the cluster
 * was left in and, once a change is under way, the command that finishes the job.
 */
export class Stage {
  private state = 'nothing was changed'
  private finish?: string
  /** How the command reached the home cluster (set once connected), for the command lines it prints. */
  reach: Reach = {context: '', args: [], leftOut: []}

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
    this.finish = finishIn
      ? rerunLine(this.command, [...(finishIn.args ?? []), ...this.argv], {context: finishIn.context, yes: true})
      : undefined
  }

  /** The command that finishes the job, once a change is under way. */
  get finishCommand(): string | undefined {
    return this.finish
  }

  /** Another command against the same cluster as the same identity (see reachLine). */
  commandLine(command: string, args: string[]): string {
    return reachLine(command, args, this.reach)
  }

  /** "interrupted: <state>[; <detail>]; finish with: <command>" (one line). */
  line(detail?: string): string {
    return (
      `interrupted: ${this.state}${detail ? `; ${detail}` : ''}` +
      `${this.finish ? `; finish with: ${this.finish}` : ''}`
    )
  }
}
