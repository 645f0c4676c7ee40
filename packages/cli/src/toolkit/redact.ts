/** Credentials never reach the terminal: the one redaction used for errors and the request log. Pure. */

/** Defence in depth: nothing that looks like a credential reaches the terminal. */
export function redact(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /((?:token|password|secret|client-secret|id-token|refresh-token|client-key-data|client-certificate-data)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
      '$1[redacted]',
    )
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]')
}
