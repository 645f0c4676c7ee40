import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import type {KubeClient} from '../../src/k8s/client.js'
import type {LiqoAdapter} from '../../src/liqo/adapter.js'
import {rebalanceCordon, type ClusterCordon, type LeaseWatch} from '../../src/liqo/steer.js'
import {REBALANCE_LEASE_GUARD_MS, REBALANCE_LEASE_S, REBALANCE_RENEW_MS} from '../../src/model/cordon.js'
import type {ForeignCluster} from '../../src/model/types.js'
import {guardLease, renewalFailed, type RebalanceRun, type RebalanceView} from '../../src/services/rebalance.js'
import {ExitCode, LeaseLostError} from '../../src/toolkit/errors.js'
import {aForeignCluster} from './fixtures.js'

const T0 = 1_800_000_000_000
const client = {serverNow: () => Date.now()} as unknown as KubeClient
const cluster2 = aForeignCluster({name: 'cluster-2', clusterId: 'id-2'})

/** A Liqo whose cordon writes go through until `failing` is set, then fail as an unreachable server does. */
function liqoWithWrites() {
  const state = {failing: false, writes: 0}
  const set = async () => {
    if (state.failing) throw new Error('Unable to connect to the server: connection refused')
    state.writes++
    return {changed: true}
  }
  return {state, liqo: {cordons: {set}} as unknown as LiqoAdapter}
}

function recorder() {
  const seen = {failed: [] as Array<[string, string, number]>, lost: [] as Array<[string, number, number]>}
  const watch: LeaseWatch = {
    failed: (fc, e, untilS) => seen.failed.push([fc.name, (e as Error).message, untilS]),
    lost: (fc, untilS) => seen.lost.push([fc.name, untilS, Date.now()]),
  }
  return {seen, watch}
}

