/**
 * The lab's load over a test run, measured: a sample when the lab is ready and one when the run
 * ends (the global set-up takes both), each reading /proc for the CPU of the lab's processes (the
 * supervisor's tree: API servers, etcd, controller managers, schedulers, Liqo's pods or the
 * emulator, which runs in the supervisor) and of the test runner's tree (vitest, its workers, the
 * CLI runs), each API server's /metrics as the lab's admin, and where each audit log ends. The
 * report (./lab-load.ts) goes to the test output and, as JSON, to the lab's logs.
 */
import {spawnSync} from 'node:child_process'
import {createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {httpGet} from '@liqo-topology/lab/components'
import {labPaths, readState, type ProcessInfo} from '@liqo-topology/lab/state'
import {
  auditRequests,
  formatReport,
  growth,
  parseCounters,
  parseProcStat,
  requestsByVerbResource,
  treeTicks,
  type LoadReport,
  type ProcCpu,
} from './lab-load.js'

interface ApiSample {
  cluster: string
  counters: Map<string, number>
  error?: string
  audit: {file: string; size: number}
}

export interface LoadSample {
  at: number
  procs: Map<number, ProcCpu>
  supervisorPid: number
  components: ProcessInfo[]
  api: ApiSample[]
}

function readProcs(): Map<number, ProcCpu> {
  const out = new Map<number, ProcCpu>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const p = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'))
      if (p) out.set(p.pid, p)
    } catch {
      // ended meanwhile
    }
  }
  return out
}

let tickHz: number | undefined
function ticksPerSecond(): number {
  tickHz ??= Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100
  return tickHz
}

const ci = !!process.env.CI && process.env.CI !== 'false'
const METRICS = ['apiserver_request_total', 'process_start_time_seconds']

async function sampleApi(
  dir: string,
  cluster: {name: string; server: string; tokens: Record<string, string>},
): Promise<ApiSample> {
  const file = join(labPaths(dir).logs, `${cluster.name}-audit.log`)
  const audit = {file, size: existsSync(file) ? statSync(file).size : 0}
  const ca = readFileSync(join(labPaths(dir).pki, 'ca.crt'))
  const res = await httpGet(
    `${cluster.server}/metrics`,
    {ca, headers: {Authorization: `Bearer ${cluster.tokens.admin}`, 'User-Agent': 'lab-load-report'}},
    15_000,
  )
  if (res.status !== 200)
    return {cluster: cluster.name, counters: new Map(), error: `metrics: ${res.status || res.body}`, audit}
  return {cluster: cluster.name, counters: parseCounters(res.body, METRICS), audit}
}

/** What the lab in `dir` has used so far; undefined without a lab. */
export async function sampleLoad(dir: string): Promise<LoadSample | undefined> {
  const state = readState(dir)
  if (!state) return undefined
  const api = await Promise.all(state.clusters.map((c) => sampleApi(dir, c)))
  return {at: Date.now(), procs: readProcs(), supervisorPid: state.supervisorPid, components: state.processes, api}
}

const ticksOf = (p: ProcCpu | undefined) => (p ? p.self + p.reaped : 0)

/**
 * CPU seconds of each component (summed by name: a v1 Deployment's pods share one), of the rest of the lab, and of the
 * runner.
 */
function cpuRows(a: LoadSample, b: LoadSample, seconds: number): LoadReport['cpu'] {
  const hz = ticksPerSecond()
  const byName = new Map<string, {ticks: number; restarted: boolean}>()
  for (const c of b.components) {
    const now = b.procs.get(c.pid)
    if (!now) continue
    const then = a.procs.get(c.pid)
    const same = !!then && then.start === now.start
    const row = byName.get(c.name) ?? {ticks: 0, restarted: false}
    row.ticks += ticksOf(now) - (same ? ticksOf(then) : 0)
    row.restarted ||= !same
    byName.set(c.name, row)
  }
  const sup = a.supervisorPid
  const labTicks = treeTicks(b.procs, sup) - treeTicks(a.procs, sup)
  const supSelf = (b.procs.get(sup)?.self ?? 0) - (a.procs.get(sup)?.self ?? 0)
  const componentTicks = [...byName.values()].reduce((s, r) => s + r.ticks, 0)
  const runner = treeTicks(b.procs, process.pid, [sup]) - treeTicks(a.procs, process.pid, [sup])
  const row = (name: string, ticks: number, note?: string) => ({
    name,
    seconds: ticks / hz,
    cores: ticks / hz / seconds,
    ...(note ? {note} : {}),
  })
  return [
    ...[...byName]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([name, r]) =>
        row(name, r.ticks, r.restarted ? 'restarted during the run: the new process only' : undefined),
      ),
    row('lab supervisor (Node: the emulator, or the host kubelets)', supSelf),
    row(
      'lab processes that ended during the run (restarted components, probes, liqoctl)',
      labTicks - componentTicks - supSelf,
    ),
    row('lab in total', labTicks),
    row('test runner (vitest, its workers, the CLI runs and kubectl)', runner),
  ]
}

