/**
 * Faults and bad input that apply to both Liqo generations, one test body run on both labs: a
 * PodDisruptionBudget that blocks the drain, the provider's API server stopped during a disable,
 * a cleanup stopped half-way by an unreachable provider, and input the tool must refuse or explain
 * (the last eligible cluster disabled is in commands.test.ts).
 * Each time: the documented exit code, one clear error, and a rerun that finishes.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {nginxDeploymentBody, untilWatched} from '@liqo-topology/lab/tutorial'
import {restartLiqoControllerManager, startApiServer, stopApiServer} from '../../helpers/faults.js'
import {
  admin,
  budget,
  cli,
  clusterId,
  collect,
  evictionRefusal,
  expectAllReadyOn,
  kubectl,
  lab,
  namespaceOffloading,
  offloadedNamespace,
  podClusters,
  podOn,
  skipNote,
  startCli,
  uniqueName,
  until,
  untilPlaced,
  type OffloadedNamespace,
} from '../../helpers/lab.js'
import {isV1, modeNote, offloadingOn, onlyCluster, restoreOffloading} from '../../helpers/mode.js'

/** The last one or two lines: an error in kubectl's style, maybe a hint, no stack trace. */
function expectCleanError(stderr: string): void {
  const tail = stderr.trimEnd().split('\n').slice(-2)
  expect(
    tail.some((l) => /^(error: |Error from server \()/.test(l)),
    stderr,
  ).toBe(true)
  expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/)
}

describe.skipIf(!lab)(`bad input, both Liqo generations${modeNote}${skipNote}`, () => {
  it('an unknown cluster: exit 1, the known clusters listed, nothing changed', async () => {
    const r = await cli(['peer', 'enable', 'cluster-9', '--yes'])
    expect(r.code).toBe(1)
    expectCleanError(r.stderr)
    expect(r.stderr).toMatch(/hint: known clusters: cluster-2 \(ID .*\); cluster-3 \(ID .*\)/)
    expect(await offloadingOn('cluster-2')).toBe(true)
  })

  it(
    'a namespace without a NamespaceOffloading: status says it is not offloaded; cleanup has no ' +
      'NamespaceOffloading step',
    async () => {
      const c = await admin()
      const name = uniqueName('it-plain')
      await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
      try {
        const st = await cli(['status', '-n', name])
        expect(st.code, st.stderr).toBe(0)
        expect(st.stdout).toMatch(new RegExp(`Namespace ${name}: not offloaded`))
        const plan = await cli(['cleanup', '-n', name, '--keep-peering', '--dry-run'])
        expect(plan.stdout).toMatch(/1\. delete namespace/)
        expect(plan.stdout).not.toMatch(/NamespaceOffloading/)
      } finally {
        await c.delete(`/api/v1/namespaces/${name}`)
      }
    },
  )

  it(
    'a NamespaceOffloading not named "offloading" is called out as ignored by Liqo (v1: refused by ' + 'its webhook)',
    async () => {
      const c = await admin()
      const name = uniqueName('it-named')
      await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
      try {
        const nso = namespaceOffloading(name, 'offload-me')
        nso.body.spec = {}
        if (isV1) {
          // Liqo v1's webhook refuses it outright; the tool then just sees a namespace not offloaded.
          await expect(c.create(nso.collection, nso.body)).rejects.toThrow(
            /NamespaceOffloading name must match offloading/,
          )
          expect((await cli(['status', '-n', name])).stdout).toMatch(new RegExp(`Namespace ${name}: not offloaded`))
          return
        }
        await c.create(nso.collection, nso.body)
        const st = await cli(['status', '-n', name])
        expect(st.stdout).toMatch(
          // eslint-disable-next-line max-len -- a regex literal cannot be split
          /NamespaceOffloading "offload-me" in it-named-\w+ is ignored by Liqo: only one named "offloading" is acted on/,
        )
        const plan = await cli(['cleanup', '-n', name, '--keep-peering', '--dry-run'])
        expect(plan.stdout).toMatch(/Note: NamespaceOffloading "offload-me" is ignored by Liqo/)
      } finally {
        await c.delete(`/api/v1/namespaces/${name}`)
      }
    },
  )
})

