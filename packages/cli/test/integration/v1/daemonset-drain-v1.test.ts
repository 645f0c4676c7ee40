/**
 * A DaemonSet's pod on cluster-3's virtual node while offloading to cluster-3 is switched off: Liqo
 * v1.0 and v1.1 drain it with the other pods (an eviction by Liqo's controller manager), Liqo v1.2
 * skips DaemonSet pods (the pod goes with the node). The preview of `peer disable` says which, from
 * the Liqo version the cluster runs; the API server's audit log shows what Liqo did. Runs on every
 * v1 lab (integration-v1.0, integration-v1.1 and integration-v1).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Json} from '../../../src/k8s/client.js'
import {untilWatched} from '@liqo-topology/lab/tutorial'
import {admin, auditEvents, cli, clusterId, kubectl, lab, labLiqo, skipNote} from '../../helpers/lab.js'
import {restoreOffloading, setUpTutorial, virtualNodeName} from '../../helpers/mode.js'

const NS = 'liqo-test'
const DS = 'it-ds-probe'
/** Liqo v1.0 and v1.1 evict DaemonSet pods in a drain; v1.2 does not. */
const evicts = labLiqo === 'v1.0' || labLiqo === 'v1.1'

/** The release the cluster runs, as kubectl reads it from Liqo's controller manager. */
async function liqoRelease(): Promise<string> {
  const r = await kubectl([
    'get',
    'deployments',
    '-n',
    'liqo',
    '-l',
    'app.kubernetes.io/name=controller-manager',
    '-o',
    'jsonpath={.items[0].metadata.labels.app\\.kubernetes\\.io/version}',
  ])
  return r.stdout.trim()
}

function daemonSet(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: DS, namespace: NS},
    spec: {
      selector: {matchLabels: {app: DS}},
      template: {
        metadata: {labels: {app: DS}},
        spec: {
          // Only cluster-3's virtual node; the DaemonSet controller checks the template's tolerations
          // against Liqo's taint before it creates a pod there.
          nodeSelector: {'liqo.io/remote-cluster-id': clusterId('cluster-3')},
          tolerations: [{key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists'}],
          containers: [{name: 'probe', image: 'registry.k8s.io/pause:3.10'}],
        },
      },
    },
  }
}

/** The DaemonSet's pods, read with kubectl: name, node, phase. */
async function dsPods(): Promise<Array<{name: string; node: string; phase: string}>> {
  const r = await kubectl(['get', 'pods', '-n', NS, '-l', `app=${DS}`, '-o', 'json'])
  return ((JSON.parse(r.stdout).items ?? []) as Json[]).map((p) => ({
    name: p.metadata.name,
    node: p.spec.nodeName ?? '',
    phase: p.status?.phase ?? '',
  }))
}

describe.skipIf(!lab)(`a DaemonSet pod on a virtual node during peer disable [Liqo ${labLiqo}]${skipNote}`, () => {
  let pod = ''
  let release = ''
  beforeAll(async () => {
    await setUpTutorial()
    const c = await admin()
    await c.create(`/apis/apps/v1/namespaces/${NS}/daemonsets`, daemonSet())
    // Watched (one list and one watch of the namespace's pods), each change checked as it arrives.
    const what = `${DS}'s pod Running on cluster-3's virtual node`
    // Not one being deleted: while Liqo re-creates the virtual node after an earlier test switched it
    // off and on, the DaemonSet controller may make a second pod and delete the first, which Liqo's
    // virtual kubelet still reports Running for a moment.
    pod = await untilWatched(c, [`/api/v1/namespaces/${NS}/pods`], what, 180_000, ([pods]) => {
      const p = pods!.find(
        (x) =>
          x.metadata?.labels?.app === DS &&
          !x.metadata?.deletionTimestamp &&
          x.spec?.nodeName === virtualNodeName('cluster-3') &&
          x.status?.phase === 'Running',
      )
      return p?.metadata?.name as string | undefined
    })
    release = await liqoRelease()
    expect(release).toMatch(new RegExp(`^${labLiqo.replace('.', '\\.')}\\.\\d+$`))
  }, 300_000)

  afterAll(async () => {
    await kubectl(['delete', 'daemonset', DS, '-n', NS, '--ignore-not-found', '--wait=false'])
    await restoreOffloading()
  }, 300_000)

  it(`the preview says whether ${labLiqo}'s drain evicts it, from the version the cluster runs`, async () => {
    const r = await cli(['peer', 'disable', 'cluster-3', '--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    const v = release.replace(/\./g, '\\.')
    if (evicts)
      expect(r.stdout).toMatch(
        new RegExp(`${NS}/${pod} \\(DaemonSet/${DS}\\): evicted too \\(Liqo ${v}'s drain evicts DaemonSet pods too\\)`),
      )
    else
      expect(r.stdout).toMatch(
        new RegExp(`DaemonSet pod ${NS}/${pod} is not evicted \\(Liqo ${v}'s drain skips DaemonSet pods\\)`),
      )
    const doc = JSON.parse((await cli(['peer', 'disable', 'cluster-3', '--dry-run', '-o', 'json'])).stdout)
    const listed = doc.evictions.find((e: Json) => e.pod === pod)
    if (evicts) expect(listed).toMatchObject({owner: `DaemonSet/${DS}`, outcome: 'daemonset'})
    else expect(listed).toBeUndefined()
  })

  it(`peer disable: Liqo ${evicts ? 'evicts' : 'does not evict'} it, as the audit log shows`, async () => {
    const since = Date.now()
    const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '4m'], {timeoutMs: 280_000})
    expect(r.code, r.stderr).toBe(0)
    const evictions = auditEvents(since).filter(
      (e) =>
        e.verb === 'create' &&
        e.objectRef?.subresource === 'eviction' &&
        e.objectRef.name === pod &&
        e.user.username.includes('liqo-controller-manager'),
    )
    expect(evictions.length > 0).toBe(evicts)
    // Either way the pod is gone once the disable converged, with the virtual node.
    expect((await dsPods()).filter((p) => p.node === virtualNodeName('cluster-3'))).toEqual([])
  })
})
