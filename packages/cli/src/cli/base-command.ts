/**
 * What every command shares: output streams and the printer, Ctrl-C handling, connecting to the
 * home cluster and the single error handler. Commands stay thin: parse flags → session → one flow
 * (src/flows/) or one service → the printer.
 */
import {Command, Flags} from '@oclif/core'

import {ExitCode, InterruptedError} from '../toolkit/errors.js'
import {KubeClient} from '../k8s/client.js'
import type {Session} from '../flows/session.js'
import {loadKubeconfig, resolveTarget} from '../k8s/kubeconfig.js'
import {overrideArgs, overridesNameServer, type ConnectionOverrides} from '../k8s/overrides.js'
import {normalizeBooleanFlags} from './flags.js'
import {handleError} from './handle-error.js'
import {processIO, type IO} from '../toolkit/io.js'
import {Stage} from '../toolkit/rerun.js'
import {Printer} from '../ui/printer.js'

export interface KubeFlagValues {
  kubeconfig?: string
  context?: string
  'request-timeout'?: number
  namespace?: string
  /** kubectl's -v: 6 logs requests, 8 also bodies. */
  v?: number
  cluster?: string
  user?: string
  server?: string
  token?: string
  'certificate-authority'?: string
  'insecure-skip-tls-verify'?: boolean
  'tls-server-name'?: string
  as?: string
  'as-group'?: string[]
  'as-uid'?: string
}

/** kubectl's connection flags as clientcmd overrides. */
export function connectionOverrides(f: KubeFlagValues): ConnectionOverrides {
  return {
    cluster: f.cluster,
    user: f.user,
    server: f.server,
    token: f.token,
    certificateAuthority: f['certificate-authority'],
    insecureSkipTlsVerify: f['insecure-skip-tls-verify'],
    tlsServerName: f['tls-server-name'],
    as: f.as,
    asGroups: f['as-group'],
    asUid: f['as-uid'],
  }
}

/** The signals that stop a command cleanly (the terminal closing sends SIGHUP). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = {
  SIGINT: ExitCode.interrupted,
  SIGTERM: ExitCode.terminated,
  SIGHUP: ExitCode.hangup,
}

export abstract class BaseCommand extends Command {
  /** -h as well as --help, as kubectl has it. */
  static override baseFlags = {help: Flags.help({char: 'h', description: 'Show this help.'})}

  /** Aborted on Ctrl-C, SIGTERM or SIGHUP; every service receives it. */
  protected readonly abort = new AbortController()
  protected io: IO = processIO()
  private readonly clients: KubeClient[] = []
  private interrupts = 0
  /** How far a changing command got, for the line printed if a signal stops it. */
  protected stage = new Stage()
  /** The exit code of the signal that stopped us: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP. */
  private signalExit?: number
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.interrupts++
    this.signalExit ??= SIGNAL_EXIT[signal] ?? ExitCode.interrupted
    if (this.interrupts > 1) {
      this.io.err('error: interrupted again; exiting now')
      process.exit(this.signalExit)
    }
    this.abort.abort(new InterruptedError('interrupted'))
    // A service that is not waiting on the signal gets a moment to wind down, then we leave,
    // saying how far the command got.
    setTimeout(() => {
      this.io.err(`error: ${this.stage.line()}`)
      process.exit(this.signalExit)
    }, 3_000).unref()
  }

  override async init(): Promise<void> {
    await super.init()
    this.argv = normalizeBooleanFlags(this.argv)
    this.stage = new Stage((this.id ?? '').replace(/:/g, ' '), this.argv)
    for (const sig of SIGNALS) process.on(sig, this.onSignal)
  }

  /** Re-creates the IO once flags are known (colour, machine-readable output). */
  protected setupIO(flags: {'no-color'?: boolean; output?: string}): IO {
    this.io = processIO({noColor: flags['no-color'], machine: flags.output === 'json' || flags.output === 'yaml'})
    return this.io
  }

  /**
   * Connects to the context's cluster, with kubectl's connection flags over the kubeconfig (for the
   * home cluster only: `home` false for the other contexts of a command, which the kubeconfig alone
   * describes). Returns the client and the namespace to use.
   */
  private async connect(flags: KubeFlagValues, home = true): Promise<{client: KubeClient; namespace: string}> {
    const overrides = home ? connectionOverrides(flags) : {}
    const config = loadKubeconfig({kubeconfig: flags.kubeconfig, optional: overridesNameServer(overrides)})
    const target = resolveTarget(config, flags.context, flags.namespace, overrides)
    const v = flags.v ?? 0
    const client = await KubeClient.connect(target, {
      requestTimeoutMs: flags['request-timeout'] ?? 30_000,
      ...(v >= 6 ? {requestLog: {level: v, write: (l: string) => this.io.err(l)}} : {}),
    })
    this.clients.push(client)
    if (home) this.stage.reach = {context: target.context, ...overrideArgs(overrides)}
    // Honoured, as kubectl does, but never silently.
    if (target.cluster['insecure-skip-tls-verify'] === true) {
      const where = target.clusterName
        ? `cluster "${target.clusterName}"${target.context ? ` (context "${target.context}")` : ''}`
        : target.server
      const why = overrides.insecureSkipTlsVerify
        ? '--insecure-skip-tls-verify is given'
        : 'insecure-skip-tls-verify is set in the kubeconfig'
      this.io.err(`warning: the server certificate of ${where} is not verified: ${why}`)
    }
    return {client, namespace: target.namespace}
  }

  /** Clients for other contexts of the same kubeconfig (e.g. the remote clusters of an unpeering). */
  protected async remotes(flags: KubeFlagValues, contexts: string[]): Promise<KubeClient[]> {
    return Promise.all(contexts.map(async (context) => (await this.connect({...flags, context}, false)).client))
  }

  /**
   * What a command on the home cluster gives its flow: its output (streams and printer), the client
   * and the namespace, the signal of Ctrl-C and the stage that says how far it got.
   */
  protected async session(flags: KubeFlagValues & {'no-color'?: boolean; output?: string}): Promise<Session> {
    const io = this.setupIO(flags)
    const {client, namespace} = await this.connect(flags)
    const print = new Printer(io, flags.output ?? 'table')
    return {io, print, client, namespace, signal: this.abort.signal, stage: this.stage}
  }

  override async catch(err: Error & {exitCode?: number}): Promise<never> {
    const handled = handleError(err, this.io, this.id)
    const code = handled === ExitCode.interrupted && this.signalExit ? this.signalExit : handled
    this.cleanup()
    try {
      return this.exit(code)
    } catch (exit) {
      // The error is printed already: the oclif that handles the exit prints nothing. Marked, not only
      // typed, as a plugin's commands (the lab's) bring their own oclif, whose ExitError the CLI's does not know.
      ;(exit as {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
      throw exit
    }
  }

  override async finally(err: Error | undefined): Promise<void> {
    this.cleanup()
    await super.finally(err)
  }

  private cleanup(): void {
    for (const sig of SIGNALS) process.off(sig, this.onSignal)
    for (const c of this.clients.splice(0)) c.close()
  }
}
