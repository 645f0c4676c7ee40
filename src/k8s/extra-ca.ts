/**
 * NODE_EXTRA_CA_CERTS, read when a TLS context needs it instead of when Node starts.
 *
 * Node 20 reads and parses that file at start-up, before any JavaScript runs, in every process:
 * ~40 ms for a bundle of 144 certificates, paid by `--help` and by a read whose kubeconfig gives
 * its own CA, which never uses it (Node 22 and later read it lazily). So bin/liqo-topology hands
 * the variable to Node under another name (HANDED_OVER); the entry puts it back before anything
 * runs (takeHandedOverExtraCa), so every process the CLI starts sees the user's environment as it
 * was. Before the first connection, trustHandedOverExtraCa makes every TLS context of the process
 * made without a CA of its own (ours, a proxy's, a credential plugin's token requests: Node's
 * https, tls.connect and fetch all go through tls.createSecureContext) trust those certificates on
 * top of Node's default roots, as Node does when it reads the file itself. A context given a CA
 * (the kubeconfig's) trusts only that CA, with or without this, as with Node and kubectl.
 */
import {readFileSync} from 'node:fs'
import type * as Tls from 'node:tls'
import type {SecureContext} from 'node:tls'

/** The variable bin/liqo-topology moves NODE_EXTRA_CA_CERTS to (and clears when there is none). */
export const HANDED_OVER = 'LIQO_TOPOLOGY_NODE_EXTRA_CA_CERTS'

/**
 * The file Node was not given, shared by every copy of this module in the process (the start-up
 * snapshot's and the plain bundle's, which the snapshot loads for some commands).
 */
const SLOT = Symbol.for('liqo-topology.handed-over-extra-ca')
type Slot = {file?: string; pem?: Buffer | null; trusted?: boolean}
const slot = (): Slot => ((globalThis as Record<symbol, Slot | undefined>)[SLOT] ??= {})

/**
 * Puts NODE_EXTRA_CA_CERTS back where the launcher took it from, and remembers that Node started
 * without it. Idempotent: a second call (the plain bundle after the snapshot) changes nothing.
 */
export function takeHandedOverExtraCa(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[HANDED_OVER]
  if (file === undefined) return
  delete env[HANDED_OVER]
  // Nothing handed over; or Node was started with a NODE_EXTRA_CA_CERTS of its own (not by the
  // launcher) and has read that one: nothing to add.
  if (!file || env.NODE_EXTRA_CA_CERTS) return
  env.NODE_EXTRA_CA_CERTS = file
  slot().file = file
}

/**
 * From now on, every TLS context of this process made without a CA of its own trusts the
 * handed-over certificates too (once per process; nothing to do, and node:tls not loaded, when
 * Node read the file itself).
 */
export function trustHandedOverExtraCa(tlsLib: () => typeof Tls): void {
  const s = slot()
  if (!s.file || s.trusted) return
  s.trusted = true
  const tls = tlsLib()
  const create = tls.createSecureContext
  tls.createSecureContext = function createSecureContext(options?: Tls.SecureContextOptions): SecureContext {
    const context = create.call(this, options)
    if (options?.ca === undefined) addHandedOverExtraCa(context)
    return context
  }
  // ES modules that imported it by name see the same function.
  process.getBuiltinModule('node:module').syncBuiltinESMExports()
}

/** The NODE_EXTRA_CA_CERTS file Node started without, if any. */
export function handedOverExtraCa(): string | undefined {
  return slot().file
}

/**
 * Adds the handed-over certificates to a context made without a CA of its own (whose store is
 * Node's default roots: the store is copied for this context, the default one is left alone). A
 * file that cannot be read is reported once, in the words of Node's own warning, and ignored, as
 * Node does.
 */
export function addHandedOverExtraCa(context: SecureContext, warn: (line: string) => void = (l) => void process.stderr.write(l)): void {
  const s = slot()
  if (!s.file) return
  if (s.pem === undefined) {
    try {
      s.pem = readFileSync(s.file)
    } catch (e) {
      s.pem = null
      const code = (e as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : (e as Error).message
      warn(`Warning: Ignoring extra certs from \`${s.file}\`, load failed: ${why}\n`)
    }
  }
  if (!s.pem) return
  const native = (context as unknown as {context?: {addCACert?(pem: Buffer): void}}).context
  if (typeof native?.addCACert !== 'function') {
    // Not expected on Node 20 to 24; said once rather than blamed on the kubeconfig.
    s.pem = null
    warn(
      `Warning: Ignoring extra certs from \`${s.file}\`, load failed: this Node cannot add certificates to a TLS context (the launcher kept the file from Node's start; \`node <install>/bin/run.js\` lets Node read it)\n`,
    )
    return
  }
  native.addCACert(s.pem)
}
