/** kubectl's -v request log, as ./client.ts writes it: klog's prefix, bodies with credentials redacted. */
import {redact} from '../toolkit/redact.js'
import type {Json} from './wire.js'

/** kubectl's klog prefix: I<month><day> <time>. */
export function klogPrefix(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return (
    `I${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.` +
    `${p(d.getMilliseconds(), 3)}000`
  )
}

/** A body as the -v 8 log shows it: Secret data and anything credential-like redacted, cut at 10,000 characters. */
export function logBody(body: string): string {
  let text = body
  // A Secret's data is a credential whatever its keys are called.
  if (/"kind":\s*"Secret(List)?"/.test(body)) {
    try {
      const doc = JSON.parse(body) as Json
      for (const s of [doc, ...((doc.items as Json[] | undefined) ?? [])]) {
        for (const field of ['data', 'stringData'])
          if (s[field]) s[field] = Object.fromEntries(Object.keys(s[field] as object).map((k) => [k, '[redacted]']))
      }
      text = JSON.stringify(doc)
    } catch {
      text = '[a Secret, not shown]'
    }
  }
  const cut = text.length > 10_000 ? `${text.slice(0, 10_000)}… (${text.length} bytes)` : text
  return redact(cut)
}
