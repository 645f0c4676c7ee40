/**
 * `rebalance` after a rejoin, one test body for both labs: the tutorial's 3 replicas all on
 * cluster-2 after `peer disable cluster-3` and `peer enable cluster-3`; rebalance puts them back on
 * both clusters as its plan said (checked with kubectl), keeps a PodDisruptionBudget (a separate
 * watch sees the ready count), refuses one that allows nothing (exit 3, nothing evicted), leaves no
 * cordon behind, and a second run has nothing to move. Two runs at once: the second changes nothing.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PODS} from '../../../src/k8s/kinds.js'
import {toNode} from '../../../src/liqo/nodes.js'
import {sleep} from '../../../src/toolkit/clock.js'
import {untilWatched} from '@liqo-topology/lab/tutorial'
import {
  admin,
  budget,
  cli,
  collect,
  kubectl,
  lab,
  offloadedNamespace,
  podClusters,
  skipNote,
  startCli,
  until,
  untilPlaced,
  type OffloadedNamespace,
} from '../../helpers/lab.js'
import {allOnCluster2, holdReplacements, nodeTaints} from '../../helpers/rebalance.js'
import {modeNote, restoreOffloading, virtualNodeName} from '../../helpers/mode.js'

const TAINT = 'liqo-topology/rebalance'

/** Pods per cluster, with kubectl: `kubectl get pods -o wide` and the virtual nodes' names. */
async function countsByKubectl(namespace: string): Promise<Record<string, number>> {
  const k = await kubectl(['get', 'pods', '-n', namespace, '-o', 'wide', '--no-headers'])
  const byNode = new Map(['cluster-2', 'cluster-3'].map((c) => [virtualNodeName(c), c]))
  const out: Record<string, number> = {}
  for (const line of k.stdout.trim().split('\n').filter(Boolean)) {
    const cols = line.split(/\s+/)
    if (cols[2] !== 'Running' || cols[1] !== '1/1') continue
    const cluster = byNode.get(cols[6]!) ?? cols[6]!
    out[cluster] = (out[cluster] ?? 0) + 1
  }
  return out
}

/** The taints of every node, read with kubectl. */
/** No node carries the rebalance's taint. */
async function expectNoCordonLeft(): Promise<void> {
  expect(await nodeTaints()).not.toContain(TAINT)
}

/**
 * Until no node carries a rebalance's taint (any run's key: what nodeTaints' text would contain; on
 * Liqo v1 the virtual kubelet takes it off the node a moment after the VirtualNode): watched, one list
 * and one watch of the nodes.
 */
async function untilNoCordonLeft(): Promise<void> {
  await untilWatched(await admin(), ['/api/v1/nodes'], 'no cordon left on any node', 60_000, ([nodes]) =>
    nodes!.every((n) => !((n.spec?.taints ?? []) as Array<{key: string}>).some((t) => t.key.startsWith(TAINT))),
  )
}

/**
 * Starts a rebalance and returns once its move waits for a replacement the quota holds back (its stderr so far on
 * failure).
 */
async function startHeldMove(namespace: string) {
  const child = startCli(['rebalance', '-n', namespace, '--yes', '--stable-for', '1s'])
  const done = collect(child, {timeoutMs: 120_000})
  let err = ''
  child.stderr!.on('data', (d: string) => (err += d))
  try {
    await until('the move waiting for the replacement', 60_000, async () => /2\/3 pods Ready after evicting/.test(err))
  } catch (e) {
    child.kill('SIGKILL')
    throw new Error(`${(e as Error).message}; the command's stderr: ${err}`, {cause: e})
  }
  return {child, done}
}

/** Watches the namespace's pods (a watch of its own, not the CLI's) and keeps the lowest Ready count seen. */
async function watchReady(namespace: string): Promise<{lowest: () => number; stop: () => void}> {
  const c = await admin()
  const r = PODS.reflector(c, {namespace})
  const ctl = new AbortController()
  let lowest = Infinity
  const count = () => [...r.store.values()].filter((p) => p.ready && !p.deletionTimestamp).length
  void r.run(ctl.signal, () => (lowest = Math.min(lowest, count()))).catch(() => {})
  await r.whenSynced()
  return {lowest: () => lowest, stop: () => ctl.abort()}
}

