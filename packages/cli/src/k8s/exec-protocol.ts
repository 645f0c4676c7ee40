/**
 * The ExecCredential protocol of client-go credential plugins (client.authentication.k8s.io v1 and
 * v1beta1), as plain data: the kubeconfig's `exec` entry read and checked, what the plugin gets in
 * KUBERNETES_EXEC_INFO, and what its stdout must hold. Running the plugin is ./exec-credential.ts.
 * Errors carry a reason only: never a byte of the plugin's output, which may hold a credential.
 */

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number]
export type InteractiveMode = 'Never' | 'IfAvailable' | 'Always'
/** The cluster extension whose content a plugin gets as spec.cluster.config (client-go's clusterExtensionKey). */
export const EXEC_CLUSTER_EXTENSION = 'client.authentication.k8s.io/exec'

export interface ExecConfig {
  command: string
  args: string[]
  /** Entries of `env`, added to (and overriding) the process environment. */
  env: Record<string, string>
  apiVersion: ExecApiVersion
  installHint: string
  provideClusterInfo: boolean
  interactiveMode: InteractiveMode
}

/** A kubeconfig `exec` entry that cannot be used; `hint` says how to fix it. */
export class ExecConfigError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** ANSI escape sequences and control characters other than spaces and newlines (client-go cleans installHint). */
function cleanHint(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '')
}

/** The `exec` entry of a kubeconfig user, checked as clientcmd's validation and defaulting check it. */
export function parseExecConfig(raw: unknown): ExecConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ExecConfigError('"exec" must be a mapping')
  const e = raw as Record<string, unknown>
  const command = typeof e.command === 'string' ? e.command : ''
  if (!command) throw new ExecConfigError('"exec" has no command', 'set exec.command in the kubeconfig')
  const apiVersion = e.apiVersion
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecApiVersion)) {
    throw new ExecConfigError(
      `exec plugin has an unsupported apiVersion ${JSON.stringify(apiVersion ?? '')}`,
      `use one of: ${EXEC_API_VERSIONS.join(', ')}`,
    )
  }
  let mode = e.interactiveMode
  // v1beta1 defaults to IfAvailable; v1 must say (clientcmd's defaulting and validation).
  if (mode === undefined || mode === '') {
    if (apiVersion !== 'client.authentication.k8s.io/v1beta1')
      throw new ExecConfigError(
        'interactiveMode must be specified to use an exec plugin of apiVersion client.authentication.k8s.io/v1',
        'set exec.interactiveMode to Never, IfAvailable or Always',
      )
    mode = 'IfAvailable'
  }
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always')
    throw new ExecConfigError(`invalid interactiveMode ${JSON.stringify(mode)}`, 'use Never, IfAvailable or Always')
  const env: Record<string, string> = {}
  for (const item of Array.isArray(e.env) ? (e.env as unknown[]) : []) {
    const {name, value} = (item ?? {}) as {name?: unknown; value?: unknown}
    if (typeof name === 'string' && name) env[name] = typeof value === 'string' ? value : ''
  }
  return {
    command,
    args: Array.isArray(e.args) ? (e.args as unknown[]).map(String) : [],
    env,
    apiVersion: apiVersion as ExecApiVersion,
    installHint: typeof e.installHint === 'string' ? cleanHint(e.installHint).trim() : '',
    provideClusterInfo: e.provideClusterInfo === true,
    interactiveMode: mode,
  }
}

/** Whether the plugin runs interactively (gets our stdin), as client-go decides it. */
export function isInteractive(mode: InteractiveMode, stdinIsTerminal: boolean): boolean {
  if (mode === 'Never') return false
  if (mode === 'Always' && !stdinIsTerminal) {
    throw new ExecConfigError(
      'the plugin needs a terminal (interactiveMode: Always) and standard input is not one',
      'run the command in a terminal, or log in with the plugin first',
    )
  }
  return stdinIsTerminal
}

/** spec.cluster of KUBERNETES_EXEC_INFO (client-go's ConfigToExecCluster), given the cluster's CA bytes. */
export function execCluster(cluster: Record<string, unknown>, ca: Buffer | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {server: typeof cluster.server === 'string' ? cluster.server : ''}
  if (typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name'])
    out['tls-server-name'] = cluster['tls-server-name']
  if (cluster['insecure-skip-tls-verify'] === true) out['insecure-skip-tls-verify'] = true
  if (ca && ca.length) out['certificate-authority-data'] = ca.toString('base64')
  if (typeof cluster['proxy-url'] === 'string' && cluster['proxy-url']) out['proxy-url'] = cluster['proxy-url']
  if (cluster['disable-compression'] === true) out['disable-compression'] = true
  const extensions = Array.isArray(cluster.extensions)
    ? (cluster.extensions as Array<{name?: unknown; extension?: unknown}>)
    : []
  const config = extensions.find((x) => x?.name === EXEC_CLUSTER_EXTENSION)?.extension
  if (config !== undefined && config !== null) out.config = config
  return out
}

/** The value of KUBERNETES_EXEC_INFO. */
export function execInfo(apiVersion: ExecApiVersion, interactive: boolean, cluster?: Record<string, unknown>): string {
  return JSON.stringify({kind: 'ExecCredential', apiVersion, spec: {...(cluster ? {cluster} : {}), interactive}})
}

export interface ExecCredential {
  token?: string
  /** PEM, when the plugin hands out a client certificate. */
  cert?: string
  key?: string
  /** ms since the epoch; undefined: valid for the whole process (client-go keeps it until a 401). */
  expiresAt?: number
}

/** A value safe to quote in an error: an API version or a kind, never other text from the plugin. */
function quoteName(v: unknown, kind = false): string {
  const ok = kind ? /^[A-Z][A-Za-z0-9]{0,39}$/ : /^([a-z0-9.-]{1,60}\/)?v\d+((alpha|beta)\d+)?$/
  return typeof v === 'string' && ok.test(v) ? `"${v}"` : 'something else'
}

/** Reads the plugin's stdout. Throws an Error whose message is a reason that quotes none of it. */
export function parseExecCredential(stdout: string, apiVersion: ExecApiVersion): ExecCredential {
  let doc: unknown
  try {
    doc = JSON.parse(stdout)
  } catch {
    throw new Error('its output is not a JSON ExecCredential')
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('its output is not a JSON ExecCredential')
  const d = doc as {apiVersion?: unknown; kind?: unknown; status?: unknown}
  if (d.apiVersion !== apiVersion)
    throw new Error(`it is configured to use API version ${apiVersion}, and it returned ${quoteName(d.apiVersion)}`)
  if (d.kind !== 'ExecCredential') throw new Error(`it returned kind ${quoteName(d.kind, true)}, not ExecCredential`)
  if (!d.status || typeof d.status !== 'object') throw new Error("it didn't return a status field")
  const s = d.status as Record<string, unknown>
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : '')
  const token = str('token')
  const cert = str('clientCertificateData')
  const key = str('clientKeyData')
  if (!token && !cert && !key) throw new Error("it didn't return a token or a client certificate and key")
  if (!cert !== !key) throw new Error('it returned only a client certificate or only a key, not both')
  const out: ExecCredential = {}
  if (token) out.token = token
  if (cert) {
    out.cert = cert
    out.key = key
  }
  const exp = s.expirationTimestamp
  if (exp !== undefined && exp !== null) {
    const t = typeof exp === 'string' ? Date.parse(exp) : NaN
    if (Number.isNaN(t)) throw new Error('its status.expirationTimestamp is not an RFC 3339 time')
    out.expiresAt = t
  }
  return out
}
