/**
 * `peer cordon|uncordon` against the lab, one body for both Liqo generations: no new pod lands on
 * a cordoned cluster, the pods running there stay after Liqo's own controllers reconciled, uncordon
 * lets new pods land there again, and a disable after a cordon drains the cluster as it does
 * without one. Checked with kubectl and the API, not with the command under test.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Json} from '../../../src/k8s/client.js'
import {TUTORIAL_DEPLOYMENT, untilWatched} from '@liqo-topology/lab/tutorial'
import {
  admin,
  cli,
  clusterId,
  kubectl,
  lab,
  offloadedNamespace,
  podClusters,
  podOn,
  skipNote,
  untilPlaced,
  type OffloadedNamespace,
} from '../../helpers/lab.js'
import {isV1, modeNote, restoreOffloading, virtualNodeName} from '../../helpers/mode.js'

const TAINT = 'liqo-topology/cordon'

/** The taint keys of cluster-3's virtual node, read with kubectl ('' when it has no node). */
async function nodeTaints(cluster: string): Promise<string[]> {
  const r = await kubectl([
    'get',
    'node',
    virtualNodeName(cluster),
    '-o',
    'jsonpath={.spec.taints[*].key}',
    '--ignore-not-found',
  ])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout.trim().split(/\s+/).filter(Boolean)
}

async function scale(ns: string, replicas: number): Promise<void> {
  const r = await kubectl(['scale', 'deployment', TUTORIAL_DEPLOYMENT, '-n', ns, `--replicas=${replicas}`])
  expect(r.code, r.stderr).toBe(0)
  await untilPlaced(
    ns,
    `${replicas} pods ready in ${ns}`,
    120_000,
    (pods) => pods.length === replicas && pods.every((p) => p.ready),
  )
}

async function peerRow(name: string): Promise<Json> {
  const r = await cli(['peer', 'list', '-o', 'json'])
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout).items as Json[]).find((p) => p.name === name)!
}

/**
 * Makes Liqo's own controllers reconcile cluster-3 and waits until they evidently did. Liqo v1: a
 * node label added to the VirtualNode's spec, which the virtual kubelet applies to its Node in the
 * same pass that applies spec.taints (liqoNodeProvider.updateFromVirtualNode), and the
 * ForeignCluster touched for the controller manager. Liqo v0.3 (emulator): the ForeignCluster
 * touched, which its controller reconciles (the one that would re-create or uncordon the node).
 */
async function letLiqoReconcile(mark: string): Promise<void> {
  const c = await admin()
  const id = clusterId('cluster-3')
  if (isV1) {
    const vn = `/apis/offloading.liqo.io/v1beta1/namespaces/liqo-tenant-${id}/virtualnodes/${id}`
    await c.patch(vn, {spec: {labels: {'it.liqo-topology/resync': mark}}}, 'merge')
    await c.patch(
      `/apis/core.liqo.io/v1beta1/foreignclusters/${id}`,
      {metadata: {annotations: {'it.liqo-topology/resync': mark}}},
      'merge',
    )
    // Watched (one list and one watch of the nodes), each change checked as it arrives.
    const node = virtualNodeName('cluster-3')
    await untilWatched(c, ['/api/v1/nodes'], 'the virtual kubelet to apply the VirtualNode', 60_000, ([nodes]) =>
      nodes!.some((n) => n.metadata?.name === node && n.metadata?.labels?.['it.liqo-topology/resync'] === mark),
    )
  } else {
    await c.patch(
      `/apis/discovery.liqo.io/v1alpha1/foreignclusters/cluster-3`,
      {metadata: {annotations: {'it.liqo-topology/resync': mark}}},
      'merge',
    )
  }
}

async function forgetResync(): Promise<void> {
  const c = await admin()
  const id = clusterId('cluster-3')
  if (isV1)
    await c.patch(
      `/apis/offloading.liqo.io/v1beta1/namespaces/liqo-tenant-${id}/virtualnodes/${id}`,
      {spec: {labels: {'it.liqo-topology/resync': null}}},
      'merge',
    )
  const fc = isV1
    ? `/apis/core.liqo.io/v1beta1/foreignclusters/${id}`
    : '/apis/discovery.liqo.io/v1alpha1/foreignclusters/cluster-3'
  await c.patch(fc, {metadata: {annotations: {'it.liqo-topology/resync': null}}}, 'merge')
}

