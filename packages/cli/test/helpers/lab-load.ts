/**
 * The lab's load over a test run, pure parts: what two samples (./lab-load-sample.ts, one when the
 * lab is ready, one when the run ends) say about the CPU each lab process used and the requests each
 * API server served, and the short report printed at the end of an integration project's run.
 * Figures only: nothing here asserts a time.
 */

/** CPU ticks of one process from /proc/<pid>/stat: its own, and that of the children it reaped. */
export interface ProcCpu {
  pid: number
  ppid: number
  /** utime + stime. */
  self: number
  /** cutime + cstime: children that ended and were waited for. */
  reaped: number
  /** Start time after boot, in ticks (tells a recycled PID apart). */
  start: number
}

/** Parses /proc/<pid>/stat ("pid (comm) state ppid … utime stime cutime cstime … starttime …"). */
export function parseProcStat(text: string): ProcCpu | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  const pid = Number(text.slice(0, text.indexOf(' ')))
  // Fields after the command, numbered from 3 (state) as in proc(5).
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/)
  const at = (n: number) => Number(f[n - 3])
  if (f.length < 20 || !Number.isFinite(pid)) return undefined
  return {pid, ppid: at(4), self: at(14) + at(15), reaped: at(16) + at(17), start: at(22)}
}

/** The PIDs of `root` and of every process below it, leaving out the subtrees of `exclude`. */
export function descendants(procs: Map<number, ProcCpu>, root: number, exclude: number[] = []): number[] {
  const children = new Map<number, number[]>()
  for (const p of procs.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid])
  const out: number[] = []
  const todo = procs.has(root) ? [root] : []
  while (todo.length) {
    const pid = todo.pop()!
    if (exclude.includes(pid)) continue
    out.push(pid)
    todo.push(...(children.get(pid) ?? []))
  }
  return out
}

/**
 * CPU ticks a tree of processes has used so far: each live process's own and what it reaped. A
 * process that ended and was waited for inside the tree moves into its parent's `reaped`, so the
 * difference of two sums is what the tree used between them.
 */
export function treeTicks(procs: Map<number, ProcCpu>, root: number, exclude: number[] = []): number {
  return descendants(procs, root, exclude).reduce((sum, pid) => sum + procs.get(pid)!.self + procs.get(pid)!.reaped, 0)
}

