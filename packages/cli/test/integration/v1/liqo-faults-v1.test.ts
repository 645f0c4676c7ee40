/**
 * Liqo v1's own components failing, on the real-Liqo lab: the home liqo-controller-manager stopped
 * right after the switch (nothing drains: the wait says so, names the VirtualNode and ends at its
 * timeout with exit 3), and Liqo's webhook down during `peer enable` (the API server refuses the
 * change: one clear error, nothing changed). Each time, a rerun once the component is back finishes.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Json} from '../../../src/k8s/client.js'
import {untilWatched} from '@liqo-topology/lab/tutorial'
import {admin, cli, lab, podClusters, podOn, skipNote} from '../../helpers/lab.js'

const VN = '/apis/offloading.liqo.io/v1beta1/namespaces/liqo-tenant-cluster-3/virtualnodes/cluster-3'

async function createNode(): Promise<boolean> {
  return ((await (await admin()).get<Json>(VN)).spec?.createNode ?? true) !== false
}

async function component(action: 'stop' | 'start', name: string): Promise<void> {
  const r = await cli(['lab', action, '--dir', lab!.dir, name], {timeoutMs: 120_000})
  expect(r.code, r.stderr).toBe(0)
}

/** Both peerings on, with their virtual nodes Ready (the tutorial's state), and a pod on cluster-3. */
async function tutorialWithPodOnCluster3(): Promise<void> {
  for (const c of ['cluster-2', 'cluster-3']) {
    const r = await cli(['peer', 'enable', c, '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(r.code, r.stderr).toBe(0)
  }
  const up = await cli(['lab', 'up', '--dir', lab!.dir, '--liqo', 'v1.2', '--tutorial'], {timeoutMs: 240_000})
  expect(up.code, up.stderr).toBe(0)
  await podOn('liqo-test', 'cluster-3')
}

describe.skipIf(!lab)(`Liqo v1's own components failing${skipNote}`, () => {
  beforeAll(async () => tutorialWithPodOnCluster3(), 600_000)
  afterAll(async () => {
    for (const c of ['cluster-1/liqo-controller-manager', 'cluster-1/liqo-webhook'])
      await cli(['lab', 'start', '--dir', lab!.dir, c], {timeoutMs: 120_000})
    for (const c of ['cluster-2', 'cluster-3'])
      await cli(['peer', 'enable', c, '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
  }, 600_000)

  it(
    'the home liqo-controller-manager stopped after the patch: the wait says Liqo is not acting, names the ' +
      'VirtualNode, exits 3 at --timeout; a rerun finishes',
    async () => {
      await component('stop', 'cluster-1/liqo-controller-manager')
      const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '25s'], {timeoutMs: 90_000})
      expect(r.code, r.stderr).toBe(3)
      expect(r.stderr).toMatch(
        // eslint-disable-next-line max-len -- a regex literal cannot be split
        /VirtualNode liqo-tenant-cluster-3\/cluster-3: Liqo has not acted on it for \d+s .*is Liqo's controller manager running\? If it is: .*kubectl -n liqo rollout restart deployment liqo-controller-manager/,
      )
      expect(r.stderr).toMatch(/^hint: the change was applied: peering to cluster-3 is disabled/m)
      expect(await createNode()).toBe(false)
      // Nothing moved meanwhile: the pod is still on cluster-3.
      expect((await podClusters('liqo-test')).some((p) => p.cluster === 'cluster-3')).toBe(true)

      await component('start', 'cluster-1/liqo-controller-manager')
      const again = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '2m'], {timeoutMs: 180_000})
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toMatch(/already disabled/)
      const placed = await podClusters('liqo-test')
      expect(placed.filter((p) => p.ready).map((p) => p.cluster)).toEqual(['cluster-2', 'cluster-2', 'cluster-2'])
    },
  )

  it(
    "Liqo's webhook down during peer enable: the API server refuses the change (exit 1, one clear error), " +
      'nothing changed; a rerun finishes',
    async () => {
      expect(await createNode()).toBe(false)
      await component('stop', 'cluster-1/liqo-webhook')
      const r = await cli(['peer', 'enable', 'cluster-3', '--yes'], {timeoutMs: 90_000})
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toMatch(/^Error from server \(InternalError\): .*failed calling webhook "[^"]+"/m)
      expect(r.stderr).toMatch(/^hint: the admission webhook \S+ did not answer, so nothing was changed/m)
      expect(await createNode()).toBe(false)

      await component('start', 'cluster-1/liqo-webhook')
      // The API server reaches the webhook at its Service's endpoints (--enable-aggregator-routing),
      // which list the new pod once it is Ready: watched for, then one rerun, instead of rerunning
      // the command until it passes.
      await untilWatched(
        await admin(),
        ['/api/v1/namespaces/liqo/endpoints'],
        'the webhook back in its endpoints',
        120_000,
        ([eps]) =>
          ((eps!.find((e) => e.metadata?.name === 'liqo-webhook')?.subsets ?? []) as Json[]).some(
            (s) => (s.addresses ?? []).length > 0,
          ),
      )
      const again = await cli(['peer', 'enable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
      expect(again.code, again.stderr).toBe(0)
      expect(await createNode()).toBe(true)
      const node = await (await admin()).getOrNull<Json>('/api/v1/nodes/cluster-3')
      expect((node?.status?.conditions as Json[]).some((c) => c.type === 'Ready' && c.status === 'True')).toBe(true)
    },
  )
})
