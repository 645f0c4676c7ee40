/**
 * Soak: 50 disable/enable cycles of cluster-3 through the CLI while `pods where -w` and a `wait`
 * loop run. The watcher must show every move (every pod kubectl's own watch saw), its memory must
 * not grow (RSS after cycle 50 within 10% of cycle 5), and the API server's audit log must show
 * every watch of ours closed at the end (none leaked), and no more open at cycle 50 than at cycle 5.
 */
import {readFileSync, statSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  cli,
  collect,
  lab,
  labState,
  offloadedNamespace,
  podOn,
  restorePeerings,
  skipNote,
  startCli,
  until,
  type OffloadedNamespace,
} from '../helpers/lab.js'
import {spawn, type ChildProcess} from 'node:child_process'
import {join} from 'node:path'

const CYCLES = Number(process.env.SOAK_CYCLES ?? 50)

function rssKb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)
  return m ? Number(m[1]) : 0
}

const auditLog = () => join(lab!.dir, 'logs', 'cluster-1-audit.log')

/**
 * The watches this CLI (user agent liqo-topology) holds open on the home API server now: opened
 * (audit stage ResponseStarted) after byte `since` of the API server's audit log, and not yet
 * closed (ResponseComplete). Earlier files' watches are not ours to count: a test that killed the
 * API server left watches whose end that server never lived to log.
 */
function openWatchesOfOurs(since: number): number {
  const open = new Set<string>()
  const log = readFileSync(auditLog())
  // From the first whole line at or after `since`.
  const from = since === 0 ? 0 : log.indexOf(10, since - 1) + 1
  for (const line of log.subarray(from).toString('utf8').trim().split('\n')) {
    if (!line) continue
    const e = JSON.parse(line) as {verb: string; stage: string; auditID: string; userAgent?: string}
    if (e.verb !== 'watch' || !e.userAgent?.startsWith('liqo-topology')) continue
    if (e.stage === 'ResponseStarted') open.add(e.auditID)
    else if (e.stage === 'ResponseComplete') open.delete(e.auditID)
  }
  return open.size
}

describe.skipIf(!lab)(`soak: ${CYCLES} disable/enable cycles${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restorePeerings()
    ns = await offloadedNamespace('it-soak', {replicas: 3})
  }, 300_000)
  afterAll(async () => {
    await restorePeerings()
    await ns?.remove()
  }, 300_000)

  it('the watcher shows every move, its RSS stays flat, and no watch is left behind', async () => {
    const since = statSync(auditLog()).size
    await podOn(ns.name, 'cluster-3')
    // The watcher under test, and kubectl's own watch of the same pods as the reference.
    const watcher = startCli(['pods', 'where', '-w', '-n', ns.name, '-o', 'json'])
    let watched = ''
    watcher.stdout!.setEncoding('utf8').on('data', (d: string) => (watched += d))
    const kubectl = spawn(
      join(labState().binDir, 'kubectl'),
      ['--context', 'cluster-1', 'get', 'pods', '-n', ns.name, '-w', '-o', 'name'],
      {env: {...process.env, KUBECONFIG: lab!.kubeconfig}},
    )
    let reference = ''
    kubectl.stdout.setEncoding('utf8').on('data', (d: string) => (reference += d))
    // A wait loop beside them, as an operator would run one (paused while watches are counted).
    let waiting = true
    let paused: Promise<void> | undefined
    let idle: () => void = () => {}
    let current: ChildProcess | undefined
    let stopping = false
    const stopCurrent = () => {
      stopping = !!current
      current?.kill('SIGINT')
    }
    const waits = (async () => {
      let runs = 0
      while (waiting) {
        if (paused) {
          idle()
          await paused
        }
        current = startCli(['wait', '-n', ns.name, '--timeout', '90s'])
        const r = await collect(current, {timeoutMs: 120_000})
        current = undefined
        // Unless stopped here (for a count of the watches, or at the end: Ctrl-C, or the signal's
        // default action if it came before the CLI set its handler), it converged or timed out.
        if (!stopping) expect([0, 3]).toContain(r.code)
        stopping = false
        runs++
      }
      return runs
    })()
    /** The open watches, counted while the wait loop holds none (the running wait is stopped, not waited for). */
    const countWatches = async () => {
      let resume: () => void = () => {}
      const stopped = new Promise<void>((r) => (idle = r))
      paused = new Promise<void>((r) => (resume = r))
      stopCurrent()
      // The loop's end (an unexpected exit code) fails the count instead of leaving it waiting.
      await Promise.race([stopped, waits.then(() => Promise.reject(new Error('the wait loop ended before the count')))])
      const n = openWatchesOfOurs(since)
      paused = undefined
      resume()
      return n
    }
    try {
      await until('the watcher listed the pods', 30_000, async () => watched.split('\n').filter(Boolean).length >= 3)
      let rss5 = 0
      let watchesAt5 = 0
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const off = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '90s'], {timeoutMs: 120_000})
        expect(off.code, `cycle ${cycle}: ${off.stderr}`).toBe(0)
        const on = await cli(['peer', 'enable', 'cluster-3', '--yes', '--timeout', '90s'], {timeoutMs: 120_000})
        expect(on.code, `cycle ${cycle}: ${on.stderr}`).toBe(0)
        // The next cycle moves something again: a pod back on cluster-3.
        await podOn(ns.name, 'cluster-3')
        if (cycle === 5) {
          rss5 = rssKb(watcher.pid!)
          watchesAt5 = await countWatches()
        }
      }
      const rss50 = rssKb(watcher.pid!)
      console.log(
        `[soak] watcher RSS: cycle 5 ${rss5} kB, cycle ${CYCLES} ${rss50} kB ` +
          `(${((rss50 / rss5 - 1) * 100).toFixed(1)}%)`,
      )
      expect(rss50).toBeLessThanOrEqual(rss5 * 1.1)
      // The watcher's watches only, as at cycle 5: none piled up.
      const watchesAtEnd = await countWatches()
      console.log(
        `[soak] watches of liqo-topology open on the home API server (audit log): cycle 5 ${watchesAt5}, ` +
          `cycle ${CYCLES} ${watchesAtEnd}`,
      )
      expect(watchesAtEnd).toBeLessThanOrEqual(watchesAt5)

      const ours = () =>
        new Set(
          watched
            .split('\n')
            .filter(Boolean)
            .map((l) => (JSON.parse(l) as {item: {name: string}}).item.name),
        )
      const kubectls = () =>
        new Set(
          reference
            .split('\n')
            .filter(Boolean)
            .map((l) => l.replace(/^pod\//, '')),
        )
      // The last moves still on their way through both watches: until ours shows every pod that
      // kubectl's showed (on a timeout, the assertion below names the pods it missed).
      await until('pods where -w showing every pod kubectl saw', 15_000, async () => {
        const us = ours()
        return [...kubectls()].every((p) => us.has(p))
      }).catch(() => {})
      const seenByUs = ours()
      const seenByKubectl = kubectls()
      console.log(`[soak] pods seen: kubectl ${seenByKubectl.size}, pods where -w ${seenByUs.size}`)
      expect(seenByKubectl.size).toBeGreaterThanOrEqual(CYCLES)
      expect([...seenByKubectl].filter((p) => !seenByUs.has(p))).toEqual([])
    } finally {
      waiting = false
      stopCurrent()
      watcher.kill('SIGINT')
      kubectl.kill('SIGTERM')
      await waits
    }
    await until('every watch of ours closed', 30_000, async () => openWatchesOfOurs(since) === 0)
  }, 3_600_000)
})
