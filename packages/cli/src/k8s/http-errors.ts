/**
 * How ./client.ts reports failures: an error Status of the API server as an ApiError, anything
 * that kept the request from being answered as a ConnectionError, both in kubectl's words.
 */
import {ApiError, ConnectionError} from '../toolkit/errors.js'
import type {Json} from './wire.js'

/** What the server answered: the status, the body as text, and its Content-Type. */
export interface HttpAnswer {
  status: number
  body: string
  contentType: string | undefined
}

/** The request, for the error's words: `what` describes it (e.g. `patch foreignclusters cluster-3`). */
export interface HttpRequest {
  method: string
  path: string
  what?: string | undefined
}

/** Marks a request that ran into its own deadline (not the caller's signal). */
export class TimeoutMarker extends Error {}

/**
 * An API answer with status >= 300 as an ApiError: the server's Status when it sent one, else
 * client-go's words for the status code (apimachinery's NewGenericServerResponse), e.g. a proxy's
 * HTML 502: `an error on the server ("<html>…") has prevented the request from succeeding (get pods)`.
 */
export function toApiError(answer: HttpAnswer, request: HttpRequest): ApiError {
  const {status, body, contentType} = answer
  const {method, path} = request
  const operation = request.what ?? `${method} ${path}`
  let parsed: Json | undefined
  try {
    parsed = JSON.parse(body) as Json
  } catch {
    parsed = undefined
  }
  if (parsed && parsed.kind === 'Status') {
    const message = String(parsed.message || body)
    return new ApiError(
      status,
      parsed.reason || genericAnswer(status, '').reason,
      message,
      operation,
      webhookHint(message),
    )
  }
  if (status === 401) {
    return new ApiError(
      401,
      'Unauthorized',
      'You must be logged in to the server',
      operation,
      'check the credentials of this context in the kubeconfig',
    )
  }
  const {reason, message} = genericAnswer(status, isText(contentType) ? cut(body).trim() : 'unknown')
  const target = resourceOf(path)
  const suffix = target ? ` (${method.toLowerCase()} ${target.resource}${target.name ? ` ${target.name}` : ''})` : ''
  return new ApiError(status, reason, `${message}${suffix}`, operation)
}

/** client-go keeps at most this much of a body that is not a Status. */
const MAX_TEXT_BYTES = 2048

function cut(body: string): string {
  const bytes = Buffer.from(body, 'utf8')
  return bytes.length > MAX_TEXT_BYTES ? bytes.subarray(0, MAX_TEXT_BYTES).toString('utf8') : body
}

/** client-go shows the body only when it is text (or says nothing of its type). */
function isText(contentType: string | undefined): boolean {
  if (!contentType) return true
  return /^\s*text\//i.test(contentType)
}

/** The resource (`pods`, `foreignclusters.discovery.liqo.io`) and object name a REST path names. */
export function resourceOf(path: string): {resource: string; name?: string} | undefined {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent)
  let group = ''
  let rest: string[]
  if (parts[0] === 'api') rest = parts.slice(2)
  else if (parts[0] === 'apis') [group, rest] = [parts[1] ?? '', parts.slice(3)]
  else return undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2)
  if (!rest[0]) return undefined
  return {resource: group ? `${rest[0]}.${group}` : rest[0], ...(rest[1] ? {name: rest[1]} : {})}
}

/** Go's %q of a string: double-quoted, with escapes. */
function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-7][0-9a-f])/gi, (_, hex: string) => `\\x${hex.toLowerCase()}`)
}

/** Reason and message of an answer that carries no Status, as client-go words them. */
function genericAnswer(status: number, serverMessage: string): {reason: string; message: string} {
  const known: Record<number, [string, string]> = {
    400: ['BadRequest', 'the server rejected our request for an unknown reason'],
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', serverMessage],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    406: [
      'NotAcceptable',
      serverMessage && serverMessage !== 'unknown'
        ? serverMessage
        : 'the server was unable to respond with a content type that the client supports',
    ],
    409: ['Conflict', 'the server reported a conflict'],
    410: ['Expired', 'the server responded with the status code 410 but did not return more information'],
    415: ['UnsupportedMediaType', serverMessage],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: [
      'Timeout',
      'the server was unable to return a response in the time allotted, but may still be processing the request',
    ],
  }
  const k = known[status]
  if (k) return {reason: k[0], message: k[1]}
  if (status >= 500)
    return {
      reason: 'InternalError',
      message: `an error on the server (${goQuote(serverMessage)}) has prevented the request from succeeding`,
    }
  return {
    reason: 'Unknown',
    message: `the server responded with the status code ${status} but did not return more information`,
  }
}

/**
 * A failed request as a ConnectionError that reads like kubectl's (or the error itself, when it already says enough).
 */
export function toConnectionError(
  e: unknown,
  timeoutMs: number,
  to: {server: string; context: string; url: URL},
): Error {
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
        `is ${to.context ? `the cluster of context "${to.context}"` : 'the API server'} running? For the lab: ` +
          `liqo-topology lab status`,
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
        `Unable to connect to the server ${host}: the server certificate does not match the name ` +
          `checked: ${(err.message ?? '').replace(/^Hostname\/IP does not match certificate's altnames: /, '')}`,
        to.server,
        e,
        'check the server address, or tls-server-name in the kubeconfig (--tls-server-name)',
      )
    default:
      return new ConnectionError(`Unable to connect to the server ${host}: ${err?.message ?? String(e)}`, to.server, e)
  }
}

/** An admission webhook that did not answer: the API server refused the change, nothing was written. */
export function webhookHint(message: string): string | undefined {
  const name = /failed calling webhook "([^"]+)"/.exec(message)?.[1]
  if (!name) return undefined
  return (
    `the admission webhook ${name} did not answer, so nothing was changed; check the pods that serve it ` +
    `(kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations), then run the command again`
  )
}
