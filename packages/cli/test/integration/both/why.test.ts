/**
 * `pods why` against the lab: a pod kept off a cluster by the NamespaceOffloading's clusterSelector,
 * and pods left Pending once offloading to every remote cluster is disabled, checked against the
 * scheduler's own FailedScheduling events (read with kubectl). One test body for both lab modes.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Json} from '../../../src/k8s/client.js'
import {untilWatched} from '@liqo-topology/lab/tutorial'
import {
  admin,
  cli,
  clusterId,
  kubectl,
  lab,
  offloadedNamespace,
  podClusters,
  skipNote,
  type OffloadedNamespace,
} from '../../helpers/lab.js'
import {modeNote, onlyCluster, restoreOffloading} from '../../helpers/mode.js'

interface ClusterDoc {
  name: string
  here: boolean
  fits: boolean
  cause: string | null
  reason: string | null
}
interface ItemDoc {
  name: string
  cluster: {name: string}
  clusters: ClusterDoc[]
  scheduler: {event: {message: string}; agreement: string; detail: string} | null
}

async function why(args: string[]): Promise<ItemDoc[]> {
  const r = await cli(['pods', 'why', ...args, '-o', 'json'])
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout) as {items: ItemDoc[]}).items
}

const byName = (item: ItemDoc) => Object.fromEntries(item.clusters.map((c) => [c.name, c]))

describe.skipIf(!lab)(`pods why${modeNote}${skipNote}`, () => {
  beforeAll(async () => {
    await restoreOffloading()
  }, 300_000)
  afterAll(async () => {
    await restoreOffloading()
  }, 300_000)

  describe('a pod kept off a cluster by the clusterSelector', () => {
    let ns: OffloadedNamespace
    beforeAll(async () => {
      const spec = {
        namespaceMappingStrategy: 'EnforceSameName',
        podOffloadingStrategy: 'Remote',
        clusterSelector: onlyCluster('cluster-2'),
      }
      ns = await offloadedNamespace('it-why', {replicas: 1, spec})
    }, 300_000)
    afterAll(async () => {
      await ns?.remove()
    }, 300_000)

    it('names the cluster it runs on, the clusterSelector for the other one, the strategy for local', async () => {
      const [pod] = await podClusters(ns.name)
      expect(pod?.cluster).toBe('cluster-2')
      const [item] = await why([pod!.pod, '-n', ns.name])
      expect(item!.cluster.name).toBe('cluster-2')
      const clusters = byName(item!)
      expect(clusters['cluster-2']).toMatchObject({here: true, fits: true})
      expect(clusters['cluster-3']).toMatchObject({here: false, fits: false, cause: 'cluster-selector'})
      expect(clusters['cluster-3']!.reason).toBe(
        `not selected by the clusterSelector of NamespaceOffloading ${ns.name}/offloading ` +
          `(liqo.io/remote-cluster-id In [${clusterId('cluster-2')}])`,
      )
      expect(clusters['local']).toMatchObject({fits: false, cause: 'strategy'})
      expect(item!.scheduler).toBeNull()

      const table = await cli(['pods', 'why', pod!.pod, '-n', ns.name])
      expect(table.code, table.stderr).toBe(0)
      expect(table.stdout).toMatch(new RegExp(`^Status: +Running on cluster-2 `, 'm'))
      expect(table.stdout).toMatch(
        /^Offloading: +podOffloadingStrategy Remote, clusterSelector liqo\.io\/remote-cluster-id In \[/m,
      )
      expect(table.stdout).toMatch(/^cluster-2 +here +it runs here$/m)
      expect(table.stdout).toMatch(/^cluster-3 +no +not selected by the clusterSelector of NamespaceOffloading /m)
      const wide = await cli(['pods', 'why', pod!.pod, '-n', ns.name, '-o', 'wide'])
      expect(wide.stdout).toMatch(/^CLUSTER +NODE +FITS +READY +CORDONED +TAINTS +ROOM +REASON$/m)
      expect(wide.stdout).toMatch(/virtual-node\.liqo\.io\/not-allowed=true:NoExecute +cpu \S+, memory \S+, pods \d+/)
    })

    it('an unknown pod: the NotFound line and what to do, exit 1; its name completes', async () => {
      const r = await cli(['pods', 'why', 'no-such-pod', '-n', ns.name])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `Error from server (NotFound): pods "no-such-pod" not found\nhint: list the pods of namespace ` +
          `"${ns.name}" with: liqo-topology pods where -n ${ns.name}\n`,
      )
      const [pod] = await podClusters(ns.name)
      const done = await cli(['__complete', 'pods', 'why', '-n', ns.name, pod!.pod.slice(0, 8)])
      expect(done.stdout.split('\n')).toContain(pod!.pod)
    })
  })

  describe('pods left Pending once offloading to every remote cluster is disabled', () => {
    let ns: OffloadedNamespace
    beforeAll(async () => {
      ns = await offloadedNamespace('it-why-pend', {replicas: 2})
    }, 300_000)
    afterAll(async () => {
      await restoreOffloading()
      await ns?.remove()
    }, 300_000)

    it("names each cluster and its reason, and agrees with the scheduler's FailedScheduling event", async () => {
      for (const cluster of ['cluster-2', 'cluster-3']) {
        const r = await cli(['peer', 'disable', cluster, '--yes', '--force', '--no-wait'], {timeoutMs: 120_000})
        expect(r.code, r.stderr).toBe(0)
      }
      const c = await admin()
      // Both waits watched (one list and one watch of each collection), each change checked as it arrives.
      await untilWatched(
        c,
        ['/api/v1/nodes'],
        'no virtual node left',
        180_000,
        ([nodes]) => !nodes!.some((n) => n.metadata?.labels?.['liqo.io/type'] === 'virtual-node'),
      )
      await untilWatched(
        c,
        [`/api/v1/namespaces/${ns.name}/pods`, `/api/v1/namespaces/${ns.name}/events`],
        '2 pods Pending, each with a FailedScheduling event',
        120_000,
        ([raw, events]) => {
          // Not scheduled: no node (podClusters' "<none>").
          const pods = raw!.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
          if (pods.length !== 2 || pods.some((p) => p.spec?.nodeName)) return false
          const failed = lastOf(events!.filter((e) => e.reason === 'FailedScheduling'))
          return pods.every((p) => failed.has(p.metadata?.name))
        },
      )

      const localNodes = (await c.list<Json>('/api/v1/nodes')).items
      const items = await why(['-n', ns.name])
      expect(items).toHaveLength(2)
      const events = await lastFailedScheduling(ns.name)
      for (const item of items) {
        const clusters = byName(item)
        expect(Object.keys(clusters).sort()).toEqual(['cluster-2', 'cluster-3', 'local'])
        expect(clusters['local']).toMatchObject({fits: false, cause: 'strategy'})
        expect(clusters['local']!.reason).toMatch(
          /^podOffloadingStrategy Remote \(NamespaceOffloading .*\): its pods run on remote clusters only$/,
        )
        for (const name of ['cluster-2', 'cluster-3'])
          expect(clusters[name]).toMatchObject({
            fits: false,
            cause: 'no-node',
            reason: `no virtual node: offloading to ${name} is disabled`,
          })
        // The scheduler's own words, as kubectl reads them; it counted at least the local node(s) that are left.
        expect(item.scheduler?.event.message).toBe(events.get(item.name))
        const counted = Number(/^0\/(\d+) nodes are available/.exec(item.scheduler!.event.message)?.[1])
        expect(counted).toBeGreaterThanOrEqual(localNodes.length)
        expect(item.scheduler, JSON.stringify(item.scheduler)).toMatchObject({agreement: 'agrees'})
      }

      const table = await cli(['pods', 'why', '-n', ns.name])
      expect(table.stdout).toMatch(/^cluster-2 +no +no virtual node: offloading to cluster-2 is disabled$/m)
      expect(table.stdout).toMatch(/^Scheduler: +FailedScheduling .*0\/\d+ nodes are available/m)
      expect(table.stdout).toMatch(/^Our reasoning: +agrees: /m)
    })
  })
})

/** The message of each pod's last FailedScheduling event, read with kubectl. */
async function lastFailedScheduling(namespace: string): Promise<Map<string, string>> {
  const r = await kubectl([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    'reason=FailedScheduling',
    '-o',
    'json',
  ])
  return lastOf((JSON.parse(r.stdout) as {items: Json[]}).items)
}

/** The message of each pod's last event among `events`. */
function lastOf(events: Json[]): Map<string, string> {
  const last = new Map<string, {at: number; message: string}>()
  for (const e of events) {
    const at = Date.parse(e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp)
    const pod = e.involvedObject.name as string
    if (!last.has(pod) || at >= last.get(pod)!.at) last.set(pod, {at, message: e.message})
  }
  return new Map([...last].map(([k, v]) => [k, v.message]))
}
