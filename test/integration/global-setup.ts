/**
 * Starts one lab for the whole integration suite (tests isolate themselves by namespace, and
 * restore the peerings they change). The lab is tied to this process: if the test run crashes,
 * the supervisor notices and stops, and its children die with it.
 * Without Go and without prebuilt binaries the suite is skipped, loudly, except in CI where that
 * is a failure.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {TestProject} from 'vitest/node'

import {lookupBinaries} from '../../src/lab/binaries.js'
import {labDown, labUp} from '../../src/lab/lab.js'
import {readState} from '../../src/lab/state.js'

export interface LabInfo {
  dir: string
  kubeconfig: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo | null
    labSkipReason: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = !!process.env.CI && process.env.CI !== 'false'
  const {missing} = lookupBinaries()
  const hasGo = spawnSync('go', ['version']).status === 0
  if (missing.length && !hasGo) {
    const reason = `control-plane binaries missing (${missing.join(', ')}) and no Go toolchain to build them; set KUBEBUILDER_ASSETS or install Go`
    if (ci) throw new Error(`integration tests cannot run in CI: ${reason}`)
    const bar = '!'.repeat(100)
    console.warn(`\n${bar}\n!! INTEGRATION TESTS SKIPPED: ${reason}\n${bar}\n`)
    project.provide('lab', null)
    project.provide('labSkipReason', reason)
    return async () => {}
  }
  const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-it-'))
  const started = Date.now()
  const log = (m: string) => console.log(`[lab] ${m}`)
  await labUp({dir, tutorial: false, delayMs: 300, build: true, parentPid: process.pid, onProgress: log})
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${dir})`)
  project.provide('lab', {dir, kubeconfig: readState(dir)!.kubeconfig})
  project.provide('labSkipReason', '')
  return async () => {
    await labDown(dir)
    if (!process.env.KEEP_LAB_LOGS) rmSync(dir, {recursive: true, force: true})
    else log(`logs kept in ${dir}/logs`)
  }
}