async function* linesFrom(file: string, offset: number): AsyncGenerator<string> {
  if (!existsSync(file)) return
  const rl = createInterface({input: createReadStream(file, {start: offset, encoding: 'utf8'}), crlfDelay: Infinity})
  for await (const line of rl) yield line
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const l of lines) out.push(l)
  return out
}

/** The report of what the lab used between two samples. */
export async function loadReport(lab: string, a: LoadSample, b: LoadSample): Promise<LoadReport> {
  const seconds = (b.at - a.at) / 1000
  const apiServers: LoadReport['apiServers'] = []
  for (const end of b.api) {
    const start = a.api.find((x) => x.cluster === end.cluster)
    const startTime = (s?: ApiSample) => s?.counters.get('process_start_time_seconds')
    const restarted = !!start && startTime(start) !== startTime(end)
    const grown = growth(restarted || !start ? new Map() : start.counters, end.counters)
    const top = requestsByVerbResource(grown)
    const requests = top.reduce((s, t) => s + t.count, 0)
    const rotated = !start || end.audit.size < start.audit.size
    const audited = auditRequests(await collect(linesFrom(end.audit.file, rotated ? 0 : start.audit.size)))
    const notes = [
      end.error ?? start?.error,
      restarted && 'restarted during the run: requests since then',
      rotated && 'audit log rotated: counts from its start',
    ].filter(Boolean)
    apiServers.push({
      cluster: end.cluster,
      requests,
      perSecond: requests / seconds,
      ...(notes.length ? {note: notes.join('; ')} : {}),
      top,
      audited,
    })
  }
  return {lab, seconds, cpu: cpuRows(a, b, seconds), apiServers}
}

/**
 * The folders where ./failure-logs.ts kept the lab's logs for this project's failed files during this
 * run (under CI): the report goes there too, since the lab's own folder is removed at the run's end.
 */
function keptFolders(project: string, since: number): string[] {
  const root = process.env.LIQO_TOPOLOGY_KEEP_DIR ?? join(tmpdir(), 'liqo-topology-failed')
  if (!ci || !existsSync(root)) return []
  const label = new RegExp(`^[\\dTZ-]+-${project}-(?!v1-)`)
  return readdirSync(root)
    .filter((f) => label.test(f) && statSync(join(root, f)).mtimeMs >= since)
    .map((f) => join(root, f))
}

/** Prints the report and writes it to <lab>/logs/lab-load.json (and the kept logs); never fails the run. */
export async function reportLoad(
  dir: string,
  project: string,
  lab: string,
  start: LoadSample | undefined,
  log: (m: string) => void,
): Promise<void> {
  try {
    const end = await sampleLoad(dir)
    if (!start || !end) return
    const report = await loadReport(lab, start, end)
    console.log(formatReport(report))
    const json = JSON.stringify(
      {
        ...report,
        apiServers: report.apiServers.map((s) => ({...s, top: s.top.slice(0, 40), audited: s.audited.slice(0, 40)})),
      },
      null,
      2,
    )
    for (const folder of [labPaths(dir).logs, ...keptFolders(project, start.at)]) {
      writeFileSync(join(folder, 'lab-load.json'), json)
      log(`load report written to ${join(folder, 'lab-load.json')}`)
    }
  } catch (e) {
    log(`no load report: ${e instanceof Error ? e.message : String(e)}`)
  }
}
