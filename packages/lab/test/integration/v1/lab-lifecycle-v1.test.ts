/**
 * `lab up --liqo v1.2` and `lab down` on a second real-Liqo lab of its own: nothing of it is left
 * behind — no process (Liqo's pods included), no network namespace, no bridge — also when the
 * supervisor is killed with SIGKILL.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {isOurProcess, isRunning} from '../../../src/process.js'
import {readState, type LabState} from '../../../src/state.js'
import {cli, lab, skipNote, until} from '../../../../cli/test/helpers/lab.js'

function alive(s: LabState): string[] {
  return [
    ...(isOurProcess(s.supervisorPid, ['daemon.js', 'daemon.ts']) ? ['supervisor'] : []),
    ...s.processes.filter((p) => p.binary && isOurProcess(p.pid, [p.binary])).map((p) => p.name),
  ]
}

/** The lab's network namespaces and bridge, as `ip` lists them. */
function network(s: LabState): string[] {
  const octet = s.network!.octet
  const ns = spawnSync('ip', ['netns', 'list'], {encoding: 'utf8'})
    .stdout.split('\n')
    .filter((l) => l.startsWith(`lt${octet}-`))
  const br =
    spawnSync('ip', ['link', 'show', s.network!.bridge], {encoding: 'utf8'}).status === 0 ? [s.network!.bridge] : []
  return [...ns, ...br]
}

describe.skipIf(!lab)(`lab up --liqo v1.2 / lab down${skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'liqo-topology-lifecycle-v1-'))
  afterAll(async () => {
    await cli(['lab', 'down', '--dir', dir])
    rmSync(dir, {recursive: true, force: true})
  })

  it("starts a second real-Liqo lab beside the suite's, on its own network", async () => {
    const up = await cli(['lab', 'up', '--dir', dir, '--liqo', 'v1.2'], {timeoutMs: 300_000})
    expect(up.code, up.stderr).toBe(0)
    expect(up.stderr).toMatch(/Lab ready in .*Liqo v1\.2\.0 \(its own controllers\)/)
    const s = readState(dir)!
    expect(s.network!.octet).not.toBe(readState(lab!.dir)!.network!.octet)
    const names = alive(s)
    for (const n of ['supervisor', 'cluster-1/liqo-controller-manager', 'cluster-1/vk-cluster-2', 'cluster-2/kwok'])
      expect(names).toContain(n)
    expect(network(s).length).toBeGreaterThan(1)
  })

  it(
    'kill -9 of the supervisor takes every process with it (Liqo pods too); lab down then removes the ' + 'network',
    async () => {
      const s = readState(dir)!
      process.kill(s.supervisorPid, 'SIGKILL')
      await until('every lab process gone', 15_000, async () => alive(s).length === 0)
      const down = await cli(['lab', 'down', '--dir', dir])
      expect(down.code, down.stderr).toBe(0)
      expect(network(s)).toEqual([])
    },
  )

  it('lab up again, then lab down leaves no process, namespace or bridge, and is idempotent', async () => {
    const up = await cli(['lab', 'up', '--dir', dir, '--liqo', 'v1.2'], {timeoutMs: 300_000})
    expect(up.code, up.stderr).toBe(0)
    const s = readState(dir)!
    const down = await cli(['lab', 'down', '--dir', dir])
    expect(down.code, down.stderr).toBe(0)
    for (const p of [s.supervisorPid, ...s.processes.map((x) => x.pid)].filter((p) => p > 0))
      expect(isRunning(p), `pid ${p} still alive`).toBe(false)
    expect(network(s)).toEqual([])
    const again = await cli(['lab', 'down', '--dir', dir])
    expect(again.code).toBe(0)
    expect(again.stderr).toMatch(/nothing to do/)
  })
})
