/**
 * A disable that moves each pod once, on Liqo v1.2 with two virtual nodes for cluster-3 (a second
 * ResourceSlice made with liqoctl, as an operator would): Liqo drains its VirtualNodes one by one,
 * and without a cordon on the other one the replacements of the first node's pods landed there and
 * were evicted again. `peer disable` cordons both first: no replacement is scheduled on cluster-3.
 */
import {spawn} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Json} from '../../../src/k8s/client.js'
import {lookupLiqo} from '@liqo-topology/lab/binaries'
import {untilWatched} from '@liqo-topology/lab/tutorial'
import {
  admin,
  cli,
  clusterId,
  collect,
  kubectl,
  lab,
  offloadedNamespace,
  podClusters,
  skipNote,
  type OffloadedNamespace,
  type RunResult,
} from '../../helpers/lab.js'
import {restartLiqoControllerManager} from '../../helpers/faults.js'
import {restoreOffloading} from '../../helpers/mode.js'

const SLICE = 'it-second'

async function liqoctl(args: string[]): Promise<RunResult> {
  const bin = lookupLiqo().found!.bins.get('liqoctl')!
  const child = spawn(bin, [...args, '--kubeconfig', lab!.kubeconfig], {
    env: {...process.env, KUBECONFIG: lab!.kubeconfig, NO_COLOR: '1'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return collect(child, {timeoutMs: 300_000})
}

/** The names of cluster-3's virtual nodes among `nodes` that are Ready and schedulable. */
function readyNodesOfCluster3(nodes: Json[]): string[] {
  return nodes
    .filter(
      (n) =>
        n.metadata?.labels?.['liqo.io/remote-cluster-id'] === clusterId('cluster-3') &&
        !n.spec?.unschedulable &&
        (n.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True'),
    )
    .map((n) => n.metadata.name as string)
    .sort()
}

/**
 * Deletes the second ResourceSlice; its VirtualNode goes once Liqo drained its node. Liqo's deletion
 * routine may still be waiting to retry an earlier failed drain: after 60 s the controller manager
 * is restarted, as an operator would (see the v1 adapter's stalledDrainAdvice).
 */
async function removeSecondSlice(tenant: string): Promise<void> {
  await kubectl([
    'delete',
    'resourceslices.authentication.liqo.io',
    SLICE,
    '-n',
    tenant,
    '--ignore-not-found',
    '--wait=false',
  ])
  // Watched: one list and one watch of the tenant's VirtualNodes and of the nodes, each change checked as it arrives.
  const paths = [`/apis/offloading.liqo.io/v1beta1/namespaces/${tenant}/virtualnodes`, '/api/v1/nodes']
  const gone = async (what: string, timeoutMs: number) =>
    untilWatched(await admin(), paths, what, timeoutMs, (lists) =>
      lists.every((items) => items.every((o) => o.metadata?.name !== SLICE)),
    )
  try {
    await gone('the second VirtualNode and its node gone', 60_000)
  } catch {
    await restartLiqoControllerManager()
    await gone('the second VirtualNode and its node gone (controller manager restarted)', 240_000)
  }
}

/** Disables cluster-3, checks what moved, logs the time and the timeline; returns the result document. */
async function disableCluster3(label: string, namespace: string): Promise<Json> {
  const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '-o', 'json'], {timeoutMs: 300_000})
  expect(r.code, r.stderr).toBe(0)
  const doc = JSON.parse(r.stdout) as Json
  const timeline = doc.timeline as Array<{atMs: number; kind: string; text: string}>
  console.log(
    `[${label}] peer disable cluster-3 converged in ${doc.elapsedMs} ` +
      `ms\n${timeline.map((e) => `  +${(e.atMs / 1000).toFixed(1)}s ${e.kind} ${e.text}`).join('\n')}`,
  )
  expect(doc.converged).toBe(true)
  expect((await podClusters(namespace)).every((p) => p.cluster === 'cluster-2' && p.ready)).toBe(true)
  return doc
}

describe.skipIf(!lab)(`peer disable with two virtual nodes for cluster-3 (Liqo v1.2)${skipNote}`, () => {
  const tenant = `liqo-tenant-${clusterId('cluster-3')}`
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restoreOffloading()
    const made = await liqoctl([
      'create',
      'resourceslice',
      SLICE,
      '--remote-cluster-id',
      clusterId('cluster-3'),
      '--context',
      'cluster-1',
    ])
    expect(made.code, made.stderr + made.stdout).toBe(0)
    // Watched (one list and one watch of the nodes), each change checked as it arrives.
    await untilWatched(
      await admin(),
      ['/api/v1/nodes'],
      'the second virtual node of cluster-3 Ready',
      240_000,
      ([nodes]) => readyNodesOfCluster3(nodes!).length === 2,
    )
    // All 8 replicas on cluster-3's two nodes: cluster-2 cordoned while they are placed.
    expect((await cli(['peer', 'cordon', 'cluster-2', '--yes'])).code).toBe(0)
    ns = await offloadedNamespace('it-two-nodes', {replicas: 8})
    expect((await cli(['peer', 'uncordon', 'cluster-2', '--yes'])).code).toBe(0)
  }, 600_000)
  afterAll(async () => {
    await cli(['peer', 'uncordon', 'cluster-2', '--yes'])
    await removeSecondSlice(tenant)
    await restoreOffloading()
    await ns?.remove()
  }, 600_000)

  it(
    'cordons both virtual nodes before the switch: every pod moves once, none is scheduled on cluster-3, ' +
      'nothing of ours is left',
    async () => {
      const before = await podClusters(ns.name)
      expect(before.filter((p) => p.cluster === 'cluster-3')).toHaveLength(8)
      const doc = await disableCluster3('two virtual nodes', ns.name)
      const timeline = doc.timeline as Array<{atMs: number; kind: string; text: string}>
      expect(
        timeline.find((e) => e.kind === 'node' && e.text.includes('to keep replacements off them'))?.text,
      ).toContain(SLICE)
      expect(timeline.filter((e) => e.kind === 'replacement-scheduled' && e.text.endsWith(' on cluster-3'))).toEqual([])
      const moved = doc.moved as Json[]
      expect(moved.filter((m) => m.namespace === ns.name)).toHaveLength(8)
      // A replacement scheduled before the wait listed the nodes is recorded on <unknown>: never on cluster-3.
      expect(moved.filter((m) => m.replacement?.cluster === 'cluster-3')).toEqual([])
      // The scheduler's own record (Liqo reflects the providers' events too): no pod bound to a node of cluster-3
      // since.
      const events = await kubectl([
        'get',
        'events',
        '-n',
        ns.name,
        '--field-selector',
        'reason=Scheduled',
        '-o',
        'json',
      ])
      const bound = ((JSON.parse(events.stdout).items ?? []) as Json[]).map((e) => e.message as string)
      const replacements = new Set((doc.moved as Json[]).map((m) => m.replacement?.pod as string))
      expect(
        bound
          .filter((m) => [...replacements].some((p) => m.includes(`/${p} `)))
          .filter((m) => / to (cluster-3|it-second)$/.test(m)),
      ).toEqual([])
      // The VirtualNodes stay (createNode false): the disable's cordon was lifted from them.
      const vns = await kubectl(['get', 'virtualnodes', '-n', tenant, '-o', 'jsonpath={.items[*].spec.taints[*].key}'])
      expect(vns.stdout).not.toContain('liqo-topology/')
      const enabled = await cli(['peer', 'enable', 'cluster-3', '--yes'])
      expect(enabled.code, enabled.stderr).toBe(0)
    },
  )
})
