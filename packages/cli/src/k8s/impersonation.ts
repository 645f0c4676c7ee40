/**
 * Impersonation headers of a kubeconfig user (`as`, `as-uid`, `as-groups`, `as-user-extra`), sent as
 * client-go's impersonating round tripper sends them: Impersonate-User, then one Impersonate-Group
 * header per group and one Impersonate-Extra-<key> header per value, the key percent-encoded where
 * it is not a legal header-name character (and `%` itself), so that the API server can decode it.
 */

export type HeaderValue = string | string[]
export type Headers = Record<string, HeaderValue>

/** Characters of an HTTP header name (RFC 7230 token) other than letters and digits. */
const TOKEN_PUNCTUATION = new Set("!#$&'*+-.^_`|~")

function legalHeaderByte(b: number): boolean {
  const c = String.fromCharCode(b)
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || TOKEN_PUNCTUATION.has(c)
}

/** A user-extra key as a header-name suffix: bytes outside an HTTP token, and `%`, as %XX (UTF-8 bytes). */
export function headerKeyEscape(key: string): string {
  let out = ''
  for (const b of Buffer.from(key, 'utf8')) {
    out += legalHeaderByte(b) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  return typeof v === 'string' ? [v] : []
}

/**
 * The impersonation headers of a kubeconfig user entry; none when it impersonates nobody. As in
 * client-go, any of the four fields turns impersonation on, and Impersonate-User is then always
 * sent (empty when only groups, uid or extra are given: the API server refuses that, as for kubectl).
 */
export function impersonationHeaders(user: Record<string, unknown>): Headers {
  const as = typeof user.as === 'string' ? user.as : ''
  const uid = typeof user['as-uid'] === 'string' ? user['as-uid'] : ''
  const groups = strings(user['as-groups'])
  const extraRaw = user['as-user-extra']
  const extra =
    extraRaw && typeof extraRaw === 'object' && !Array.isArray(extraRaw)
      ? Object.entries(extraRaw as Record<string, unknown>)
      : []
  const out: Headers = {}
  if (!as && !uid && groups.length === 0 && extra.length === 0) return out
  out['Impersonate-User'] = as
  if (uid) out['Impersonate-Uid'] = uid
  if (groups.length) out['Impersonate-Group'] = groups
  for (const [key, values] of extra) {
    const vs = strings(values)
    if (vs.length) out[`Impersonate-Extra-${headerKeyEscape(key)}`] = vs
  }
  return out
}
