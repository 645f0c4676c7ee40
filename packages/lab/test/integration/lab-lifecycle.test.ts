/**
 * `lab up|down` as a user runs them, on a second lab of its own: idempotent start, clean stop,
 * and no process left behind even when the supervisor is killed with SIGKILL.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {isOurProcess, isRunning} from '../../src/process.js'
import {readState} from '../../src/state.js'
import {cli, lab, skipNote, until} from '../../../cli/test/helpers/lab.js'

function alive(dir: string): string[] {
  const s = readState(dir)
  if (!s) return []
  return [
    ...(isOurProcess(s.supervisorPid, ['daemon.js', 'daemon.ts']) ? ['supervisor'] : []),
    ...s.processes.filter((p) => isOurProcess(p.pid, [p.binary])).map((p) => p.name),
  ]
}

describe.skipIf(!lab)(`lab up / lab down${skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-lifecycle-'))
  afterAll(async () => {
    await cli(['lab', 'down', '--dir', dir])
    rmSync(dir, {recursive: true, force: true})
  })

  it('starts a lab, and a second lab up only reports it', async () => {
    const up = await cli(['lab', 'up', '--dir', dir, '--delay', '200ms'], {timeoutMs: 180_000})
    expect(up.code, up.stderr).toBe(0)
    expect(up.stderr).toMatch(/Lab ready in/)
    expect(alive(dir)).toHaveLength(9)
    const again = await cli(['lab', 'up', '--dir', dir])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/already running/)
  })

  it('kill -9 of the supervisor takes every control-plane process with it; lab up then starts afresh', async () => {
    const before = readState(dir)!
    process.kill(before.supervisorPid, 'SIGKILL')
    await until('every lab process gone', 10_000, async () => alive(dir).length === 0)
    const st = await cli(['lab', 'status', '--dir', dir])
    expect(st.code).toBe(1)
    expect(st.stderr).toMatch(/^error: the lab in .* is not running \(its state is stale\)$/m)
    expect(st.stderr).toMatch(/^hint: clean it up with: liqo-topology lab down/m)
    const up = await cli(['lab', 'up', '--dir', dir, '--delay', '200ms'], {timeoutMs: 180_000})
    expect(up.code, up.stderr).toBe(0)
    expect(readState(dir)!.supervisorPid).not.toBe(before.supervisorPid)
  })

  it('lab down leaves no lab process running, and is idempotent', async () => {
    const s = readState(dir)!
    const down = await cli(['lab', 'down', '--dir', dir])
    expect(down.code, down.stderr).toBe(0)
    expect(down.stderr).toMatch(/lab stopped/)
    for (const p of [s.supervisorPid, ...s.processes.map((x) => x.pid)]) {
      expect(isRunning(p), `pid ${p} still alive`).toBe(false)
    }
    const again = await cli(['lab', 'down', '--dir', dir])
    expect(again.code).toBe(0)
    expect(again.stderr).toMatch(/nothing to do/)
    // Afterwards: status and env say there is no lab (exit 1) and how to start one.
    for (const cmd of ['status', 'env']) {
      const r = await cli(['lab', cmd, '--dir', dir])
      expect(r.code, cmd).toBe(1)
      expect(r.stderr).toMatch(/^error: no lab is running in /m)
      expect(r.stderr).toMatch(/^hint: start one with: liqo-topology lab up/m)
    }
  })
})
