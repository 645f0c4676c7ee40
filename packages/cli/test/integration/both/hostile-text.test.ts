/**
 * Hostile and odd text from the cluster, on both lab modes: a condition message and a status
 * reason with terminal escapes, control characters, a right-to-left override and 10,000
 * characters. Tables stay one line per row and aligned, nothing reaches the terminal raw, and
 * -o json/yaml give the exact text back. (Unit tests cover the escaping itself.)
 */
import yaml from 'js-yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {displayWidth} from '../../../src/toolkit/text.js'
import {admin, cli, lab, skipNote, uniqueName} from '../../helpers/lab.js'
import {modeNote} from '../../helpers/mode.js'

const HOSTILE = `\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\rback\nnew line\u202eesrever\u200b${'x'.repeat(10_000)}`
const REASON = 'Evil\u001b[5mBlink'
/** What a terminal would act on (newlines between lines excepted). */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b]/u

describe.skipIf(!lab)(`hostile text from the cluster${modeNote}${skipNote}`, () => {
  const ns = uniqueName('it-hostile')
  beforeAll(async () => {
    const c = await admin()
    await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}})
    // No scheduler takes this pod: its status is ours to write, and stays as written.
    for (const name of ['evil', 'plain']) {
      await c.create(`/api/v1/namespaces/${ns}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name},
        spec: {schedulerName: 'nobody', containers: [{name: 'c', image: 'nginx'}]},
      })
    }
    await c.patch(
      `/api/v1/namespaces/${ns}/pods/evil/status`,
      {
        status: {
          reason: REASON,
          conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: HOSTILE}],
        },
      },
      'merge',
    )
  })
  afterAll(async () => {
    await (await admin()).delete(`/api/v1/namespaces/${ns}`)
  })

  it('pods where: rows stay one line each and aligned, escapes shown not acted on, the message cut', async () => {
    const r = await cli(['pods', 'where', '-n', ns])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.replace(/\n/g, '')).not.toMatch(RAW)
    expect(r.stderr.replace(/\n/g, '')).not.toMatch(RAW)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    // The CLUSTER column starts at the same terminal column on every line.
    const col = (l: string) => displayWidth(l.slice(0, l.search(/\s(<none>|CLUSTER)\s/) + 1))
    expect(new Set(lines.map(col)).size).toBe(1)
    expect(r.stdout).toContain('Evil\\x1b[5mBlink')
    // The Pending message on stderr: visible escapes, and no 10,000-character line.
    expect(r.stderr).toContain('\\x1b]0;pwned\\x07')
    expect(Math.max(...r.stderr.split('\n').map((l) => l.length))).toBeLessThan(2_000)
  })

  it('-o json and -o yaml give the text back exactly (the status reason, escapes and all)', async () => {
    const j = await cli(['pods', 'where', '-n', ns, '-o', 'json'])
    expect(j.code, j.stderr).toBe(0)
    const evil = JSON.parse(j.stdout).items.find((i: {name: string}) => i.name === 'evil')
    expect(evil.status).toBe(REASON)
    const y = await cli(['pods', 'where', '-n', ns, '-o', 'yaml'])
    const doc = yaml.load(y.stdout) as {items: Array<{name: string; status: string}>}
    expect(doc.items.find((i) => i.name === 'evil')?.status).toBe(REASON)
  })
})
