/** What the benchmarks share: timing a command (with its peak RSS), the audit log, the table. */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

export const log = (m: string) => process.stderr.write(`[bench] ${m}\n`)
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!
export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Run {
  code: number | null
  ms: number
  end: number
  maxRssKb: number
  stdout: string
}

/** Runs a command under GNU time (for the peak RSS); resolves with wall time and exit time. */
export function run(cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = performance.now()
  const child = spawn('/usr/bin/time', ['-f', '%M', ...cmd], {
    env: {...process.env, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const end = Date.now()
      const ms = performance.now() - started
      const rss = Number(stderr.trim().split('\n').pop())
      resolve({code, ms, end, maxRssKb: Number.isFinite(rss) ? rss : 0, stdout})
    })
  })
}

export async function timeRounds(
  cmd: string[],
  env: NodeJS.ProcessEnv,
  rounds: number,
): Promise<{ms: number; rss: number}> {
  await run(cmd, env) // warm-up (page cache)
  const times: number[] = []
  const rss: number[] = []
  for (let i = 0; i < rounds; i++) {
    const r = await run(cmd, env)
    if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}`)
    times.push(r.ms)
    rss.push(r.maxRssKb)
  }
  return {ms: median(times), rss: median(rss)}
}

export interface AuditEvent {
  verb: string
  user: {username: string}
  impersonatedUser?: {username: string}
  userAgent?: string
  objectRef?: {resource?: string; subresource?: string; namespace?: string; name?: string}
  responseStatus?: {code?: number}
  stageTimestamp: string
  requestURI: string
  auditID: string
}

export function audit(dir: string, since: number): AuditEvent[] {
  const file = join(dir, 'logs', 'cluster-1-audit.log')
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => Date.parse(e.stageTimestamp) >= since)
}

export const ms = (x: number) => `${x.toFixed(0)} ms`
export const rows: string[][] = []
export const add = (
  figure: string,
  ours: string,
  anchor: string,
  ratio: string,
  target: string,
  met: boolean | undefined,
) => rows.push([figure, ours, anchor, ratio, target, met === undefined ? '—' : met ? 'met' : '**not met**'])
