/** Flags shared by the commands, with kubectl's names and meanings. */
import {Flags} from '@oclif/core'

import {UsageError} from '../toolkit/errors.js'
import {parseDuration} from '../toolkit/duration.js'

const GLOBAL = 'GLOBAL'

export const durationFlag = Flags.custom<number>({
  parse: async (input) => {
    try {
      return parseDuration(input)
    } catch (e) {
      throw new UsageError((e as Error).message)
    }
  },
})

export const kubeFlags = {
  kubeconfig: Flags.string({description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).', helpGroup: GLOBAL}),
  context: Flags.string({description: 'Kubeconfig context of the home cluster (where Liqo offloads from).', helpGroup: GLOBAL}),
  'request-timeout': durationFlag({
    description: 'Deadline of each API request (e.g. 10s).',
    default: 30_000,
    defaultHelp: async () => '30s',
    helpGroup: GLOBAL,
  }),
  'no-color': Flags.boolean({description: 'Disable colours (also honoured: NO_COLOR).', helpGroup: GLOBAL, default: false}),
  v: Flags.integer({
    char: 'v',
    description: "Log level, as kubectl's: 6 logs each API request (method, URL, status, time) to stderr, 8 also the bodies (credentials and Secret data redacted).",
    min: 0,
    max: 10,
    helpGroup: GLOBAL,
  }),
}

export const namespaceFlags = {
  namespace: Flags.string({char: 'n', description: "Namespace (default: the context's namespace)."}),
  'all-namespaces': Flags.boolean({char: 'A', description: 'Across all namespaces.', default: false, exclusive: ['namespace']}),
}

export const namespaceFlag = {
  namespace: Flags.string({char: 'n', description: "Namespace (default: the context's namespace)."}),
}

export function outputFlag(options: string[], defaultValue = 'table') {
  return Flags.string({char: 'o', description: `Output format: ${options.join('|')}.`, options, default: defaultValue})
}

/** Like kubectl drain's: needed on top of --yes for a change that leaves pods Pending or touches other namespaces. */
export const forceFlag = {
  force: Flags.boolean({description: 'Go ahead even if evicted pods would stay Pending or not be replaced, or (cleanup) pods of other namespaces would be evicted.', default: false}),
}

export const yesFlag = {
  yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.', default: false}),
  'skip-confirm': Flags.boolean({hidden: true, description: 'Alias of --yes (liqoctl).', default: false}),
}

export function timeoutFlag(defaultMs: number, defaultHelp: string) {
  return {
    timeout: durationFlag({description: 'How long to wait (e.g. 90s, 2m).', default: defaultMs, defaultHelp: async () => defaultHelp}),
  }
}
