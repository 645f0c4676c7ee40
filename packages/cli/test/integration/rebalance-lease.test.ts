/**
 * A rebalance whose cordon's lease cannot be renewed, through a fault proxy on loopback in front of
 * the lab's real API server (test/helpers/fault-proxy.ts) that refuses the renewals' writes to the
 * cordoned virtual node: each failed renewal is a warning naming the cluster, and before the lease
 * runs out the run stops its moves, lifts its cordon and exits 1 with the command that finishes
 * them, which does. What the unit tests cannot show: a real move stopped while it waits.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {apiPort, kubeconfigVia} from '../helpers/faults.js'
import {faultProxy, type FaultProxy} from '../helpers/fault-proxy.js'
import {
  admin,
  cli,
  collect,
  lab,
  offloadedNamespace,
  podClusters,
  skipNote,
  startCli,
  until,
  untilPlaced,
  type OffloadedNamespace,
} from '../helpers/lab.js'
import {allOnCluster2, holdReplacements, nodeTaints} from '../helpers/rebalance.js'
import {modeNote, restoreOffloading, virtualNodeName} from '../helpers/mode.js'

const TAINT = 'liqo-topology/rebalance'
const refusal = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code: 503,
  reason: 'ServiceUnavailable',
  message: 'the proxy refuses this write',
})

describe.skipIf(!lab)(`rebalance: a lease that cannot be renewed${modeNote}${skipNote}`, () => {
  let ns: OffloadedNamespace
  let proxy: FaultProxy
  beforeAll(async () => {
    await restoreOffloading()
    ns = await offloadedNamespace('it-lease')
    proxy = await faultProxy(apiPort())
  }, 300_000)
  afterAll(async () => {
    await proxy?.close()
    await (await admin()).delete(`/api/v1/namespaces/${ns.name}/resourcequotas/two`).catch(() => {})
    await ns?.remove()
  }, 300_000)

  it('warns at each failed renewal, stops the move before the lease runs out, exit 1; the rerun finishes', async () => {
    await allOnCluster2(ns.name)
    // The quota holds the replacement back: the move waits, long enough for the lease to run out.
    const lift = await holdReplacements(ns.name)
    const node = `/api/v1/nodes/${virtualNodeName('cluster-2')}`
    let r
    try {
      const child = startCli(['rebalance', '-n', ns.name, '--yes', '--stable-for', '1s'], {
        kubeconfig: kubeconfigVia(proxy.port),
      })
      const done = collect(child, {timeoutMs: 120_000})
      let err = ''
      child.stderr!.on('data', (d: string) => (err += d))
      await until('the move waiting for the replacement', 60_000, async () => /2\/3 pods Ready after evict/.test(err))
      // From now on the renewals' writes to cluster-2's virtual node are refused; the lift after them goes through.
      proxy.seen = []
      let refused = 0
      proxy.answer = (q) => {
        if (q.method !== 'PATCH' || q.path !== node || refused >= 3) return undefined
        refused++
        return {status: 503, headers: {'Content-Type': 'application/json'}, body: refusal}
      }
      r = await done
    } finally {
      delete proxy.answer
      await lift()
    }
    expect(r.code, r.stderr).toBe(1)
    const warnings = r.stderr.match(/^Warning: could not renew the lease of this rebalance's cordon on cluster-2 .*/gm)
    expect(warnings?.length, r.stderr).toBe(3)
    expect(warnings![0]).toMatch(/\(Error from server \(ServiceUnavailable\): the proxy refuses this write\)/)
    expect(warnings![0]).toMatch(/another rebalance may take the cordon over, and this one stops moving pods$/)
    const error = /^error: could not renew the lease of this rebalance's cordon on cluster-2 before it ran out (.*)$/m
    expect(error.exec(r.stderr)?.[1], r.stderr).toMatch(/this one stopped moving pods of .* and lifted its cordon$/)
    const finish = /then run the rebalance again to finish the moves: (liqo-topology rebalance .*)$/m.exec(r.stderr)
    expect(finish, r.stderr).not.toBeNull()
    // After the third refusal, the next write to the node is the lift, and no eviction was asked for meanwhile.
    const writes = proxy.seen.filter((s) => s.method === 'PATCH' && s.path === node).map((s) => s.status)
    expect(writes).toEqual([503, 503, 503, 200])
    expect(proxy.seen.filter((s) => s.method === 'POST' && s.path.endsWith('/eviction'))).toEqual([])
    await until('no cordon left on any node', 60_000, async () => !(await nodeTaints()).includes(TAINT))

    await untilPlaced(ns.name, '3 ready pods again', 120_000, (pods) => pods.filter((p) => p.ready).length === 3)
    const again = await cli(finish![1]!.split(' ').slice(1), {timeoutMs: 240_000})
    expect(again.code, again.stderr).toBe(0)
    const spread = (await podClusters(ns.name)).filter((p) => p.ready).map((p) => p.cluster)
    expect(spread.sort()).toEqual(['cluster-2', 'cluster-2', 'cluster-3'])
  })
})
