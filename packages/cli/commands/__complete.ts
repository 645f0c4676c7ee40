import {BaseCommand, connectionOverrides} from '../src/cli/base-command.js'
import {typedFlag, typedFlags, whatToComplete, type CompletableCommand} from '../src/cli/complete.js'
import {normalizeBooleanFlags} from '../src/cli/flags.js'
import {liveCandidates} from '../src/services/complete.js'

/** Called by the completion scripts (and by kubectl for its plugin) with the words typed so far. */
export default class Complete extends BaseCommand {
  static override hidden = true
  static override strict = false
  static override summary = 'Complete the words typed so far (used by the completion scripts)'

  async run(): Promise<void> {
    const words = this.argv.length ? this.argv : ['']
    const commands: CompletableCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id.replace(/:/g, ' '),
        flags: Object.entries(c.flags).map(([name, f]) => ({
          name,
          ...(f.char ? {char: f.char} : {}),
          takesValue: f.type === 'option',
          ...(f.type === 'option' && f.options ? {options: [...f.options]} : {}),
        })),
        ...(['peer:disable', 'peer:enable', 'peer:cordon', 'peer:uncordon'].includes(c.id)
          ? {arg: 'cluster' as const}
          : {}),
        ...(c.id === 'pods:why' ? {arg: 'pod' as const} : {}),
      }))
    const want = whatToComplete(words, commands)
    const current = words.at(-1) ?? ''
    let out: string[]
    if (want.kind === 'words') out = want.words
    else if (want.kind === 'files') out = [':files']
    else {
      // A cluster that does not answer in time completes nothing rather than hanging the shell.
      const where = {
        kubeconfig: typedFlag(words, 'kubeconfig'),
        context: typedFlag(words, 'context'),
        namespace: typedFlag(words, 'namespace', 'n'),
        overrides: typedOverrides(words),
      }
      const all = await liveCandidates(want.kind, where).catch(() => [] as string[])
      out = all.filter((v) => v.startsWith(current.replace(/^--[\w-]+=/, '')))
    }
    // Cobra's directive line (4: no file completion), which kubectl's plugin completion expects.
    this.setupIO({}).out([...out, ':4'].join('\n'))
  }
}

/** The connection flags typed so far: a lookup reaches the cluster the command would. */
function typedOverrides(words: string[]) {
  const one = (name: string, char?: string) => typedFlag(words, name, char)
  return connectionOverrides({
    cluster: one('cluster'),
    user: one('user'),
    server: one('server', 's'),
    token: one('token'),
    'certificate-authority': one('certificate-authority'),
    'insecure-skip-tls-verify': normalizeBooleanFlags(words).includes('--insecure-skip-tls-verify'),
    'tls-server-name': one('tls-server-name'),
    as: one('as'),
    'as-group': typedFlags(words, 'as-group'),
    'as-uid': one('as-uid'),
  })
}
