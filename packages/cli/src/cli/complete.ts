/**
 * Shell completion, kubectl's way: the shell script (`completion bash|zsh`) calls the hidden
 * `__complete` command with the words typed so far; this decides what the last word is (a command,
 * a flag, a flag's value, an argument) and what can complete it. Values that live in the cluster
 * (ForeignClusters, namespaces) are read with a short deadline; contexts come from the kubeconfig.
 * Pure except for the lookups it is given.
 */

/** A command as completion needs it (from oclif's manifest). */
export interface CompletableCommand {
  /** "peer disable" */
  id: string
  flags: Array<{name: string; char?: string; takesValue: boolean; options?: string[]}>
  /** What the first argument is, when it completes from the cluster (a peering, or a pod of the namespace). */
  arg?: 'cluster' | 'pod'
}

export type Wanted =
  | {kind: 'words'; words: string[]}
  | {kind: 'cluster' | 'pod' | 'namespace' | 'context' | 'kubeconfig-cluster' | 'kubeconfig-user' | 'files'}

/** The flags whose values come from somewhere live: the cluster, or the kubeconfig's entries. */
const LIVE_FLAGS: Record<string, 'namespace' | 'context' | 'kubeconfig-cluster' | 'kubeconfig-user'> = {
  namespace: 'namespace',
  context: 'context',
  'remote-context': 'context',
  cluster: 'kubeconfig-cluster',
  user: 'kubeconfig-user',
}
/** The flags whose value is a path. */
const FILE_FLAGS = new Set(['kubeconfig', 'dir', 'certificate-authority'])

/**
 * What completes the last of `words` (the words after the program name; the last one is being
 * typed, possibly empty).
 */
export function whatToComplete(words: string[], commands: CompletableCommand[]): Wanted {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  // The command: the longest prefix of the typed words that names one.
  let cmd: CompletableCommand | undefined
  let used = 0
  for (const c of commands) {
    const parts = c.id.split(' ')
    if (parts.length > used && parts.every((p, i) => before[i] === p)) {
      cmd = c
      used = parts.length
    }
  }
  if (!cmd) {
    // Still typing the command: the next word of every command that starts with what was typed.
    const next = new Set<string>()
    for (const c of commands) {
      const parts = c.id.split(' ')
      if (before.every((w, i) => parts[i] === w) && parts.length > before.length) next.add(parts[before.length]!)
    }
    return {kind: 'words', words: [...next].filter((w) => w.startsWith(current)).sort()}
  }
  const rest = before.slice(used)
  const previous = rest.at(-1)
  const flagOf = (word: string | undefined) => {
    if (!word?.startsWith('-') || word.includes('=')) return undefined
    return cmd!.flags.find((f) => (word.startsWith('--') ? f.name === word.slice(2) : f.char === word.slice(1)))
  }
  // A flag's value, as the next word or after "=".
  const eq = /^--([\w-]+)=(.*)$/.exec(current)
  const valueOf = eq
    ? cmd.flags.find((f) => f.name === eq[1])
    : flagOf(previous)?.takesValue
      ? flagOf(previous)
      : undefined
  if (valueOf) {
    const live = LIVE_FLAGS[valueOf.name]
    if (live) return {kind: live}
    if (FILE_FLAGS.has(valueOf.name)) return {kind: 'files'}
    const prefix = eq ? `--${eq[1]}=` : ''
    const typed = eq ? eq[2]! : current
    return {kind: 'words', words: (valueOf.options ?? []).filter((o) => o.startsWith(typed)).map((o) => prefix + o)}
  }
  if (current.startsWith('-')) {
    const names = cmd.flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])])
    return {kind: 'words', words: names.filter((n) => n.startsWith(current)).sort()}
  }
  // An argument: only the first one completes (a cluster for peer disable|enable|cordon|uncordon, a pod for pods why).
  const args = rest.filter((w, i) => !w.startsWith('-') && !flagOf(rest[i - 1])?.takesValue)
  if (cmd.arg && args.length === 0) return {kind: cmd.arg}
  return {kind: 'words', words: []}
}

/** The value of a flag among the typed words (--context x, --context=x), for the live lookups. */
export function typedFlag(words: string[], name: string, char?: string): string | undefined {
  return typedFlags(words, name, char).at(-1)
}

/** Every value of a repeatable flag among the typed words (the word being typed excluded). */
export function typedFlags(words: string[], name: string, char?: string): string[] {
  const out: string[] = []
  for (let i = 0; i < words.length - 1; i++) {
    const w = words[i]!
    if (w === `--${name}` || (char && w === `-${char}`)) out.push(words[i + 1]!)
    else if (w.startsWith(`--${name}=`)) out.push(w.slice(name.length + 3))
  }
  return out
}

/** The shell script that wires `prog` to `__complete`, for bash or zsh. */
export function completionScript(shell: 'bash' | 'zsh', prog: string): string {
  const fn = `_${prog.replace(/[^A-Za-z0-9]/g, '_')}`
  if (shell === 'bash') {
    return `# ${prog} completion for bash; load with: source <(${prog} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  local out
  out="$(${prog} __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)"
  if [[ "$out" == *":files"* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  COMPREPLY=($(grep -v '^:' <<<"$out"))
}
complete -F ${fn} ${prog}
`
  }
  return `#compdef ${prog}
# ${prog} completion for zsh; load with: source <(${prog} completion zsh)
${fn}() {
  local out
  out="$(${prog} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)"
  if [[ "$out" == *":files"* ]]; then _files; return; fi
  local -a candidates
  candidates=("\${(@f)$(print -r -- "$out" | grep -v '^:')}")
  compadd -Q -- "\${candidates[@]}"
}
compdef ${fn} ${prog}
`
}
