/**
 * The live board, driven in tmux as a person would (send-keys, capture-pane), against the lab:
 * the columns and pods are drawn, a pod moved by `peer disable` shows up in its new column (the
 * latency from "Ready in the API" to "drawn" is printed), d / y on a selected cluster runs the
 * change from the board, the layout re-flows on resize, a cordon shows as it is put up, r rebalances
 * from the board (a refusal says what to do from there), and q leaves with exit 0.
 */
import {spawnSync} from 'node:child_process'
import {rmSync, watch, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {untilWatched} from '@liqo-topology/lab/tutorial'
import {admin, budget, cli, ENTRY, lab, podClusters, podOn, skipNote, untilPlaced} from '../../helpers/lab.js'
import {isV1, modeNote, offloadingOn, restoreOffloading, setUpTutorial} from '../../helpers/mode.js'

const SESSION = `lt-board-${process.pid}`
/** Where tmux copies what the board writes to its terminal (pipe-pane): each write is a moment to look again. */
const PANE_OUT = join(tmpdir(), `${SESSION}.out`)
const tmux = (...args: string[]) => spawnSync('tmux', args, {encoding: 'utf8'})
const screen = () => tmux('capture-pane', '-p', '-t', SESSION).stdout
/** The screen's text as one line: borders dropped, wrapped lines joined (to read a wrapped question whole). */
const flat = () =>
  screen()
    .split('\n')
    .map((l) => l.replace(/^[\s║│]+|[\s║│]+$/g, ''))
    .join(' ')
    .replace(/\s+/g, ' ')

/**
 * Until `check` holds for what the terminal shows: checked at once, then again each time the board
 * writes to its terminal (PANE_OUT grows; inotify tells), never on a timer. The screen only changes
 * when something is written to it, so no change is missed. On a timeout the error gives the screen.
 */
function untilScreen(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false
    let queued = false
    const watcher = watch(PANE_OUT)
    const finish = (e?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      watcher.close()
      if (e) reject(e)
      else resolve()
    }
    const look = () => {
      queued = false
      if (done) return
      try {
        if (check()) finish()
      } catch (e) {
        finish(e as Error)
      }
    }
    watcher.on('change', () => {
      // Writes come in bursts (one frame, several chunks): one look once the burst's events are in.
      if (!queued) setImmediate(look)
      queued = true
    })
    watcher.on('error', (e) => finish(e))
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; the screen:\n${screen()}`)),
      timeoutMs,
    )
    look()
  })
}
/** The text of one column (by its header) across the screen's rows. */
function column(title: string): string {
  const lines = screen().split('\n')
  const head = lines.find((l) => l.includes(`│ ${title} `))
  if (!head) return ''
  const start = head.indexOf(`│ ${title} `)
  const end = head.indexOf('│', start + 1)
  return lines.map((l) => l.slice(start, end)).join('\n')
}

/**
 * The foreground colour (its SGR code, e.g. 36 for cyan) the left border of the column titled
 * `title` is drawn in, from the pane with its escape sequences: the selected column's is cyan.
 */
function borderColour(title: string): string | undefined {
  for (const line of tmux('capture-pane', '-e', '-p', '-t', SESSION).stdout.split('\n')) {
    let fg: string | undefined
    let plain = ''
    const colours: Array<string | undefined> = []
    for (let i = 0; i < line.length;) {
      if (line.charCodeAt(i) === 0x1b && line[i + 1] === '[') {
        const end = line.indexOf('m', i)
        const ps = line.slice(i + 2, end).split(';')
        for (let k = 0; k < ps.length; k++) {
          const n = Number(ps[k] || 0)
          if (n === 0 || n === 39) fg = undefined
          else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) fg = String(n)
          else if (n === 38 || n === 48) {
            const len = ps[k + 1] === '5' ? 3 : 5
            if (n === 38) fg = ps.slice(k, k + len).join(';')
            k += len - 1
          }
        }
        i = end + 1
        continue
      }
      plain += line[i]
      colours.push(fg)
      i++
    }
    const at = plain.indexOf(`│ ${title} `)
    if (at >= 0) return colours[at]
  }
  return undefined
}

describe.skipIf(!lab)(`board, driven in tmux${modeNote}${skipNote}`, {tags: ['launcher']}, () => {
  beforeAll(async () => {
    await setUpTutorial()
    await podOn('liqo-test', 'cluster-3')
    tmux('kill-session', '-t', SESSION)
    writeFileSync(PANE_OUT, '')
    // A person at a terminal: no CI variable (Ink draws only the last frame under CI).
    const cmd = `env -u CI KUBECONFIG=${lab!.kubeconfig} ${ENTRY.join(' ')} board -n liqo-test; echo EXIT=$?; sleep 60`
    expect(tmux('new-session', '-d', '-s', SESSION, '-x', '150', '-y', '40', cmd).status).toBe(0)
    // What was drawn before this is on the screen, which untilScreen reads first.
    expect(tmux('pipe-pane', '-O', '-t', SESSION, `cat >> '${PANE_OUT}'`).status).toBe(0)
    await untilScreen(
      'the board drawn',
      60_000,
      () => /│ cluster-3 /.test(screen()) && /● nginx-deployment/.test(screen()),
    )
  }, 400_000)
  afterAll(async () => {
    tmux('kill-session', '-t', SESSION)
    rmSync(PANE_OUT, {force: true})
    await restoreOffloading()
    // Leave no tutorial workload behind for the suites that follow (they count pods per cluster).
    const r = await cli(['cleanup', '-n', 'liqo-test', '--keep-peering', '--yes', '--timeout', '3m'], {
      timeoutMs: 240_000,
    })
    expect(r.code, r.stderr).toBe(0)
  }, 600_000)

  it('one column per cluster with its peering state, the pods in the column of their cluster', async () => {
    expect(screen()).toMatch(/liqo-topology board — context cluster-1, namespace liqo-test/)
    expect(column('local')).toMatch(/this cluster/)
    expect(column('cluster-2')).toMatch(/Yes\/Established · \d pods?/)
    const on3 = (await podClusters('liqo-test')).filter((p) => p.cluster === 'cluster-3').map((p) => p.pod)
    for (const pod of on3) expect(column('cluster-3')).toContain(pod)
  })

  it('a pod moved by peer disable (another terminal) shows up in its new column; prints the latency', async () => {
    const before = new Set((await podClusters('liqo-test')).map((p) => p.pod))
    const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(r.code, r.stderr).toBe(0)
    const readyAt = Date.now()
    const fresh = (await podClusters('liqo-test'))
      .filter((p) => !before.has(p.pod) && p.cluster === 'cluster-2' && p.ready)
      .map((p) => p.pod)
    expect(fresh.length).toBeGreaterThan(0)
    // Looked for as the board draws, so the time printed is the board's, not a poll's period.
    await untilScreen(
      'the board to show the move',
      60_000,
      () => fresh.every((pod) => column('cluster-2').includes(pod)) && !/● /.test(column('cluster-3')),
    )
    console.log(`[board] a moved pod drawn in its new column ${Date.now() - readyAt} ms after the command saw it Ready`)
    expect(screen()).toMatch(/pod \S+ (Ready|scheduled) on cluster-2/)
  })

  it(
    'e on the selected cluster asks (the preview), y enables it from the board; the layout re-flows ' + 'on resize',
    async () => {
      tmux('send-keys', '-t', SESSION, 'l')
      await untilScreen('cluster-3 selected (its border cyan)', 10_000, () => borderColour('cluster-3') === '36')
      tmux('send-keys', '-t', SESSION, 'e')
      await untilScreen('the question', 30_000, () =>
        /Enable outgoing peering to "cluster-3" on context "cluster-1"\? \(y\/N\)/.test(screen()),
      )
      tmux('send-keys', '-t', SESSION, 'y')
      await untilScreen('cluster-3 ready, said in the footer', 180_000, () =>
        /cluster-3 ready in [\d.]+s/.test(screen()),
      )
      expect(await offloadingOn('cluster-3')).toBe(true)
      tmux('resize-window', '-t', SESSION, '-x', '90', '-y', '30')
      // Re-flowed, not cut: the three columns' borders all fit the 90 columns.
      await untilScreen('re-drawn at 90 columns', 10_000, () => {
        const top =
          screen()
            .split('\n')
            .find((l) => l.startsWith('╭')) ?? ''
        return (
          (top.match(/╭/g) ?? []).length === 3 && (top.match(/╮/g) ?? []).length === 3 && /│ cluster-3/.test(screen())
        )
      })
    },
  )

  it('a cordon shows in the header as it is put up (watched); r rebalances from the board after a y', async () => {
    tmux('resize-window', '-t', SESSION, '-x', '150', '-y', '40')
    expect((await cli(['peer', 'cordon', 'cluster-2', '--yes'])).code).toBe(0)
    await untilScreen('cluster-2 shown cordoned', 30_000, () => /Established, cordoned ·/.test(column('cluster-2')))
    expect((await cli(['peer', 'uncordon', 'cluster-2', '--yes'])).code).toBe(0)
    await untilScreen('cluster-2 shown uncordoned', 30_000, () => /Established ·/.test(column('cluster-2')))
    tmux('send-keys', '-t', SESSION, 'r')
    // The default --stable-for (30s) counts from cluster-3's enable in the test before.
    await untilScreen('the rebalance question', 120_000, () => /Move 1 pod\(s\) of "liqo-test"/.test(screen()))
    tmux('send-keys', '-t', SESSION, 'y')
    await untilScreen('moved, said in the footer', 180_000, () => /moved 1 pod\(s\) in [\d.]+s/.test(screen()))
    const on = (await podClusters('liqo-test')).map((p) => p.cluster).sort()
    expect(on).toEqual(['cluster-2', 'cluster-2', 'cluster-3'])
  }, 300_000)

  it('q during a rebalance stops it and leaves the board once its cordon is lifted, exit 0', async () => {
    // Every pod on cluster-2 again: cluster-3 cordoned while its pod is replaced.
    expect((await cli(['peer', 'cordon', 'cluster-3', '--yes'])).code).toBe(0)
    const c = await admin()
    for (const p of (await podClusters('liqo-test')).filter((x) => x.cluster !== 'cluster-2'))
      await c.delete(`/api/v1/namespaces/liqo-test/pods/${p.pod}`)
    await untilPlaced(
      'liqo-test',
      'all 3 Ready on cluster-2',
      180_000,
      (now) => now.length === 3 && now.every((p) => p.cluster === 'cluster-2' && p.ready),
    )
    expect((await cli(['peer', 'uncordon', 'cluster-3', '--yes'])).code).toBe(0)
    // A budget that allows nothing: the board refuses, and its hint says what to do from the board and which command
    // line forces it (the board has no --force), whole, until a key.
    const hold = await budget('liqo-test', 'hold', 3)
    try {
      tmux('send-keys', '-t', SESSION, 'r')
      await untilScreen('the refusal with its hint', 120_000, () => /\(press any key\)/.test(flat()))
      expect(flat()).toContain(
        'hint: relax the budget and press r again; to move what the budgets allow, run in a terminal (the board ' +
          'does not force): liqo-topology rebalance -n liqo-test --force --context cluster-1 (press any key)',
      )
      expect(flat()).not.toMatch(/re-run with --force/)
      tmux('send-keys', '-t', SESSION, 'x')
      await untilScreen('the refusal closed', 10_000, () => !/\(press any key\)/.test(flat()))
    } finally {
      await hold.remove()
    }
    tmux('send-keys', '-t', SESSION, 'r')
    await untilScreen('the rebalance question', 120_000, () => /Move 1 pod\(s\) of "liqo-test"/.test(screen()))
    tmux('send-keys', '-t', SESSION, 'y')
    tmux('send-keys', '-t', SESSION, 'q')
    await untilScreen('the board gone', 120_000, () => /EXIT=0/.test(screen()))
    // Nothing of the move is left: no rebalance taint on a Node (nor, on Liqo v1, on a VirtualNode).
    // On Liqo v1 the virtual kubelet copies a VirtualNode's taints to its Node a moment later: watched
    // (one list and one watch of each), each change checked as it arrives.
    const paths = ['/api/v1/nodes', ...(isV1 ? ['/apis/offloading.liqo.io/v1beta1/virtualnodes'] : [])]
    await untilWatched(c, paths, 'no rebalance taint left', 60_000, (lists) =>
      lists
        .flat()
        .every(
          (o) =>
            !((o.spec?.taints ?? []) as Array<{key: string}>).some((t) => t.key.startsWith('liqo-topology/rebalance')),
        ),
    )
  }, 420_000)
})
