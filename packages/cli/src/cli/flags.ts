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

/**
 * kubectl's global connection flags (client-go's clientcmd override flags), with its names, short
 * name and meanings; merged over the kubeconfig by src/k8s/overrides.ts.
 */
function connectionFlags() {
  return {
    cluster: Flags.string({description: 'The name of the kubeconfig cluster to use.', helpGroup: GLOBAL}),
    user: Flags.string({description: 'The name of the kubeconfig user to use.', helpGroup: GLOBAL}),
    server: Flags.string({
      char: 's',
      description: 'The address and port of the Kubernetes API server.',
      helpGroup: GLOBAL,
    }),
    token: Flags.string({
      description: 'Bearer token for authentication to the API server (never printed).',
      helpGroup: GLOBAL,
    }),
    'certificate-authority': Flags.string({
      description: 'Path to a cert file for the certificate authority.',
      helpGroup: GLOBAL,
    }),
    'insecure-skip-tls-verify': Flags.boolean({
      description:
        "If true, the server's certificate will not be checked for validity. This will make your HTTPS " +
        'connections insecure.',
      helpGroup: GLOBAL,
    }),
    'tls-server-name': Flags.string({
      description:
        'Server name to use for server certificate validation. If it is not provided, the hostname used to ' +
        'contact the server is used.',
      helpGroup: GLOBAL,
    }),
    as: Flags.string({
      description:
        'Username to impersonate for the operation (a user or a service account, system:serviceaccount:<ns>:<name>).',
      helpGroup: GLOBAL,
    }),
    'as-group': Flags.string({
      description: 'Group to impersonate for the operation; repeat it for several groups.',
      multiple: true,
      helpGroup: GLOBAL,
    }),
    'as-uid': Flags.string({description: 'UID to impersonate for the operation.', helpGroup: GLOBAL}),
  }
}

export const kubeFlags = {
  kubeconfig: Flags.string({
    description: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).',
    helpGroup: GLOBAL,
  }),
  context: Flags.string({
    description: 'Kubeconfig context of the home cluster (where Liqo offloads from).',
    helpGroup: GLOBAL,
  }),
  ...connectionFlags(),
  'request-timeout': durationFlag({
    description: 'Deadline of each API request (e.g. 10s).',
    default: 30_000,
    defaultHelp: async () => '30s',
    helpGroup: GLOBAL,
  }),
  'no-color': Flags.boolean({
    description: 'Disable colours (also honoured: NO_COLOR).',
    helpGroup: GLOBAL,
    default: false,
  }),
  v: Flags.integer({
    char: 'v',
    description:
      "Log level, as kubectl's: 6 logs each API request (method, URL, status, time) to stderr, 8 also the " +
      'bodies (credentials and Secret data redacted).',
    min: 0,
    max: 10,
    helpGroup: GLOBAL,
  }),
}

export const namespaceFlags = {
  namespace: Flags.string({char: 'n', description: "Namespace (default: the context's namespace)."}),
  'all-namespaces': Flags.boolean({
    char: 'A',
    description: 'Across all namespaces.',
    default: false,
    exclusive: ['namespace'],
  }),
}

export const namespaceFlag = {
  namespace: Flags.string({char: 'n', description: "Namespace (default: the context's namespace)."}),
}

export function outputFlag(options: string[], defaultValue = 'table') {
  return Flags.string({char: 'o', description: `Output format: ${options.join('|')}.`, options, default: defaultValue})
}

/** Like kubectl drain's: needed on top of --yes for a change that leaves pods Pending or touches other namespaces. */
export const forceFlag = {
  force: Flags.boolean({
    description:
      'Go ahead even if evicted pods would stay Pending or not be replaced, or (cleanup) pods of other ' +
      'namespaces would be evicted.',
    default: false,
  }),
}

export const yesFlag = {
  yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.', default: false}),
  'skip-confirm': Flags.boolean({hidden: true, description: 'Alias of --yes (liqoctl).', default: false}),
}

export function timeoutFlag(defaultMs: number, defaultHelp: string) {
  return {
    timeout: durationFlag({
      description: 'How long to wait (e.g. 90s, 2m).',
      default: defaultMs,
      defaultHelp: async () => defaultHelp,
    }),
  }
}

/** The values pflag (kubectl's flag parser) reads as true and false. */
const PFLAG_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True'])
const PFLAG_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False'])
/** Boolean flags that kubectl users also write with a value. */
const VALUED_BOOLEANS = ['--insecure-skip-tls-verify']

/**
 * kubectl accepts `--insecure-skip-tls-verify=true|false`; oclif's booleans take no value. The
 * flag with a true value becomes the bare flag, with a false value it goes (false is the default,
 * and as in clientcmd a false override leaves the kubeconfig's setting as it is).
 */
export function normalizeBooleanFlags(argv: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') return [...out, ...argv.slice(i)]
    const flag = VALUED_BOOLEANS.find((f) => a.startsWith(`${f}=`))
    const value = flag ? a.slice(flag.length + 1) : undefined
    if (flag && PFLAG_TRUE.has(value!)) out.push(flag)
    else if (!(flag && PFLAG_FALSE.has(value!))) out.push(a)
  }
  return out
}