describe.skipIf(!lab)(`rebalance after a rejoin${modeNote}${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restoreOffloading()
    ns = await offloadedNamespace('it-rebalance')
  }, 300_000)
  afterAll(async () => {
    const c = await admin()
    for (const n of ['spare', 'hold'])
      await c.delete(`/apis/policy/v1/namespaces/${ns.name}/poddisruptionbudgets/${n}`).catch(() => {})
    await c.delete(`/api/v1/namespaces/${ns.name}/resourcequotas/two`).catch(() => {})
    await restoreOffloading()
    await ns?.remove()
  }, 300_000)

  it(
    'peer disable cluster-3 → peer enable cluster-3 → rebalance --yes: pods on both clusters as the plan said; ' +
      'a second run has nothing to move',
    async () => {
      const off = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
      expect(off.code, off.stderr).toBe(0)
      expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 3})
      const on = await cli(['peer', 'enable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
      expect(on.code, on.stderr).toBe(0)
      // A dry run does not wait out a cluster's stabilisation window (it counts it as stabilising), and
      // peer enable returns as soon as the virtual node is Ready: read the plan once cluster-3's node has
      // been Ready for longer than --stable-for, as the tool reads it (Ready's transition, to the second).
      // The transition is watched for; from then on the window's end is a known instant, waited for
      // with one timer to it rather than by asking the API server again and again.
      const c = await admin()
      const readySince = await untilWatched(c, ['/api/v1/nodes'], 'cluster-3 Ready', 60_000, ([raw]) => {
        const vn = raw!.map(toNode).find((n) => n.name === virtualNodeName('cluster-3'))
        return vn?.ready && vn.readySince
      })
      await sleep(Math.max(0, Date.parse(readySince) + 2000 - Date.now()))

      const dry = await cli(['rebalance', '-n', ns.name, '--dry-run', '--stable-for', '1s', '-o', 'json'], {
        timeoutMs: 60_000,
      })
      expect(dry.code, dry.stderr).toBe(0)
      const plan = JSON.parse(dry.stdout)
      const [ctl] = plan.controllers
      expect(ctl.aim).toBe('even across 2 clusters')
      expect(ctl.moves).toEqual([{pod: expect.any(String), from: 'cluster-2', to: ['cluster-3']}])
      expect(ctl.cordon).toEqual(['cluster-2'])
      const targets = Object.fromEntries(ctl.spread.map((s: {domain: string; target: number}) => [s.domain, s.target]))
      expect(targets).toEqual({'cluster-2': 2, 'cluster-3': 1})

      // Without a terminal and without --yes: no prompt, nothing evicted.
      const asked = await cli(['rebalance', '-n', ns.name, '--stable-for', '1s'], {timeoutMs: 60_000})
      expect(asked.code, asked.stderr).toBe(2)
      expect(asked.stderr).toMatch(/refusing to rebalance .* without confirmation: stdin is not a terminal/)
      expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 3})

      const r = await cli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s'], {timeoutMs: 240_000})
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toMatch(new RegExp(`move pod ${ctl.moves[0].pod} from cluster-2 \\(to cluster-3\\)`))
      expect(r.stdout).toMatch(new RegExp(`pod ${ctl.moves[0].pod} evicted from cluster-2`))
      expect(r.stdout).toMatch(/Ready on cluster-3/)
      expect(r.stdout).toMatch(/cluster-2 uncordoned/)
      // As the plan said, read with kubectl; the evicted pod is gone; no cordon is left.
      expect(await countsByKubectl(ns.name)).toEqual(targets)
      expect((await kubectl(['get', 'pod', ctl.moves[0].pod, '-n', ns.name])).stderr).toMatch(/NotFound/)
      await expectNoCordonLeft()

      const again = await cli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toMatch(/nothing to move/)
    },
  )

  it(
    'with a budget minAvailable: 2 and --max-unavailable 3, a separate watch never sees fewer than 2 ' + 'Ready pods',
    async () => {
      await allOnCluster2(ns.name)
      const spare = await budget(ns.name, 'spare', 2, 3)
      try {
        const watch = await watchReady(ns.name)
        try {
          const r = await cli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s', '--max-unavailable', '3'], {
            timeoutMs: 240_000,
          })
          expect(r.code, r.stderr).toBe(0)
          expect(r.stderr).toMatch(/PodDisruptionBudget: .*\/spare/)
          expect(r.stderr).toMatch(/one at a time/)
          expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 2, 'cluster-3': 1})
        } finally {
          watch.stop()
        }
        expect(watch.lowest()).toBeGreaterThanOrEqual(2)
        await expectNoCordonLeft()
      } finally {
        await spare.remove()
      }
    },
  )

  it('with a budget minAvailable: 3 the plan names it, nothing is evicted, exit 3', async () => {
    await allOnCluster2(ns.name)
    const hold = await budget(ns.name, 'hold', 3)
    try {
      const before = (await podClusters(ns.name)).map((p) => p.pod).sort()
      const r = await cli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s'], {timeoutMs: 120_000})
      expect(r.code, r.stderr).toBe(3)
      expect(r.stderr).toMatch(new RegExp(`blocked: PodDisruptionBudget ${ns.name}/hold allows 0 disruption`))
      expect(r.stderr).toMatch(/^error: refusing to rebalance: PodDisruptionBudget .*\/hold .*nothing was evicted/m)
      expect((await podClusters(ns.name)).map((p) => p.pod).sort()).toEqual(before)
      expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 3})
      await expectNoCordonLeft()
    } finally {
      await hold.remove()
    }
  })

  it(
    'Ctrl-C half-way (a quota holds the replacement back): exit 130, no cordon left, the finish command ' +
      'printed; it completes',
    async () => {
      await allOnCluster2(ns.name)
      const lift = await holdReplacements(ns.name)
      let finish: string | undefined
      try {
        // Evicted, and its replacement refused by the quota: the move waits.
        const {child, done} = await startHeldMove(ns.name)
        child.kill('SIGINT')
        const r = await done
        expect(r.code, r.stderr).toBe(130)
        const m = /finish with: (liqo-topology rebalance .*)$/m.exec(r.stderr)
        expect(m, r.stderr).not.toBeNull()
        finish = m![1]!
        expect(r.stderr).toMatch(
          /^error: interrupted: moving pods of .*the cordon of cluster-2 is lifted on the way out/m,
        )
        expect(m![1]).toMatch(/ --yes( |$)/)
        // The cordon was lifted on the way out (on Liqo v1 the virtual kubelet takes it off the node).
        await untilNoCordonLeft()
        await expectNoCordonLeft()
      } finally {
        await lift()
      }
      await untilPlaced(ns.name, '3 ready pods again', 120_000, (pods) => pods.filter((p) => p.ready).length === 3)
      const again = await cli(finish!.split(' ').slice(1), {timeoutMs: 240_000})
      expect(again.code, again.stderr).toBe(0)
      expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 2, 'cluster-3': 1})
      await expectNoCordonLeft()
    },
  )

  it('peer enable cluster-3 --rebalance: enables, then spreads every offloaded namespace back', async () => {
    const off = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(off.code, off.stderr).toBe(0)
    expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 3})
    const r = await cli(
      ['peer', 'enable', 'cluster-3', '--yes', '--rebalance', '--stable-for', '1s', '--timeout', '3m'],
      {timeoutMs: 300_000},
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Outgoing peering to cluster-3 enabled/)
    expect(r.stderr).toMatch(/Rebalance of every namespace/)
    expect(r.stdout).toMatch(/Ready on cluster-3/)
    expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 2, 'cluster-3': 1})
    await expectNoCordonLeft()
  })

  it('killed half-way (SIGKILL): the cordon stays; the next run lifts it first, then completes', async () => {
    await allOnCluster2(ns.name)
    const lift = await holdReplacements(ns.name)
    try {
      const {child, done} = await startHeldMove(ns.name)
      child.kill('SIGKILL')
      await done
      // Nothing could lift it: cluster-2's virtual node still carries the cordon.
      expect(await nodeTaints()).toMatch(new RegExp(`^${virtualNodeName('cluster-2')} .*${TAINT}`, 'm'))
    } finally {
      await lift()
    }
    await untilPlaced(ns.name, '3 ready pods again', 120_000, (pods) => pods.filter((p) => p.ready).length === 3)
    const again = await cli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s'], {timeoutMs: 240_000})
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/lifted the cordon a killed rebalance left on cluster-2/)
    await untilNoCordonLeft()
    await expectNoCordonLeft()
    expect(await countsByKubectl(ns.name)).toEqual({'cluster-2': 2, 'cluster-3': 1})
  })

  it('a second run while one moves pods: waits for the lease, sees it renewed, changes nothing', async () => {
    await allOnCluster2(ns.name)
    const lift = await holdReplacements(ns.name)
    try {
      const first = await startHeldMove(ns.name)
      const pods = async () => (await kubectl(['get', 'pods', '-n', ns.name, '--no-headers', '-o', 'name'])).stdout
      const before = await pods()
      const second = await cli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s'], {timeoutMs: 120_000})
      expect(second.code, second.stderr).toBe(1)
      expect(second.stderr).toMatch(/another rebalance holds a cordon on cluster-2: waiting up to \d+s/)
      expect(second.stderr).toMatch(
        /^error: another rebalance is moving pods \(run \w+, cordon on cluster-2\): nothing was changed$/m,
      )
      // The second evicted nothing and took nothing over: the same pods, the first still moving,
      // still holding its cordon.
      expect(await pods()).toBe(before)
      expect(first.child.exitCode).toBeNull()
      expect(await nodeTaints()).toMatch(new RegExp(`^${virtualNodeName('cluster-2')} .*${TAINT}`, 'm'))
      first.child.kill('SIGINT')
      expect((await first.done).code).toBe(130)
      await untilNoCordonLeft()
    } finally {
      await lift()
    }
    await untilPlaced(ns.name, '3 ready pods again', 120_000, (pods) => pods.filter((p) => p.ready).length === 3)
    await expectNoCordonLeft()
  })
})
