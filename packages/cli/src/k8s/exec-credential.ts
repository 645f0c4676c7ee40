/**
 * Credential plugins (a kubeconfig user's `exec`), run as client-go runs them
 * (plugin/pkg/client/auth/exec): a command on the PATH, or a path (relative ones were resolved
 * against the kubeconfig's folder when it was read), with the process environment plus the entry's
 * `env` and KUBERNETES_EXEC_INFO; our stdin only when it runs interactively, its stderr always the
 * user's, its stdout read as an ExecCredential (./exec-protocol.ts). The credential is kept for the
 * process until its expirationTimestamp (without one, until a 401), and one plugin run serves every
 * client of the process that has the same entry and cluster. A plugin that runs without a terminal
 * is bounded by the request timeout; an interactive one waits for the person at the terminal.
 */
import type {ChildProcess} from 'node:child_process'
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, isAbsolute, join} from 'node:path'

import {UserError} from '../toolkit/errors.js'
import {execInfo, isInteractive, parseExecCredential, type ExecConfig, type ExecCredential} from './exec-protocol.js'

/** A plugin's stdout beyond this is not a credential. */
const MAX_STDOUT = 4 * 1024 * 1024

export interface ExecOwner {
  userName: string
  context: string
}

class PluginFailure extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** exec.LookPath: a name with a slash is used as it is; a bare name is searched on the PATH. */
export function lookPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK)
      return statSync(p).isFile()
    } catch {
      return false
    }
  }
  if (command.includes('/')) return executable(command) ? command : undefined
  for (const dir of path.split(delimiter)) {
    // Go refuses PATH entries relative to the working directory (exec.ErrDot); so do we.
    if (!dir || !isAbsolute(dir)) continue
    const p = join(dir, command)
    if (executable(p)) return p
  }
  return undefined
}

function stdinIsTerminal(): boolean {
  return process.getBuiltinModule('node:tty').isatty(0)
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`
}

/** Runs the plugin once; resolves with its stdout. */
function runPlugin(cfg: ExecConfig, info: string, interactive: boolean, timeoutMs: number): Promise<string> {
  const file = lookPath(cfg.command)
  if (!file) {
    const where = cfg.command.includes('/') ? 'no executable file at that path' : 'not found on the PATH'
    return Promise.reject(
      new PluginFailure(
        `it is not installed (${where})`,
        cfg.installHint || 'install it, or fix exec.command in the kubeconfig',
      ),
    )
  }
  const {spawn} = process.getBuiltinModule('node:child_process')
  const env = {...process.env, ...cfg.env, KUBERNETES_EXEC_INFO: info}
  return new Promise<string>((resolve, reject) => {
    let child: ChildProcess
    try {
      child = spawn(file, cfg.args, {env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit']})
    } catch (e) {
      reject(new PluginFailure(`it could not be started: ${(e as NodeJS.ErrnoException).code ?? 'error'}`))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let timedOut = false
    const timer =
      !interactive && timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true
            child.kill('SIGKILL')
            child.stdout?.destroy()
          }, timeoutMs)
        : undefined
    child.stdout!.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_STDOUT) chunks.push(c)
    })
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(
        new PluginFailure(
          `it could not be started: ${e.code ?? 'error'}`,
          e.code === 'EACCES' ? 'make the command executable, or fix exec.command in the kubeconfig' : undefined,
        ),
      )
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) {
        const hint =
          'if it waits for a login, run the command in a terminal (interactiveMode IfAvailable or Always) or ' +
          'log in with the plugin first; otherwise raise --request-timeout'
        reject(new PluginFailure(`it did not answer within ${seconds(timeoutMs)} and was stopped`, hint))
      } else if (code !== 0) {
        reject(
          new PluginFailure(
            signal ? `it was ended by ${signal}` : `it exited with code ${code}`,
            'its own messages, if any, are above; fix what it reports and retry',
          ),
        )
      } else if (size > MAX_STDOUT) {
        reject(new PluginFailure('its output is too large to be an ExecCredential'))
      } else {
        // Every byte of stdout once the pipe closes (it may still be flushing after the exit).
        if (child.stdout!.readableEnded) resolve(Buffer.concat(chunks).toString('utf8'))
        else child.stdout!.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
      }
    })
  })
}

export class ExecAuthenticator {
  private cached: ExecCredential | undefined
  private inflight: Promise<ExecCredential> | undefined
  /** How often the plugin ran in this process (tests, -v logs). */
  runs = 0

  constructor(
    private readonly cfg: ExecConfig,
    private readonly cluster: Record<string, unknown> | undefined,
    private readonly owner: ExecOwner,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached credential, or a fresh one when there is none or it expired. */
  async get(): Promise<ExecCredential> {
    const c = this.cached
    if (c && (c.expiresAt === undefined || this.now() <= c.expiresAt)) return c
    return this.fetch()
  }

  /**
   * After a 401: runs the plugin again, unless it already ran since the rejected credential (whose
   * token is `rejectedToken`, when known) was handed out. True: the credential may have changed.
   */
  async refresh(rejectedToken?: string): Promise<boolean> {
    if (this.inflight) {
      await this.inflight
      return true
    }
    if (rejectedToken !== undefined && this.cached && this.cached.token !== rejectedToken) return true
    this.cached = undefined
    await this.fetch()
    return true
  }

  private fetch(): Promise<ExecCredential> {
    this.inflight ??= this.run().finally(() => (this.inflight = undefined))
    return this.inflight
  }

  private async run(): Promise<ExecCredential> {
    try {
      const interactive = isInteractive(this.cfg.interactiveMode, stdinIsTerminal())
      this.runs++
      const stdout = await runPlugin(
        this.cfg,
        execInfo(this.cfg.apiVersion, interactive, this.cluster),
        interactive,
        this.timeoutMs,
      )
      this.cached = parseExecCredential(stdout, this.cfg.apiVersion)
      return this.cached
    } catch (e) {
      const hint = (e as PluginFailure).hint ?? 'check the exec entry of the user in the kubeconfig'
      throw new UserError(
        `cannot get credentials for user "${this.owner.userName}" of context "${this.owner.context}" from ` +
          `exec plugin "${this.cfg.command}": ${(e as Error).message}`,
        hint,
      )
    }
  }
}

/** One authenticator per exec entry and cluster in the process, as client-go's cache keeps them. */
const authenticators = new Map<string, ExecAuthenticator>()

export function execAuthenticator(
  cfg: ExecConfig,
  cluster: Record<string, unknown> | undefined,
  owner: ExecOwner,
  timeoutMs: number,
): ExecAuthenticator {
  const key = JSON.stringify([cfg, cluster ?? null])
  let a = authenticators.get(key)
  if (!a) {
    a = new ExecAuthenticator(cfg, cluster, owner, timeoutMs)
    authenticators.set(key, a)
  }
  return a
}
