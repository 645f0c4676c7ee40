/**
 * A vitest reporter, next to the usual one: each test file's duration as it ends (set-up, import
 * and every test and hook), and the ten slowest files of the run at its end. With
 * LIQO_TOPOLOGY_DURATIONS=<file>, each file's line is also appended there (tab-separated: ms,
 * project, file, state), so that scripts/test.sh can name the ten slowest of all its runs.
 */
import {appendFileSync} from 'node:fs'

import type {Reporter, TestModule, Vitest} from 'vitest/node'

interface FileTime {
  ms: number
  project: string
  file: string
  state: string
}

export function fileTime(m: TestModule): FileTime {
  const d = m.diagnostic()
  const ms = d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration
  // The launcher pass (scripts/test.sh) runs the same project's files again: told apart here.
  const project = m.project.name + (process.env.LIQO_TOPOLOGY_TEST_ENTRY === 'published' ? '/launcher' : '')
  return {ms, project, file: m.relativeModuleId, state: m.state()}
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(7)} s`

export default class DurationsReporter implements Reporter {
  private ctx?: Vitest
  private readonly times: FileTime[] = []

  onInit(ctx: Vitest): void {
    this.ctx = ctx
  }

  private log(line: string): void {
    if (this.ctx) this.ctx.logger.log(line)
    else console.log(line)
  }

  onTestModuleEnd(m: TestModule): void {
    const t = fileTime(m)
    this.times.push(t)
    this.log(`[duration] ${seconds(t.ms)}  ${t.project}  ${t.file}  (${t.state})`)
    const out = process.env.LIQO_TOPOLOGY_DURATIONS
    if (out) appendFileSync(out, `${Math.round(t.ms)}\t${t.project}\t${t.file}\t${t.state}\n`)
  }

  onTestRunEnd(): void {
    if (this.times.length < 2) return
    const slowest = [...this.times].sort((a, b) => b.ms - a.ms).slice(0, 10)
    this.log(`\nThe ${slowest.length} slowest test files of this run:`)
    for (const t of slowest) this.log(`  ${seconds(t.ms)}  ${t.project}  ${t.file}`)
  }
}
