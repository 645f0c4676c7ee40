/**
 * kubectl's global connection flags (--server, --token, --user, --cluster, --as, --as-group,
 * --as-uid, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name) merged into the
 * kubeconfig's cluster and user entries with client-go's precedence (tools/clientcmd: the
 * ConfigOverrides a DirectClientConfig merges into its Context, Cluster and AuthInfo). The result is
 * plain kubeconfig data, so the credential code (./auth.ts) treats a flag like the same line in the
 * kubeconfig. Pure but for the check that --certificate-authority can be read.
 */
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'

import {UsageError, UserError} from '../toolkit/errors.js'

/** The flags' values; unset (or empty, as in clientcmd) means "as the kubeconfig says". */
export interface ConnectionOverrides {
  /** --cluster: the kubeconfig cluster entry to use instead of the context's. */
  cluster?: string
  /** --user: the kubeconfig user entry to use instead of the context's. */
  user?: string
  server?: string
  token?: string
  as?: string
  asGroups?: string[]
  asUid?: string
  certificateAuthority?: string
  insecureSkipTlsVerify?: boolean
  tlsServerName?: string
}

type Entry = Record<string, unknown>

const given = (s: string | undefined): s is string => typeof s === 'string' && s !== ''

/** True when the flags alone name a server: kubectl then needs no kubeconfig and no context. */
export function overridesNameServer(o: ConnectionOverrides): boolean {
  return given(o.server)
}

/** Flags that contradict each other, whatever the kubeconfig says: one line, exit 2. */
export function checkOverrides(o: ConnectionOverrides): void {
  if (o.insecureSkipTlsVerify && given(o.certificateAuthority)) {
    throw new UsageError(
      '--certificate-authority and --insecure-skip-tls-verify cannot be used together',
      'pass the CA to verify the server with, or skip verification, not both',
    )
  }
}

/**
 * The cluster entry with the flags applied: non-empty values replace the kubeconfig's; a CA or
 * --insecure-skip-tls-verify replaces the kubeconfig's whole trust setting (clientcmd clears the
 * other), and --server drops the kubeconfig's tls-server-name unless --tls-server-name is given.
 */
export function mergeCluster(cluster: Entry, o: ConnectionOverrides, cwd = process.cwd()): Entry {
  const out: Entry = {...cluster}
  if (given(o.server)) out.server = o.server
  if (o.insecureSkipTlsVerify || given(o.certificateAuthority)) {
    delete out['certificate-authority']
    delete out['certificate-authority-data']
    delete out['insecure-skip-tls-verify']
    if (o.insecureSkipTlsVerify) out['insecure-skip-tls-verify'] = true
    if (given(o.certificateAuthority)) out['certificate-authority'] = readableCa(resolve(cwd, o.certificateAuthority))
  }
  if (given(o.tlsServerName) || given(o.server)) {
    delete out['tls-server-name']
    if (given(o.tlsServerName)) out['tls-server-name'] = o.tlsServerName
  }
  return out
}

/**
 * The user entry with the flags applied. --token becomes the entry's token; as in client-go, it
 * replaces an exec plugin or auth provider (neither runs when a token is given) but keeps a client
 * certificate, and a readable tokenFile still wins over it. --as, --as-uid and --as-group replace the kubeconfig's
 * impersonation fields one by one (the groups as a whole list).
 */
export function mergeUser(user: Entry, o: ConnectionOverrides): Entry {
  const out: Entry = {...user}
  if (given(o.token)) {
    delete out.exec
    delete out['auth-provider']
    // client-go keeps the kubeconfig's tokenFile next to the flag's token and sends the file's
    // token whenever the file reads (the flag's is only the fallback): kubectl --token on such a
    // user authenticates as the file's token. The same here, decided once, now.
    const file = [out.tokenFile, out['token-file']].find((f): f is string => typeof f === 'string' && f !== '')
    if (file && readable(file)) delete out.token
    else {
      out.token = o.token
      delete out.tokenFile
      delete out['token-file']
    }
  }
  if (given(o.as)) out.as = o.as
  if (given(o.asUid)) out['as-uid'] = o.asUid
  const groups = (o.asGroups ?? []).filter(given)
  if (groups.length) out['as-groups'] = groups
  return out
}

/**
 * What clientcmd's validation refuses in the merged user, named after where it came from: two
 * ways to authenticate (a token and a username/password), or a uid, groups or extra to impersonate
 * without a user. Caused by the flags, it is a usage error (exit 2); by the kubeconfig, exit 1.
 */
export function checkUser(user: Entry, name: string, o: ConnectionOverrides): void {
  const str = (v: unknown) => typeof v === 'string' && v !== ''
  const owner = name ? `user "${name}"` : 'the user'
  if (str(user.token) && (str(user.username) || str(user.password))) {
    const msg = `more than one authentication method for ${owner}: a token and a username/password; only one is allowed`
    if (given(o.token))
      throw new UsageError(`${msg} (--token was given)`, 'pick another user with --user, or drop --token')
    throw new UserError(msg, 'remove one of them from the user entry of the kubeconfig')
  }
  const groups = Array.isArray(user['as-groups']) ? user['as-groups'] : []
  const extra = user['as-user-extra']
  const hasExtra = extra !== null && typeof extra === 'object' && Object.keys(extra).length > 0
  if (str(user.as) || !(str(user['as-uid']) || groups.length > 0 || hasExtra)) return
  if (given(o.asUid) || (o.asGroups ?? []).some(given)) {
    const which = given(o.asUid) ? '--as-uid' : '--as-group'
    throw new UsageError(
      `${which} needs a user to impersonate: pass --as too (kubectl refuses it as well)`,
      'add --as <user>',
    )
  }
  throw new UserError(
    `${owner} in the kubeconfig asks to impersonate a uid, groups or extra without a user (as), which kubectl refuses`,
    'add "as" to the user entry, or pass --as',
  )
}

function readable(file: string): boolean {
  try {
    readFileSync(file)
    return true
  } catch {
    return false
  }
}

function readableCa(file: string): string {
  try {
    readFileSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(e))
    throw new UserError(
      `cannot read --certificate-authority "${file}": ${why}`,
      'pass the path of a PEM file holding the CA certificate(s)',
    )
  }
  return file
}

/**
 * The flags to type to reach the same cluster as the same identity again (for the command lines we
 * print), in kubectl's spelling. The token is a credential: it is left out and named in `leftOut`.
 */
export function overrideArgs(o: ConnectionOverrides): {args: string[]; leftOut: string[]} {
  const args: string[] = []
  const add = (flag: string, v: string | undefined) => given(v) && args.push(flag, v)
  add('--cluster', o.cluster)
  add('--user', o.user)
  add('--server', o.server)
  add('--certificate-authority', given(o.certificateAuthority) ? resolve(o.certificateAuthority) : undefined)
  if (o.insecureSkipTlsVerify) args.push('--insecure-skip-tls-verify')
  add('--tls-server-name', o.tlsServerName)
  add('--as', o.as)
  add('--as-uid', o.asUid)
  for (const g of o.asGroups ?? []) add('--as-group', g)
  return {args, leftOut: given(o.token) ? ['--token'] : []}
}