describe.skipIf(!lab)(`faults, both Liqo generations${modeNote}${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restoreOffloading()
    ns = await offloadedNamespace('it-both')
  }, 300_000)
  afterAll(async () => {
    await startApiServer('cluster-3')
    // Held drains and an unreachable provider leave Liqo v1 backing off: see restartLiqoControllerManager.
    if (isV1) await restartLiqoControllerManager()
    await restoreOffloading()
    await ns?.remove()
  }, 300_000)

  it(
    'a PodDisruptionBudget blocks the drain: the preview warns, the wait names it, and it converges once the ' +
      'budget allows',
    async () => {
      await podOn(ns.name, 'cluster-3')
      const hold = await budget(ns.name, 'hold', 3)
      try {
        const dry = await cli(['peer', 'disable', 'cluster-3', '--dry-run'])
        expect(dry.stdout).toMatch(/PodDisruptionBudget .*\/hold allows 0 disruption/)
        const refused = evictionRefusal(ns.name)
        const child = startCli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '3m'])
        const done = collect(child, {timeoutMs: 240_000})
        let err = ''
        child.stderr!.on('data', (d: string) => (err += d))
        await until('the command waits', 60_000, async () => /Waiting for .*still on cluster-3/.test(err))
        // Held: Liqo tried to evict the pod and the budget refused; the pod is still there.
        await until('an eviction refused by the budget', 90_000, refused)
        expect((await podClusters(ns.name)).some((p) => p.cluster === 'cluster-3')).toBe(true)
        await hold.remove()
        const r = await done
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toMatch(/Converged in/)
        await expectAllReadyOn(ns.name, 'cluster-2')
      } finally {
        await hold.remove()
        // The held drain leaves Liqo v1 backing off its next one (measured in CI: the next test's
        // disable went unanswered for 45s): see restartLiqoControllerManager.
        if (isV1) await restartLiqoControllerManager()
        await restoreOffloading()
      }
    },
  )

  it(
    "the provider's API server stopped during a disable: the replacements run on cluster-2, the evicted pod " +
      'stays Terminating; exit 3 says so; a rerun with it back finishes',
    async () => {
      await podOn(ns.name, 'cluster-3')
      const onCluster3 = (await podClusters(ns.name)).filter((p) => p.cluster === 'cluster-3').map((p) => p.pod)
      // Restored whatever happens: the next case needs cluster-3 up and offloaded to.
      try {
        await stopApiServer('cluster-3')
        try {
          const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '45s'], {timeoutMs: 120_000})
          // Liqo evicts, the replacements run on cluster-2, but the evicted pod stays Terminating until
          // cluster-3 confirms its deletion: the wait times out (exit 3) naming it and saying why.
          expect(r.code, r.stderr).toBe(3)
          expect(await offloadingOn('cluster-3')).toBe(false)
          expectCleanError(r.stderr)
          expect(r.stderr).toMatch(new RegExp(`pod/(${onCluster3.join('|')}): still on cluster-3, Terminating`))
          expect(r.stderr).toMatch(
            // eslint-disable-next-line max-len -- a regex literal cannot be split
            /^hint: pods Terminating on cluster-3 wait until it confirms their deletion \(is it reachable\? .*\); the change was applied: peering to cluster-3 is disabled/m,
          )
          // The workload itself runs again: 3 ready pods on cluster-2.
          await untilPlaced(
            ns.name,
            '3 ready pods on cluster-2',
            90_000,
            (pods) => pods.filter((p) => p.ready && p.cluster === 'cluster-2').length === 3,
          )
        } finally {
          await startApiServer('cluster-3')
        }
        let again = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '90s'], {timeoutMs: 180_000})
        if (isV1 && again.code === 3) {
          // Measured on Liqo v1.2: its virtual kubelet backs off the failed remote deletions and may not
          // retry for minutes after cluster-3 is back. The rerun says so precisely; the operator's way
          // out, which the hint gives, is to remove the local copy by force.
          expect(again.stderr).toMatch(new RegExp(`pod/(${onCluster3.join('|')}): still on cluster-3, Terminating`))
          expect(again.stderr).toMatch(/kubectl delete pod --force --grace-period=0/)
          for (const pod of onCluster3)
            await kubectl(['delete', 'pod', pod, '-n', ns.name, '--force', '--grace-period=0'])
          again = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '90s'], {timeoutMs: 180_000})
        }
        expect(again.code, again.stderr).toBe(0)
        await expectAllReadyOn(ns.name, 'cluster-2')
      } finally {
        await startApiServer('cluster-3')
        await restoreOffloading()
      }
    },
    600_000,
  )

  it(
    'cleanup stopped half-way (the provider unreachable): the stuck finalizer is named, kept, and the next run ' +
      'resumes',
    async () => {
      // Offloaded to both remote clusters, its pod pinned to cluster-2: cluster-3 only holds the
      // remote namespace, whose deletion the NamespaceOffloading's finalizer waits for.
      const stuck = await offloadedNamespace('it-stuck', {replicas: 0})
      const c = await admin()
      const dep = nginxDeploymentBody(stuck.name, 1)
      dep.spec.template.spec.affinity = {
        nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: onlyCluster('cluster-2')},
      }
      await c.create(`/apis/apps/v1/namespaces/${stuck.name}/deployments`, dep)
      await untilPlaced(stuck.name, 'the pod Running on cluster-2', 60_000, (pods) =>
        pods.some((p) => p.ready && p.cluster === 'cluster-2'),
      )
      // The remote namespace must exist on cluster-3 before its API server stops: if Liqo has not
      // created it yet (measured on v1.2 after the previous test's re-peering), there is nothing for
      // the finalizer to wait for and the cleanup rightly finishes.
      const offloading = namespaceOffloading(stuck.name)
      await untilWatched(c, [offloading.collection], 'the remote namespace Ready on cluster-3', 90_000, ([nsos]) => {
        const got = nsos!.find((n) => n.metadata?.name === offloading.body.metadata.name)
        const conds: Array<{type: string; status: string}> =
          got?.status?.remoteNamespacesConditions?.[clusterId('cluster-3')] ?? []
        return conds.some((x) => x.type === 'Ready' && x.status === 'True')
      })
      try {
        await stopApiServer('cluster-3')
        const r = await cli(['cleanup', '-n', stuck.name, '--keep-peering', '--yes', '--timeout', '15s'], {
          timeoutMs: 120_000,
        })
        console.log(`[cleanup, provider down] exit ${r.code}\n${r.stderr}`)
        expect(r.code).toBe(3)
        expect(r.stderr).toMatch(
          new RegExp(
            `namespaceoffloading ${stuck.name}/offloading still has finalizer\\(s\\) \\S+, waiting for remote ` +
              `namespaces on: cluster-3`,
          ),
        )
        expect(r.stderr).toMatch(/^hint: cleanup stopped at step 2\/3 .*run the same cleanup again to resume/m)
        expect((await kubectl(['get', 'deployment', 'nginx-deployment', '-n', stuck.name])).stderr).toMatch(/NotFound/)
        const nso = await c.get(namespaceOffloading(stuck.name).path)
        expect(nso.metadata.finalizers.length).toBeGreaterThan(0)
        expect(nso.metadata.deletionTimestamp).toBeTruthy()

        await startApiServer('cluster-3')
        const again = await cli(['cleanup', '-n', stuck.name, '--keep-peering', '--yes', '--timeout', '2m'], {
          timeoutMs: 180_000,
        })
        expect(again.code, again.stderr).toBe(0)
        // It resumes where the first run stopped: the deployment is not deleted again. With cluster-3
        // back (startApiServer waits until it is whole), Liqo may finish the remote namespace's
        // deletion before the rerun plans: then only the namespace is left to delete.
        expect(again.stderr).toMatch(/1\. (wait for NamespaceOffloading|delete namespace)/)
        expect(again.stderr).not.toMatch(/delete deployment/)
        expect((await kubectl(['get', 'namespace', stuck.name])).stderr).toMatch(/NotFound/)
      } finally {
        await startApiServer('cluster-3')
        if ((await kubectl(['get', 'namespace', stuck.name])).code === 0) await stuck.remove()
      }
    },
    // Its own waits: a 15 s run, the API server's restart (startApiServer: up to 3 minutes until the
    // cluster is whole) and a 2-minute rerun; the default 2 minutes cannot hold them on a busy machine.
    300_000,
  )
})
