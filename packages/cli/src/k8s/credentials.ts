/**
 * What a kubeconfig context authenticates with, read from its cluster and user entries the way
 * client-go reads them: the client certificate (trust and proxies are ./connection.ts's), the
 * Authorization header (token, tokenFile re-read as client-go does, basic auth), impersonation on
 * every request, and which plugin, if any, supplies the credential: an `exec` entry (only when no
 * token, basic auth or client certificate is given: client-go then never runs the plugin) or an
 * `auth-provider` (oidc). Inline data wins over a file, as in kubectl.
 */
import {readFileSync} from 'node:fs'
import type https from 'node:https'

import {UserError} from '../toolkit/errors.js'
import {ExecConfigError, parseExecConfig, type ExecConfig} from './exec-protocol.js'
import {impersonationHeaders, type Headers} from './impersonation.js'
import type {KubeTarget} from './kubeconfig.js'
import {FileToken} from './token-file.js'

export type TlsMaterial = Pick<https.AgentOptions, 'cert' | 'key'>

export type CredentialTarget = Pick<KubeTarget, 'cluster' | 'user'> &
  Partial<Pick<KubeTarget, 'clusterName' | 'userName' | 'context'>>

export interface UserCredentials {
  tls: TlsMaterial
  /** Impersonation and the kubeconfig's own Authorization (token, token file, basic auth), for the next request. */
  headers(): Headers
  /** After a 401: the token file is read again on the next request. True when something may change. */
  refresh(): boolean
  /** The credential plugin to run for the Authorization header or the client certificate. */
  exec?: ExecConfig
  /** The auth-provider entry (oidc), left to @kubernetes/client-node. */
  authProvider?: {name: string}
}

/** A file the kubeconfig names; unreadable, it is one clear error (as kubectl's "unable to read ..."). */
function readNamed(file: string, field: string, owner: string, inline = `${field}-data`): Buffer {
  try {
    return readFileSync(file)
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as NodeJS.ErrnoException).code ?? String(e))
    throw new UserError(
      `cannot read ${field} "${file}" of ${owner} in the kubeconfig: ${why}`,
      `fix the path in the kubeconfig, or give the content inline (${inline})`,
    )
  }
}

function fileOrData(file: unknown, data: unknown, field: string, owner: string): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64')
  if (typeof file === 'string' && file) return readNamed(file, field, owner)
  return undefined
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** kubectl dropped the gcp and azure auth providers (1.26); it names the plugin that replaces each. */
const REMOVED_PROVIDERS: Record<string, string> = {
  gcp:
    'use the gke-gcloud-auth-plugin credential plugin instead ' +
    '(https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke)',
  azure: 'use the kubelogin credential plugin instead (https://azure.github.io/kubelogin/)',
}

function authProviderOf(user: Record<string, unknown>, owner: string): {name: string} | undefined {
  const p = user['auth-provider']
  if (p === undefined || p === null) return undefined
  const name = str((p as {name?: unknown}).name)
  const removed = REMOVED_PROVIDERS[name]
  if (removed)
    throw new UserError(
      `the ${name} auth provider of ${owner} in the kubeconfig has been removed from kubectl and is not supported`,
      removed,
    )
  if (name !== 'oidc')
    throw new UserError(
      `the auth provider ${JSON.stringify(name)} of ${owner} in the kubeconfig is not supported`,
      'use an exec credential plugin (users[].user.exec), as kubectl recommends',
    )
  return {name}
}

/** The credentials of a context's user; throws a UserError naming the field and whose it is. */
export function userCredentials(target: CredentialTarget): UserCredentials {
  const {user} = target
  const ofUser = `user "${target.userName ?? ''}"`
  const tls: TlsMaterial = {}
  const cert = fileOrData(user['client-certificate'], user['client-certificate-data'], 'client-certificate', ofUser)
  if (cert) tls.cert = cert
  const key = fileOrData(user['client-key'], user['client-key-data'], 'client-key', ofUser)
  if (key) tls.key = key

  const fixed: Headers = impersonationHeaders(user)
  const username = str(user.username)
  if (username) fixed.Authorization = `Basic ${Buffer.from(`${username}:${str(user.password)}`).toString('base64')}`
  const token = str(user.token)
  const tokenFilePath = str(user.tokenFile) || str(user['token-file'])
  const tokenFile = tokenFilePath ? new FileToken(tokenFilePath, ofUser) : undefined
  if (token) fixed.Authorization = `Bearer ${token}`
  // As client-go: with both, the file's token is sent whenever the file reads; the token is the fallback.
  const fromFile = (): string | undefined => {
    try {
      return tokenFile!.get()
    } catch (e) {
      if (token) return undefined
      throw e
    }
  }

  const out: UserCredentials = {
    tls,
    headers: () => {
      const t = tokenFile ? fromFile() : undefined
      return t ? {...fixed, Authorization: `Bearer ${t}`} : fixed
    },
    refresh: () => tokenFile?.reset() ?? false,
  }
  const authProvider = authProviderOf(user, ofUser)
  const hasOwn = !!(token || tokenFile || username || (cert && key))
  if (user.exec !== undefined && user.exec !== null) {
    if (authProvider)
      throw new UserError(
        `${ofUser} in the kubeconfig has both an exec plugin and an auth provider`,
        'keep one of them (kubectl refuses the combination too)',
      )
    // client-go never runs the plugin when the user already has a token, basic auth or a client certificate.
    if (!hasOwn) out.exec = execConfigOf(user.exec, ofUser)
  } else if (authProvider && !hasOwn) {
    out.authProvider = authProvider
  }
  return out
}

function execConfigOf(raw: unknown, owner: string): ExecConfig {
  try {
    return parseExecConfig(raw)
  } catch (e) {
    if (!(e instanceof ExecConfigError)) throw e
    throw new UserError(
      `the exec entry of ${owner} in the kubeconfig is invalid: ${e.message}`,
      e.hint ?? 'fix the exec entry of the kubeconfig',
    )
  }
}