/** Counters of a Prometheus text exposition, by metric name and label set ("name{a=\"1\"}"). */
export function parseCounters(text: string, names: string[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const name = line.slice(0, line.search(/[{ ]/))
    if (!names.includes(name)) continue
    const space = line.lastIndexOf(' ')
    const value = Number(line.slice(space + 1))
    if (Number.isFinite(value)) out.set(line.slice(0, space), value)
  }
  return out
}

/** The labels of a series key as parsed by parseCounters. */
export function labelsOf(key: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const m of key.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!
  return labels
}

/** How much each series grew from `before` to `after` (a series that shrank was reset: its new value). */
export function growth(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>()
  for (const [k, v] of after) {
    const d = v >= (before.get(k) ?? 0) ? v - (before.get(k) ?? 0) : v
    if (d > 0) out.set(k, d)
  }
  return out
}

export interface Count {
  key: string
  count: number
}

/**
 * apiserver_request_total's growth summed by verb and resource ("GET pods/status", "LIST
 * foreignclusters.discovery.liqo.io").
 */
export function requestsByVerbResource(grown: Map<string, number>): Count[] {
  const sums = new Map<string, number>()
  for (const [k, v] of grown) {
    if (!k.startsWith('apiserver_request_total{')) continue
    const l = labelsOf(k)
    const resource = (l.resource || '-') + (l.group ? `.${l.group}` : '') + (l.subresource ? `/${l.subresource}` : '')
    const key = `${l.verb} ${resource}`
    sums.set(key, (sums.get(key) ?? 0) + v)
  }
  return sortCounts(sums)
}

export function sortCounts(m: Map<string, number>): Count[] {
  return [...m].map(([key, count]) => ({key, count})).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
}

/** One audit event, the fields counted. */
interface AuditLine {
  stage?: string
  verb?: string
  requestURI?: string
  userAgent?: string
  user?: {username?: string}
  objectRef?: {resource?: string; subresource?: string; namespace?: string; name?: string}
}

export interface ClientRequests {
  /** "user agent verb resource", e.g. "admin liqo-topology get namespaces". */
  key: string
  count: number
  /** Distinct objects named (0 for collections). */
  objects: number
  /** The most requests to one object. */
  maxPerObject: number
}

/** Requests in audit log lines (complete ones, one event each), by client and verb and resource. */
export function auditRequests(lines: Iterable<string>): ClientRequests[] {
  const byKey = new Map<string, {count: number; perObject: Map<string, number>}>()
  for (const line of lines) {
    if (!line.includes('"ResponseComplete"')) continue
    let e: AuditLine
    try {
      e = JSON.parse(line) as AuditLine
    } catch {
      continue
    }
    if (e.stage !== 'ResponseComplete') continue
    const o = e.objectRef ?? {}
    const agent = (e.userAgent ?? '-').split(' ')[0]!.replace(/\/v?[\d.]+.*$/, '')
    const what = o.resource
      ? `${o.resource}${o.subresource ? `/${o.subresource}` : ''}`
      : (e.requestURI ?? '-').split('?')[0]
    const key = `${e.user?.username ?? '-'} ${agent} ${e.verb} ${what}`
    const k = byKey.get(key) ?? {count: 0, perObject: new Map<string, number>()}
    k.count += 1
    if (o.name)
      k.perObject.set(`${o.namespace ?? ''}/${o.name}`, (k.perObject.get(`${o.namespace ?? ''}/${o.name}`) ?? 0) + 1)
    byKey.set(key, k)
  }
  return [...byKey]
    .map(([key, k]) => ({
      key,
      count: k.count,
      objects: k.perObject.size,
      maxPerObject: Math.max(0, ...k.perObject.values()),
    }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
}

export interface LoadReport {
  lab: string
  seconds: number
  /** CPU seconds (user+sys) by lab component, the supervisor and what ended during the run, and the test runner. */
  cpu: Array<{name: string; seconds: number; cores: number; note?: string}>
  apiServers: Array<{
    cluster: string
    requests: number
    perSecond: number
    note?: string
    top: Count[]
    /** Requests of the users the audit policy logs (people, the CLI, the tests), by client. */
    audited: ClientRequests[]
  }>
}

const TOP = 8
const n1 = (x: number) => x.toFixed(1)

/** The report as printed in the test output. */
export function formatReport(r: LoadReport): string {
  const out = [
    `[lab load] ${r.lab} lab over ${n1(r.seconds)} s of the run (lab ready → run end)`,
    '  CPU s   cores  process',
  ]
  for (const c of r.cpu)
    out.push(
      `  ${n1(c.seconds).padStart(6)}  ${c.cores.toFixed(2).padStart(5)}  ${c.name}${c.note ? ` (${c.note})` : ''}`,
    )
  for (const a of r.apiServers) {
    out.push(
      `  ${a.cluster} API server: ${a.requests} ` +
        `requests, ${n1(a.perSecond)}/s${a.note ? ` (${a.note})` : ''}; top by verb and resource:`,
    )
    for (const t of a.top.slice(0, TOP))
      out.push(`    ${String(t.count).padStart(7)}  ${(t.count / r.seconds).toFixed(2).padStart(6)}/s  ${t.key}`)
    if (!a.audited.length) continue
    out.push(
      `  ${a.cluster} audited (users, the CLI, the tests): count, objects, most on one object, user agent ` +
        `verb resource`,
    )
    for (const t of a.audited.slice(0, TOP))
      out.push(
        `    ${String(t.count).padStart(7)}  ${String(t.objects).padStart(5)} ` +
          ` ${String(t.maxPerObject).padStart(5)}  ${t.key}`,
      )
  }
  return out.join('\n')
}
