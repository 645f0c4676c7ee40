/**
 * Which certificate authorities a connection trusts, as kubectl (Go) decides on Linux.
 *
 * - The kubeconfig's CA (`certificate-authority-data`, else `certificate-authority`) alone when it
 *   gives one: nothing else, not the OS store (client-go's RootCAs).
 * - Otherwise the OS trust store as Go's crypto/x509 reads it (root_linux.go, root_unix.go): the
 *   first readable file of SSL_CERT_FILE or Go's bundle list, plus every file of SSL_CERT_DIR
 *   (":"-separated) or Go's certificate directories, symbolic links to a file of the same folder
 *   skipped. Node's bundled roots are not trusted (kubectl does not know them). On top of it,
 *   NODE_EXTRA_CA_CERTS as Node itself read it (tls.getCACertificates('extra'), Node >= 22.15;
 *   an older Node has no way to hand it out, so there it is not added).
 *
 * The OS store is read once per process, and only by a connection that needs it.
 */
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'

import {UserError} from '../toolkit/errors.js'
import {tlsLib} from './net.js'

/** Go's certFiles for Linux: the first one that can be read is used. */
export const CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
]
/** Go's certDirectories for Linux: every file of each is read. */
export const CERT_DIRECTORIES = ['/etc/ssl/certs', '/etc/pki/tls/certs']

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g

/** The CERTIFICATE blocks of a PEM text (Go's AppendCertsFromPEM takes those and skips the rest). */
export function certificatesOf(pem: string): string[] {
  return pem.match(PEM_CERTIFICATE) ?? []
}

/** The OS trust store's certificates as Go reads them on Linux (`env` gives SSL_CERT_FILE / SSL_CERT_DIR). */
export function readOsStore(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>()
  const add = (file: string): boolean => {
    try {
      for (const c of certificatesOf(readFileSync(file, 'latin1'))) out.add(c)
      return true
    } catch {
      return false
    }
  }
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : CERT_FILES
  for (const f of files) if (add(f)) break
  const dirs = env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':') : CERT_DIRECTORIES
  for (const dir of dirs) {
    let entries
    try {
      entries = readdirSync(dir, {withFileTypes: true})
    } catch {
      continue
    }
    for (const e of entries) {
      const path = `${dir}/${e.name}`
      // Go skips a link to a file of the same folder (the hashed names OpenSSL's c_rehash makes).
      if (e.isSymbolicLink() && !readlinkSync(path).includes('/')) continue
      add(path)
    }
  }
  return [...out]
}

let osRoots: string[] | undefined

/** The OS store plus NODE_EXTRA_CA_CERTS, read on first use and kept for the process. */
export function osTrust(): string[] {
  if (!osRoots) {
    const tls = tlsLib() as ReturnType<typeof tlsLib> & {getCACertificates?: (type: string) => string[]}
    osRoots = [...new Set([...readOsStore(), ...(tls.getCACertificates?.('extra') ?? [])])]
  }
  return osRoots
}

/** For tests: forget the store read so far. */
export function forgetOsTrust(): void {
  osRoots = undefined
}

export interface ClusterTrust {
  /** The roots to verify the server with; undefined when nothing is verified (insecure). */
  ca?: Array<string | Buffer>
  rejectUnauthorized: boolean
  /** tls-server-name: the name the server's certificate is checked against (and sent as SNI). */
  servername?: string
}

/** A file the kubeconfig names; unreadable, it is one clear error (as kubectl's "unable to read ..."). */
function readCaFile(file: string, owner: string): Buffer {
  try {
    return readFileSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UserError(
      `cannot read certificate-authority "${file}" of ${owner} in the ` +
        `kubeconfig: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`,
      'fix the path in the kubeconfig, or give the content inline (certificate-authority-data)',
    )
  }
}

/**
 * The cluster entry's own CA, if it gives one (inline data wins over a file path, as in kubectl);
 * also what a credential plugin is told of the cluster.
 */
export function kubeconfigCa(cluster: Record<string, unknown>, clusterName: string): Buffer | undefined {
  const data = cluster['certificate-authority-data']
  const file = cluster['certificate-authority']
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64')
  if (typeof file === 'string' && file) return readCaFile(file, `cluster "${clusterName}"`)
  return undefined
}

/** client-go refuses a CA together with insecure-skip-tls-verify (whatever the server's scheme). */
export function refuseCaWithInsecure(cluster: Record<string, unknown>, clusterName: string): void {
  const given = (v: unknown) => typeof v === 'string' && v !== ''
  if (cluster['insecure-skip-tls-verify'] !== true) return
  if (!given(cluster['certificate-authority-data']) && !given(cluster['certificate-authority'])) return
  throw new UserError(
    `cluster "${clusterName}" of the kubeconfig: specifying a root certificates file with the insecure flag ` +
      `is not allowed`,
    'remove certificate-authority(-data) or insecure-skip-tls-verify from the cluster entry',
  )
}

/**
 * The trust of one cluster entry, as client-go builds its TLS config: the kubeconfig's CA alone,
 * else the OS store (read only now, and only when something is verified); a CA together with
 * insecure-skip-tls-verify is refused with client-go's words.
 */
export function clusterTrust(cluster: Record<string, unknown>, clusterName: string): ClusterTrust {
  const insecure = cluster['insecure-skip-tls-verify'] === true
  const servername =
    typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name']
      ? cluster['tls-server-name']
      : undefined
  refuseCaWithInsecure(cluster, clusterName)
  if (insecure) return {rejectUnauthorized: false, ...(servername ? {servername} : {})}
  const own = kubeconfigCa(cluster, clusterName)
  return {ca: own ? [own] : osTrust(), rejectUnauthorized: true, ...(servername ? {servername} : {})}
}
