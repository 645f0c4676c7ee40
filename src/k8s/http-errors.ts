/**
 * How ./client.ts reports failures: an error Status of the API server as an ApiError, anything
 * that kept the request from being answered as a ConnectionError, both in kubectl's words.
 */
import {ApiError, ConnectionError} from '../toolkit/errors.js'
import type {Json} from './client.js'

/** Marks a request that ran into its own deadline (not the caller's signal). */
export class TimeoutMarker extends Error {}

/** An API answer with status >= 300 as an ApiError: the server's Status when it sent one. */
export function toApiError(status: number, body: string, method: string, path: string, what?: string): ApiError {
  const operation = what ?? `${method} ${path}`
  let parsed: Json | undefined
  try {
    parsed = JSON.parse(body) as Json
  } catch {
    parsed = undefined
  }
  if (parsed && parsed.kind === 'Status') {
    const message = String(parsed.message || body)
    return new ApiError(status, parsed.reason || reasonFor(status), message, operation, webhookHint(message))
  }
  if (status === 401) {
    return new ApiError(401, 'Unauthorized', 'You must be logged in to the server', operation, 'check the credentials of this context in the kubeconfig')
  }
  if (status === 404) {
    return new ApiError(404, 'NotFound', `the server could not find the requested resource (${method} ${path})`, operation)
  }
  return new ApiError(status, reasonFor(status), body.trim().split('\n')[0] || `HTTP ${status}`, operation)
}

/** A failed request as a ConnectionError that reads like kubectl's (or the error itself, when it already says enough). */
export function toConnectionError(e: unknown, timeoutMs: number, to: {server: string; context: string; url: URL}): Error {
  if (e instanceof ApiError || e instanceof ConnectionError) return e
  const host = to.url.host
  const err = e as NodeJS.ErrnoException & {name?: string}
  if (e instanceof TimeoutMarker || err?.name === 'TimeoutError') {
    return new ConnectionError(
      `Unable to connect to the server ${to.server}: no answer within ${Math.round(timeoutMs / 1000)}s`,
      to.server,
      e,
      'the API server is not responding; check that it is up, or raise --request-timeout',
    )
  }
  if (err?.name === 'AbortError') return err
  switch (err?.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(
        `The connection to the server ${host} was refused - did you specify the right host or port?`,
        to.server,
        e,
        `is ${to.context ? `the cluster of context "${to.context}"` : 'the API server'} running? For the lab: liqo-topology lab status`,
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionError(`Unable to connect to the server: no such host "${to.url.hostname}"`, to.server, e)
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectionError(`Unable to connect to the server ${host}: connection reset by peer`, to.server, e)
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
      return new ConnectionError(
        `Unable to connect to the server ${host}: TLS certificate verification failed (${err.code})`,
        to.server,
        e,
        'check certificate-authority / certificate-authority-data of this cluster in the kubeconfig',
      )
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      // As kubectl's x509 error: which name was checked, and the names the certificate holds.
      return new ConnectionError(
        `Unable to connect to the server ${host}: the server certificate does not match the name checked: ${(err.message ?? '').replace(/^Hostname\/IP does not match certificate's altnames: /, '')}`,
        to.server,
        e,
        'check the server address, or tls-server-name in the kubeconfig (--tls-server-name)',
      )
    default:
      return new ConnectionError(`Unable to connect to the server ${host}: ${err?.message ?? String(e)}`, to.server, e)
  }
}

function reasonFor(status: number): string {
  switch (status) {
    case 400:
      return 'BadRequest'
    case 401:
      return 'Unauthorized'
    case 403:
      return 'Forbidden'
    case 404:
      return 'NotFound'
    case 405:
      return 'MethodNotAllowed'
    case 409:
      return 'Conflict'
    case 410:
      return 'Expired'
    case 415:
      return 'UnsupportedMediaType'
    case 422:
      return 'Invalid'
    case 429:
      return 'TooManyRequests'
    case 500:
      return 'InternalError'
    case 503:
      return 'ServiceUnavailable'
    case 504:
      return 'Timeout'
    default:
      return `HTTP${status}`
  }
}

/** An admission webhook that did not answer: the API server refused the change, nothing was written. */
export function webhookHint(message: string): string | undefined {
  const name = /failed calling webhook "([^"]+)"/.exec(message)?.[1]
  if (!name) return undefined
  return `the admission webhook ${name} did not answer, so nothing was changed; check the pods that serve it (kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations), then run the command again`
}
