/**
 * Typed errors and the exit codes they map to. Services throw these; only the top-level handler
 * (src/cli/handle-error.ts) turns them into a message on stderr and an exit code.
 * Documented in README.md ("Exit codes") and docs/errors.md.
 */

export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  timeout: 3,
  declined: 4,
  /** 128 + the signal's number, as shells report it: SIGHUP, SIGINT (Ctrl-C), SIGTERM. */
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode
  /** One line telling the user what to do next, printed after the message. */
  readonly hint?: string

  constructor(message: string, hint?: string) {
    super(message)
    this.name = new.target.name
    if (hint !== undefined) this.hint = hint
  }
}

/** An expected problem the user can act on (unknown cluster, missing namespace, no Liqo...). */
export class UserError extends CliError {
  readonly exitCode = ExitCode.error
}

/** Bad invocation: invalid or conflicting flags, missing arguments, no terminal to prompt on. */
export class UsageError extends CliError {
  readonly exitCode = ExitCode.usage
}

/** The user answered No to a confirmation. */
export class DeclinedError extends CliError {
  readonly exitCode = ExitCode.declined
}

/** Ctrl-C / SIGTERM / SIGHUP (the exit code follows the signal). `state` says what the cluster was left in. */
export class InterruptedError extends CliError {
  readonly exitCode = ExitCode.interrupted
  /** What a wait had last seen when it was stopped. */
  lastState?: string
}

/** A wait ran out of time. `pending` names what was still not converged. */
export class WaitTimeoutError extends CliError {
  readonly exitCode = ExitCode.timeout
  constructor(
    message: string,
    readonly pending: string[] = [],
    hint?: string,
  ) {
    super(message, hint)
  }
}

/** The Kubernetes API answered with an error Status. Rendered like kubectl's `Error from server`. */
export class ApiError extends CliError {
  readonly exitCode = ExitCode.error
  constructor(
    /** HTTP status code. */
    readonly code: number,
    /** Status.reason, e.g. NotFound, Forbidden, Conflict, Invalid. */
    readonly reason: string,
    /** Status.message as the server wrote it. */
    readonly serverMessage: string,
    /** What we were doing, e.g. `patch foreignclusters.discovery.liqo.io cluster-3`. */
    readonly operation: string,
    hint?: string,
  ) {
    super(`Error from server (${reason}): ${serverMessage}`, hint)
  }

  get isNotFound(): boolean {
    return this.code === 404
  }
  get isConflict(): boolean {
    return this.code === 409
  }
  get isGone(): boolean {
    return this.code === 410
  }
  get isForbidden(): boolean {
    return this.code === 403
  }
}

/**
 * A PodDisruptionBudget keeps a move from happening (rebalance): exit 3, as a wait that could not
 * reach its state. The message names the budget.
 */
export class BudgetBlockedError extends CliError {
  readonly exitCode = ExitCode.timeout
}

/**
 * A rebalance could not renew the lease of its cordon before it ran out, so another run may take the cordon over: it
 * stopped moving pods (exit 1, as the API errors that kept the renewals from getting through).
 */
export class LeaseLostError extends CliError {
  readonly exitCode = ExitCode.error
}

/** The API server could not be reached, or stopped answering. */
export class ConnectionError extends CliError {
  readonly exitCode = ExitCode.error
  constructor(
    message: string,
    readonly server: string,
    override readonly cause?: unknown,
    hint?: string,
  ) {
    super(message, hint)
  }
}

/** A programming error: shown with its stack only when DEBUG is set. */
export class BugError extends CliError {
  readonly exitCode = ExitCode.error
}

export function isCliError(e: unknown): e is CliError {
  return e instanceof CliError
}
