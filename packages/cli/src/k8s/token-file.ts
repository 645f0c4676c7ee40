/**
 * A kubeconfig `tokenFile`, read as client-go's cached file token source reads it: the token is kept
 * for a minute (less ten seconds of leeway) and then read again, so a rotated file is picked up
 * without reading it for every request; a 401 makes the next request read it at once; a read that
 * fails after a token was read once keeps the last token (client-go logs "Unable to rotate token").
 */
import {readFileSync} from 'node:fs'

import {UserError} from '../toolkit/errors.js'

/** client-go's period (half of the kubelet's projected-token refresh margin) and leeway. */
export const TOKEN_FILE_PERIOD_MS = 60_000
export const TOKEN_FILE_LEEWAY_MS = 10_000

export class FileToken {
  private token: string | undefined
  private readAt = 0

  constructor(
    readonly path: string,
    /** Whose file it is, for errors: `user "name"`. */
    private readonly owner: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token, read from the file when the cached one is older than the period less the leeway. */
  get(): string {
    const now = this.now()
    if (this.token !== undefined && now < this.readAt + TOKEN_FILE_PERIOD_MS - TOKEN_FILE_LEEWAY_MS) return this.token
    try {
      this.token = this.read()
      this.readAt = now
    } catch (e) {
      if (this.token === undefined) throw e
    }
    return this.token
  }

  /** After a 401: the next get() reads the file again. True: the token may change. */
  reset(): boolean {
    this.token = undefined
    this.readAt = 0
    return true
  }

  private read(): string {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'no such file' : (code ?? String(e))
      throw new UserError(
        `cannot read tokenFile "${this.path}" of ${this.owner} in the kubeconfig: ${why}`,
        'fix the path in the kubeconfig, or give the content inline (token)',
      )
    }
    const token = text.trim()
    if (!token)
      throw new UserError(
        `tokenFile "${this.path}" of ${this.owner} in the kubeconfig is empty`,
        'write the token into the file, or fix the path in the kubeconfig',
      )
    return token
  }
}
