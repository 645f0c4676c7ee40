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

import {lookupBinaries} from '@liqo-topology/lab/binaries'
import {labDown, labUp, type LabLiqoLine} from '@liqo-topology/lab/lab'
import {readState} from '@liqo-topology/lab/state'
import {checkNetworkPrerequisites} from '@liqo-topology/lab/v1/network'
import {reportLoad, sampleLoad} from '../helpers/lab-load-sample.js'

export interface LabInfo {
  dir: string
  kubeconfig: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo | null
    labSkipReason: string
    /** Which Liqo the lab runs: the v0.3 emulator or Liqo's own v1.0, v1.1 or v1.2. */
    labLiqo: LabLiqoLine
  }
}

/** Why this machine cannot run a lab of that line, if it cannot. */
function cannotRun(liqo: LabLiqoLine): string | undefined {
  const {missing} = lookupBinaries()
  const hasGo = spawnSync('go', ['version']).status === 0
  if (missing.length && !hasGo)
    return (
      `control-plane binaries missing (${missing.join(', ')}) and no Go toolchain to build them; set ` +
      `KUBEBUILDER_ASSETS or install Go`
    )
  if (liqo !== 'v0.3') {
    try {
      checkNetworkPrerequisites()
    } catch (e) {
      return (e as Error).message
    }
  }
  return undefined
}

/** The integration suite of the emulator lab (default export) or of the real-Liqo lab (./v1/). */
export function labSetup(liqo: LabLiqoLine) {
  return (project: TestProject) => setup(project, liqo)
}

export default labSetup('v0.3')

async function setup(project: TestProject, liqo: LabLiqoLine): Promise<() => Promise<void>> {
  const ci = !!process.env.CI && process.env.CI !== 'false'
  project.provide('labLiqo', liqo)
  const reason = cannotRun(liqo)
  if (reason) {
    if (ci) throw new Error(`integration tests cannot run in CI: ${reason}`)
    const bar = '!'.repeat(100)
    console.warn(`\n${bar}\n!! INTEGRATION TESTS SKIPPED: ${reason}\n${bar}\n`)
    project.provide('lab', null)
    project.provide('labSkipReason', reason)
    return async () => {}
  }
  const dir = mkdtempSync(join(tmpdir(), `liqo-topology-it-${liqo}-`))
  const started = Date.now()
  const log = (m: string) => console.log(`[lab] ${m}`)
  await labUp({dir, tutorial: false, liqo, delayMs: 300, build: true, parentPid: process.pid, onProgress: log})
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${dir})`)
  project.provide('lab', {dir, kubeconfig: readState(dir)!.kubeconfig})
  project.provide('labSkipReason', '')
  // The lab's CPU and API requests from here to the run's end, printed then (figures, no assertion).
  const load = await sampleLoad(dir).catch(() => undefined)
  return async () => {
    await reportLoad(dir, project.name, liqo, load, log)
    await labDown(dir)
    if (!process.env.KEEP_LAB_LOGS) rmSync(dir, {recursive: true, force: true})
    else log(`logs kept in ${dir}/logs`)
  }
}
