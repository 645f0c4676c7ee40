/** Durations as kubectl takes them: `90s`, `2m`, `1m30s`, `500ms`, `1h`; a bare number is seconds. */
const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

export function parseDuration(input: string): number {
  const s = input.trim()
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000)
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let total = 0
  let matched = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!
    matched = re.lastIndex
  }
  if (s === '' || matched !== s.length) {
    throw new Error(`invalid duration "${input}": use a number of seconds or a value like 90s, 2m, 1m30s`)
  }
  return Math.round(total)
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`
  const total = Math.round(ms / 1000)
  if (total < 60) return `${total}s`
  const m = Math.floor(total / 60)
  const s = total % 60
  if (m < 60) return s ? `${m}m${s}s` : `${m}m`
  const h = Math.floor(m / 60)
  return `${h}h${m % 60 ? `${m % 60}m` : ''}`
}

/** kubectl's AGE column: 45s, 12m, 3h, 5d. */
export function formatAge(fromIso: string | undefined, now: number): string {
  if (!fromIso) return '<unknown>'
  const ms = now - Date.parse(fromIso)
  if (!Number.isFinite(ms)) return '<unknown>'
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 120) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h`
  return `${Math.floor(h / 24)}d`
}
