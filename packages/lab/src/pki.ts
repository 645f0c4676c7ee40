/**
 * The lab's certificates: one CA, one serving certificate for 127.0.0.1 and the v1 lab's API
 * addresses (used by the three API servers and the emulator's admission webhook), and a service-account signing key per
 * cluster. Certificates are made with the `openssl` CLI (always present on Debian: ca-certificates depends on it), run
 * without a shell; keys are never printed.
 */
import {execFileSync} from 'node:child_process'
import {generateKeyPairSync, randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface LabPki {
  dir: string
  caCert: string
  caKey: string
  servingCert: string
  servingKey: string
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, {cwd, stdio: ['ignore', 'ignore', 'pipe']})
  } catch (e) {
    const stderr = (e as {stderr?: Buffer}).stderr?.toString().trim().split('\n')[0] ?? ''
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    throw new Error(
      missing ? 'the lab needs the openssl command (Debian package "openssl")' : `openssl ${args[0]} failed: ${stderr}`,
      {cause: e},
    )
  }
}

/** `extraIps`: addresses the serving certificate must also be valid for (the v1 lab's API servers). */
export function createPki(dir: string, extraIps: string[] = []): LabPki {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=liqo-topology-lab-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
  writeFileSync(
    join(dir, 'serving.ext'),
    [
      `subjectAltName=${['IP:127.0.0.1', ...extraIps.map((ip) => `IP:${ip}`), 'DNS:localhost'].join(',')}`,
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'basicConstraints=CA:FALSE',
      '',
    ].join('\n'),
  )
  openssl(['req', ...ec, '-keyout', 'serving.key', '-out', 'serving.csr', '-subj', '/CN=127.0.0.1'], dir)
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'serving.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-out',
      'serving.crt',
      '-days',
      '3650',
      '-extfile',
      'serving.ext',
    ],
    dir,
  )
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
  }
}

/** RSA key pair for signing service-account tokens of one cluster. */
export function createServiceAccountKey(dir: string, cluster: string): {key: string; pub: string} {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: {type: 'pkcs8', format: 'pem'},
    publicKeyEncoding: {type: 'spki', format: 'pem'},
  })
  const key = join(dir, `${cluster}-sa.key`)
  const pub = join(dir, `${cluster}-sa.pub`)
  writeFileSync(key, privateKey, {mode: 0o600})
  writeFileSync(pub, publicKey)
  return {key, pub}
}

export function randomToken(): string {
  return randomBytes(24).toString('base64url')
}

export function readPem(path: string): string {
  return readFileSync(path, 'utf8')
}