describe("a rebalance's lease while its renewals fail", () => {
  beforeEach(() => {
    vi.useFakeTimers({now: T0})
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('tells each failed renewal with the lease still running, then that it is lost before it runs out', async () => {
    const {state, liqo} = liqoWithWrites()
    const {seen, watch} = recorder()
    const cordon = rebalanceCordon(liqo, 'cccc3333')
    const fcs: ForeignCluster[] = []
    const stop = cordon.keep(client, fcs, [], watch)
    fcs.push(cluster2)
    await cordon.set(client, cluster2, [], true)
    const untilS = T0 / 1000 + REBALANCE_LEASE_S
    state.failing = true
    await vi.advanceTimersByTimeAsync(REBALANCE_RENEW_MS)
    expect(seen.failed).toEqual([['cluster-2', 'Unable to connect to the server: connection refused', untilS]])
    expect(seen.lost).toEqual([])
    await vi.advanceTimersByTimeAsync(REBALANCE_LEASE_S * 1000 - REBALANCE_LEASE_GUARD_MS - REBALANCE_RENEW_MS)
    expect(seen.failed.length).toBe(3)
    expect(seen.lost).toEqual([['cluster-2', untilS, untilS * 1000 - REBALANCE_LEASE_GUARD_MS]])
    await stop()
  })

  it('a renewal that gets through in time keeps the lease: nothing is lost', async () => {
    const {state, liqo} = liqoWithWrites()
    const {seen, watch} = recorder()
    const cordon = rebalanceCordon(liqo, 'cccc3333')
    const stop = cordon.keep(client, [cluster2], [], watch)
    await cordon.set(client, cluster2, [], true)
    state.failing = true
    await vi.advanceTimersByTimeAsync(2 * REBALANCE_RENEW_MS)
    state.failing = false
    await vi.advanceTimersByTimeAsync(3 * REBALANCE_LEASE_S * 1000)
    expect(seen.failed.length).toBe(2)
    expect(seen.lost).toEqual([])
    expect(state.writes).toBeGreaterThan(5)
    await stop()
    const writes = state.writes
    await vi.advanceTimersByTimeAsync(3 * REBALANCE_RENEW_MS)
    expect(state.writes).toBe(writes)
  })
})

describe('the moves of a controller under a lease that fails', () => {
  /** A cordon whose keep() hands its watch to the test, to play the renewals' outcome. */
  function heldCordon(): {cordon: ClusterCordon; watch: () => LeaseWatch; stopped: () => boolean} {
    let watch: LeaseWatch | undefined
    let stopped = false
    const cordon = {
      key: 'liqo-topology/rebalance-cccc3333',
      keep: (_c: KubeClient, _f: ForeignCluster[], _n: unknown, w?: LeaseWatch) => {
        watch = w
        return async () => void (stopped = true)
      },
    } as unknown as ClusterCordon
    return {cordon, watch: () => watch!, stopped: () => stopped}
  }
  const plan = {
    namespace: 'liqo-test',
    owner: {kind: 'ReplicaSet', name: 'nginx-7d9c', uid: 'u1'},
    cordon: [{name: 'cluster-2', id: 'id-2'}],
    moves: [
      {namespace: 'liqo-test', pod: 'nginx-7d9c-a'},
      {namespace: 'liqo-test', pod: 'nginx-7d9c-b'},
    ],
  } as unknown as Parameters<typeof guardLease>[1]

  it('warns on stderr naming the cluster and what it means; a lost lease stops the moves with exit 1', async () => {
    const {cordon, watch, stopped} = heldCordon()
    const warnings: string[] = []
    const run: RebalanceRun = {
      moved: [{namespace: 'liqo-test', pod: 'nginx-7d9c-a', from: 'cluster-2'}],
      refused: [],
      timeline: [],
      elapsedMs: 0,
    }
    const outer = new AbortController()
    const lease = guardLease(client, plan, [cluster2], {
      cordon,
      signal: outer.signal,
      onWarning: (m) => warnings.push(m),
      view: {nodes: []} as unknown as RebalanceView,
      run,
    })
    const nowS = Math.floor(Date.now() / 1000)
    watch().failed(cluster2, new Error('Error from server (Forbidden): nodes "liqo-2" is forbidden'), nowS + 15)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^could not renew the lease of this rebalance's cordon on cluster-2 \(Error from server/,
    )
    expect(warnings[0]).toMatch(/it runs out in 1[45]s: unless a renewal gets through before then, another rebalance/)
    expect(lease.signal.aborted).toBe(false)
    expect(lease.lostError()).toBeUndefined()

    watch().lost(cluster2, nowS + 2)
    expect(lease.signal.aborted).toBe(true)
    const e = lease.lostError()!
    expect(e).toBeInstanceOf(LeaseLostError)
    expect(e.exitCode).toBe(ExitCode.error)
    expect(e.message).toBe(
      "could not renew the lease of this rebalance's cordon on cluster-2 before it ran out (last error: Error " +
        'from server (Forbidden): nodes "liqo-2" is forbidden): another rebalance may take the cordon over from ' +
        'now on, so this one stopped moving pods of liqo-test/nginx-7d9c (1 of 2 moved) and lifted its cordon',
    )
    expect(e.hint).toMatch(/; then run the rebalance again to finish the moves$/)
    expect(outer.signal.aborted).toBe(false)
    await lease.stop()
    expect(stopped()).toBe(true)
  })

  it('a signal from outside (Ctrl-C) stops the moves too, with no lease lost', () => {
    const {cordon} = heldCordon()
    const outer = new AbortController()
    const run = {moved: [], refused: [], timeline: [], elapsedMs: 0}
    const lease = guardLease(client, plan, [], {cordon, signal: outer.signal, view: {nodes: []} as never, run})
    outer.abort()
    expect(lease.signal.aborted).toBe(true)
    expect(lease.lostError()).toBeUndefined()
  })

  it('says how long the lease still runs, never less than 0s', () => {
    expect(renewalFailed('cluster-3', 'timeout', 100, 90_500)).toMatch(/on cluster-3 \(timeout\); it runs out in 9s:/)
    expect(renewalFailed('cluster-3', 'timeout', 100, 120_000)).toMatch(/it runs out in 0s:/)
  })
})
