/**
 * What `rebalance` needs of a cordon (./adapter.ts `cordons`): keep new pods off a cluster's virtual
 * nodes while pods move away from it, let them back, and tell the cordons of other runs apart. Each
 * run holds its own taint (../model/cordon.ts rebalanceTaint), with a lease on the API server's
 * clock that it renews while it holds it: one run lifts its own cordon and no other's, and a run
 * killed before it could lift its cordon leaves a lease that runs out, which a later run lifts.
 * Where the taint is written is the generation's business (v0: the Node; v1: the VirtualNode's
 * spec.taints).
 */
import {randomBytes} from 'node:crypto'

import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import {
  cordonByKey,
  leaseExpired,
  rebalanceTaint,
  REBALANCE_LEASE_GUARD_MS,
  REBALANCE_LEASE_S,
  REBALANCE_RENEW_MS,
  type RebalanceLease,
} from '../model/cordon.js'
import type {ForeignCluster, Node} from '../model/types.js'
import {sleep} from '../toolkit/clock.js'
import type {LiqoAdapter} from './adapter.js'

/** Another run's cordon on a peering, as read. */
export interface HeldCordon {
  fc: ForeignCluster
  lease: RebalanceLease
}

/** What keep() tells its caller about the lease while it renews it. */
export interface LeaseWatch {
  /** A renewal on `fc` failed; the lease written last runs until `untilS` (seconds, the API server's clock). */
  failed(fc: ForeignCluster, error: unknown, untilS: number): void
  /**
   * No renewal on `fc` got through and its lease runs out at `untilS`, in less than REBALANCE_LEASE_GUARD_MS: from then
   * on another run may take the cordon over. Called once per cluster.
   */
  lost(fc: ForeignCluster, untilS: number): void
}

export interface ClusterCordon {
  /** This run's taint key. */
  readonly key: string
  /** Puts up (`on`, with a fresh lease) or lifts this run's cordon on every virtual node of `fc`. */
  set(client: KubeClient, fc: ForeignCluster, nodes: Node[], on: boolean): Promise<{changed: boolean}>
  /**
   * Renews this run's lease on `fcs` (read at each turn: the caller may add to it) until the returned stop is called
   * (it resolves once no renewal is under way, so that a lift after it stays lifted). A failed renewal is told to
   * `watch` and tried again at the next turn; a lease about to run out without one is told too (`watch.lost`).
   */
  keep(client: KubeClient, fcs: ForeignCluster[], nodes: Node[], watch?: LeaseWatch): () => Promise<void>
  /** The other runs' cordons: `dead` those whose lease ran out at `nowMs` (API server's clock), `live` the others. */
  others(fcs: ForeignCluster[], nodes: Node[], nowMs: number): {dead: HeldCordon[]; live: HeldCordon[]}
  /** Lifts another run's cordon. */
  lift(client: KubeClient, held: HeldCordon, nodes: Node[]): Promise<{changed: boolean}>
  /** The permissions set() needs, for the preflight. */
  access(fc: ForeignCluster, nodes: Node[]): AccessCheck[]
}

export function rebalanceCordon(liqo: LiqoAdapter, run: string = randomBytes(4).toString('hex')): ClusterCordon {
  const key = rebalanceTaint(run, 0).key
  /** The end of the lease last written on each cluster (by its ID), for the watch of keep(). */
  const written = new Map<string, number>()
  let onWritten: ((fc: ForeignCluster) => void) | undefined
  const set = async (client: KubeClient, fc: ForeignCluster, nodes: Node[], on: boolean) => {
    const untilS = Math.ceil(client.serverNow() / 1000) + REBALANCE_LEASE_S
    const r = await liqo.cordons.set(client, fc, nodes, on ? rebalanceTaint(run, untilS) : cordonByKey(key), on)
    if (!on) written.delete(fc.clusterId)
    else {
      written.set(fc.clusterId, untilS)
      onWritten?.(fc)
    }
    return r
  }
  return {
    key,
    set,
    keep: (client, fcs, nodes, watch) => {
      const stop = new AbortController()
      // One timer per cluster, set again by each write: it fires only when no renewal got through in time.
      const timers = new Map<string, ReturnType<typeof setTimeout>>()
      onWritten = (fc) => {
        clearTimeout(timers.get(fc.clusterId))
        const untilS = written.get(fc.clusterId)!
        const ms = untilS * 1000 - client.serverNow() - REBALANCE_LEASE_GUARD_MS
        const expiring = () => {
          if (!stop.signal.aborted) watch?.lost(fc, untilS)
        }
        timers.set(fc.clusterId, setTimeout(expiring, Math.max(0, ms)))
      }
      const renew = (fc: ForeignCluster) =>
        set(client, fc, nodes, true).catch((e: unknown) => {
          if (!stop.signal.aborted) watch?.failed(fc, e, written.get(fc.clusterId) ?? 0)
        })
      const loop = (async () => {
        while (!stop.signal.aborted) {
          await sleep(REBALANCE_RENEW_MS, stop.signal)
          if (stop.signal.aborted) break
          // Stopped between two clusters: no renewal more, so that the lift that follows comes sooner.
          for (const fc of fcs) if (!stop.signal.aborted) await renew(fc)
        }
      })()
      return async () => {
        stop.abort()
        onWritten = undefined
        for (const t of timers.values()) clearTimeout(t)
        await loop
      }
    },
    others: (fcs, nodes, nowMs) => {
      const held = fcs.flatMap((fc) =>
        liqo.cordons
          .leases(fc, nodes)
          .filter((l) => l.key !== key)
          .map((lease) => ({fc, lease})),
      )
      const dead = held.filter((h) => leaseExpired(h.lease, Math.floor(nowMs / 1000)))
      return {dead, live: held.filter((h) => !dead.includes(h))}
    },
    lift: (client, held, nodes) => liqo.cordons.set(client, held.fc, nodes, cordonByKey(held.lease.key), false),
    access: (fc, nodes) => liqo.cordons.access(fc, nodes),
  }
}
