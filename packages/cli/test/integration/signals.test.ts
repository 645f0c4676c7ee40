/**
 * A command stopped by a signal exits as shells report it — 130 for Ctrl-C (SIGINT), 143 for
 * SIGTERM, 129 for SIGHUP (a closed terminal) — after one line saying what state was reached.
 */
import {describe, expect, it} from 'vitest'

import {collect, lab, skipNote, startCli, until} from '../helpers/lab.js'

describe.skipIf(!lab)(`signals${skipNote}`, {tags: ['launcher']}, () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} during a wait exits ${code} and says what state was reached`, async () => {
      // "default" has no pods: the wait keeps waiting ("nothing there yet") until stopped.
      const child = startCli(['wait', '-n', 'default', '--timeout', '60s'])
      const done = collect(child, {timeoutMs: 30_000})
      let err = ''
      child.stderr!.on('data', (d: string) => (err += d))
      // Once it says what it waits for, the wait is running (its watches started, its state read).
      await until('the command waiting', 20_000, async () => /Waiting for default: nothing there yet/.test(err))
      child.kill(signal)
      const r = await done
      expect(r.code, r.stderr).toBe(code)
      expect(r.stderr).toMatch(/^error: interrupted while waiting for .*; last state: .*nothing there yet/m)
      expect(r.stderr).toMatch(/^hint: /m)
    })
  }
})
