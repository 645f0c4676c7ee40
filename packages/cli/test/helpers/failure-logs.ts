/**
 * Setup file of the integration projects: a failure explains itself. When a test fails, the test
 * output gets the last lines of the logs of the lab components the tests drive (cluster-1's API
 * server; the emulator, or Liqo's controller manager, webhook and virtual kubelets; the lab's
 * supervisor, which logs probes and restarts). Under CI, the lab's logs (and its state, for the
 * PIDs and ports) are also copied out of the lab, which the run removes at its end, into a folder
 * outside the clone whose path is printed: once per file that failed, after its last hook.
 */
import {closeSync, cpSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'

import {afterAll, beforeEach, inject, type RunnerTestFile, type RunnerTestSuite} from 'vitest'

import {labPaths, readState} from '@liqo-topology/lab/state'

const TAIL_LINES = 40
const lab = inject('lab')
const isV1 = inject('labLiqo') !== 'v0.3'
const ci = !!process.env.CI && process.env.CI !== 'false'

/** The last `lines` lines of a file (read from its end: an API server's log grows large). */
export function tail(path: string, lines: number): string {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const want = Math.min(size, 256 * 1024)
    const buf = Buffer.alloc(want)
    readSync(fd, buf, 0, want, size - want)
    const text = buf.toString('utf8').trimEnd()
    return text.split('\n').slice(-lines).join('\n')
  } finally {
    closeSync(fd)
  }
}

/** The lab's components a test involves, each with its log file (those that exist). */
function componentLogs(dir: string): Array<{name: string; log: string}> {
  const logs = labPaths(dir).logs
  const out = [{name: 'cluster-1 kube-apiserver', log: join(logs, 'cluster-1-kube-apiserver.log')}]
  if (!isV1) out.push({name: 'Liqo v0.3 emulator', log: join(logs, 'emulator.log')})
  else {
    // Liqo's pods on the home cluster, as the lab's host kubelet runs them (one log per container).
    const wanted = /^cluster-1_.*(controller-manager|webhook|virtual-kubelet|_vk-)/
    // Pods replaced by a restart leave their logs: the six written to last.
    const dirPods = join(logs, 'pods')
    const pods = existsSync(dirPods) ? readdirSync(dirPods).filter((f) => wanted.test(f)) : []
    const recent = pods
      .map((f) => ({f, at: statSync(join(dirPods, f)).mtimeMs}))
      .sort((a, b) => b.at - a.at)
      .slice(0, 6)
      .map((x) => x.f)
    for (const f of recent.sort()) out.push({name: f.replace(/\.log$/, ''), log: join(dirPods, f)})
    const state = readState(dir)
    for (const p of state?.processes ?? [])
      if (/kwok|virtual-kubelet/.test(p.name) && p.log && !out.some((o) => o.log === p.log))
        out.push({name: p.name, log: p.log})
  }
  out.push({name: 'lab supervisor', log: labPaths(dir).supervisorLog})
  return out.filter((c) => existsSync(c.log))
}

/** The tails of the involved components' logs, as one block of text. */
export function logTails(dir: string, lines = TAIL_LINES): string {
  const parts = componentLogs(dir).map((c) => {
    let body: string
    try {
      body = tail(c.log, lines)
    } catch (e) {
      body = `(unreadable: ${(e as Error).message})`
    }
    return `----- ${c.name}: last ${lines} lines of ${c.log}\n${body || '(empty)'}`
  })
  return parts.join('\n')
}

/** Copies the lab's logs and state out of the lab, into a new folder outside the clone; returns its path. */
export function keepLabLogs(dir: string, label: string): string {
  const root = process.env.LIQO_TOPOLOGY_KEEP_DIR ?? join(tmpdir(), 'liqo-topology-failed')
  const dest = join(root, `${new Date().toISOString().replace(/[:.]/g, '-')}-${label.replace(/[^\w.-]+/g, '_')}`)
  mkdirSync(dest, {recursive: true, mode: 0o700})
  const p = labPaths(dir)
  cpSync(p.logs, join(dest, 'logs'), {recursive: true})
  if (existsSync(p.state)) cpSync(p.state, join(dest, 'state.json'))
  return dest
}

let failedInFile = false

if (lab) {
  beforeEach(({task, onTestFailed}) => {
    onTestFailed(() => {
      failedInFile = true
      const bar = '='.repeat(100)
      const head = `lab logs at the failure of "${task.name}" (${task.file.name})`
      console.error(`\n${bar}\n${head}\n${logTails(lab.dir)}\n${bar}\n`)
    })
  })

  // vitest wants the hook's first parameter (its context) destructured; only the second (the file) is used.
  // eslint-disable-next-line no-empty-pattern
  afterAll(({}, suite) => {
    // A failed hook (a beforeAll, or a describe's afterAll) fails its suite without failing a test.
    const file = suite.file
    const failedSuites = suitesWithErrors(file)
    if (failedSuites.length && !failedInFile)
      console.error(`\nlab logs after the failure of ${failedSuites.join('; ')} (${file.name})\n${logTails(lab.dir)}\n`)
    if (!(failedInFile || failedSuites.length) || !ci) return
    const project = file.projectName || (isV1 ? 'integration-v1' : 'integration')
    const kept = keepLabLogs(lab.dir, `${project}-${basename(file.name, '.test.ts')}`)
    console.error(`\nthe lab's logs and state at the end of ${file.name} (failed) are kept in ${kept}\n`)
  })
}

/** The names of the suites (the file included) whose own hooks failed. */
function suitesWithErrors(s: RunnerTestSuite | RunnerTestFile): string[] {
  const own = s.result?.errors?.length ? [s.name] : []
  return [...own, ...s.tasks.flatMap((t) => (t.type === 'suite' ? suitesWithErrors(t) : []))]
}