describe.skipIf(!lab)(`peer cordon and uncordon${modeNote}${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restoreOffloading()
    ns = await offloadedNamespace('it-cordon', {replicas: 2})
    await podOn(ns.name, 'cluster-3')
  }, 300_000)
  afterAll(async () => {
    await cli(['peer', 'uncordon', 'cluster-3', '--yes'])
    await forgetResync()
    await restoreOffloading()
    await ns?.remove()
  }, 300_000)

  it(
    'asks first: without a terminal it refuses unless --yes; --dry-run shows the plan and changes ' + 'nothing',
    async () => {
      const refused = await cli(['peer', 'cordon', 'cluster-3'])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('refusing to cordon cluster-3 without confirmation')
      expect(refused.stderr).toMatch(/Cordon cluster-3 .* on context "cluster-1":/)
      const dry = await cli(['peer', 'cordon', 'cluster-3', '--dry-run', '-o', 'json'])
      expect(dry.code, dry.stderr).toBe(0)
      const plan = JSON.parse(dry.stdout) as Json
      expect(plan).toMatchObject({
        kind: 'PeerCordonPlan',
        action: 'cordon',
        context: 'cluster-1',
        taint: `${TAINT}=true:NoSchedule`,
        alreadyDone: false,
      })
      expect(plan.writes).toEqual([
        isV1
          ? `VirtualNode liqo-tenant-${clusterId('cluster-3')}/${clusterId('cluster-3')}`
          : `node/${virtualNodeName('cluster-3')}`,
      ])
      expect(await nodeTaints('cluster-3')).not.toContain(TAINT)
      expect((await peerRow('cluster-3')).cordonedBy).toEqual([])
    },
  )

  it(
    'keeps new pods off cluster-3 while its pods stay Running, also after Liqo reconciled; uncordon lets new ' +
      'ones land there',
    async () => {
      const before = await podClusters(ns.name)
      const onThree = before.filter((p) => p.cluster === 'cluster-3').map((p) => p.pod)
      expect(onThree.length).toBeGreaterThan(0)

      const r = await cli(['peer', 'cordon', 'cluster-3', '--yes'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe('cluster-3 cordoned on context "cluster-1"\n')
      // Written where Liqo keeps it, and on the node, which is what the scheduler reads.
      expect(await nodeTaints('cluster-3')).toContain(TAINT)
      if (isV1) {
        const id = clusterId('cluster-3')
        const vn = await kubectl([
          'get',
          'virtualnode',
          id,
          '-n',
          `liqo-tenant-${id}`,
          '-o',
          'jsonpath={.spec.taints[*].key}',
        ])
        expect(vn.stdout).toContain(TAINT)
      }
      const again = await cli(['peer', 'cordon', 'cluster-3', '--yes'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toContain('cluster-3 already cordoned; nothing to change')
      expect((await peerRow('cluster-3')).cordonedBy).toEqual(['cordon'])
      const table = await cli(['peer', 'list'])
      expect(table.stdout).toMatch(/^cluster-3 .* cordoned /m)
      const status = await cli(['status', '-n', ns.name, '-o', 'json'])
      expect((JSON.parse(status.stdout).peers as Json[]).find((p) => p.name === 'cluster-3')!.cordonedBy).toEqual([
        'cordon',
      ])

      await scale(ns.name, 6)
      const grown = await podClusters(ns.name)
      expect(grown.filter((p) => !before.some((b) => b.pod === p.pod)).map((p) => p.cluster)).toEqual(
        Array(4).fill('cluster-2'),
      )

      // Liqo's controllers run over cluster-3 again: the cordon and the pods are still there.
      await letLiqoReconcile('1')
      await scale(ns.name, 8)
      const after = await podClusters(ns.name)
      expect(after.filter((p) => p.cluster === 'cluster-3').map((p) => p.pod)).toEqual(onThree)
      expect(after.filter((p) => onThree.includes(p.pod)).every((p) => p.ready && p.phase === 'Running')).toBe(true)
      expect(after.filter((p) => p.cluster !== 'cluster-2' && !onThree.includes(p.pod))).toEqual([])
      expect(await nodeTaints('cluster-3')).toContain(TAINT)

      const un = await cli(['peer', 'uncordon', 'cluster-3', '--yes'])
      expect(un.code, un.stderr).toBe(0)
      expect(un.stdout).toBe('cluster-3 uncordoned on context "cluster-1"\n')
      expect(await nodeTaints('cluster-3')).not.toContain(TAINT)
      expect((await peerRow('cluster-3')).cordonedBy).toEqual([])
      // New pods may land on cluster-3 again: scaling down and up until one does (the scheduler spreads them).
      await scale(ns.name, 2)
      await podOn(ns.name, 'cluster-3')
      await scale(ns.name, 2)
    },
  )

  it(
    'a disable after a cordon drains cluster-3 as usual; Liqo v1 keeps the cordon for the node it ' + 're-creates',
    async () => {
      expect((await cli(['peer', 'cordon', 'cluster-3', '--yes'])).code).toBe(0)
      const off = await cli(['peer', 'disable', 'cluster-3', '--yes', '-o', 'json'])
      expect(off.code, off.stderr).toBe(0)
      expect(JSON.parse(off.stdout)).toMatchObject({converged: true})
      expect((await podClusters(ns.name)).every((p) => p.cluster === 'cluster-2' && p.ready)).toBe(true)
      const on = await cli(['peer', 'enable', 'cluster-3', '--yes'])
      expect(on.code, on.stderr).toBe(0)
      // Liqo v1 makes the new node from the VirtualNode, taints included; Liqo v0.3's new node has none.
      expect((await peerRow('cluster-3')).cordonedBy).toEqual(isV1 ? ['cordon'] : [])
      expect((await nodeTaints('cluster-3')).includes(TAINT)).toBe(isV1)
      const un = await cli(['peer', 'uncordon', 'cluster-3', '--yes'])
      expect(un.code, un.stderr).toBe(0)
      expect(un.stdout).toMatch(isV1 ? /^cluster-3 uncordoned/ : /^cluster-3 already uncordoned/)
    },
  )
})
