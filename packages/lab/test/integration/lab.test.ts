/**
 * The lab itself, checked with kubectl and the raw API (not with liqo-topology): the real control
 * plane, the Liqo v0.3 emulator, the CRDs' validation, the webhook, peering off and on.
 */
import {readFileSync} from 'node:fs'
import https from 'node:https'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Json} from 'liqo-topology/k8s/client'
import {toPod} from 'liqo-topology/k8s/map'
import {toNode} from 'liqo-topology/liqo/nodes'
import {fcPath, nsOffloadingPath} from 'liqo-topology/liqo/constants'
import {untilWatched} from '../../src/tutorial.js'
import {
  admin,
  budget,
  cli,
  clusterId,
  evictionRefusal,
  kubectl,
  lab,
  labState,
  offloadedNamespace,
  podClusters,
  restorePeerings,
  skipNote,
  uniqueName,
  until,
  untilPlaced,
  type Budget,
  type OffloadedNamespace,
} from '../../../cli/test/helpers/lab.js'

/** The status of cluster-3's ForeignCluster's OutgoingPeering condition (kubectl's OUTGOING PEERING PHASE). */
function outgoingPhase(fcs: Json[]): string | undefined {
  const fc = fcs.find((f) => f.metadata?.name === 'cluster-3')
  return ((fc?.status?.peeringConditions ?? []) as Json[]).find((c) => c.type === 'OutgoingPeering')?.status
}

/**
 * Until namespace `name` of `cluster` is gone (absent: true) or Active: watched, one list and one
 * watch of the cluster's namespaces, each change checked as it arrives.
 */
async function untilNamespace(cluster: string, name: string, absent: boolean, timeoutMs: number): Promise<void> {
  const what = `namespace ${name} ${absent ? 'gone' : 'Active'} on ${cluster}`
  await untilWatched(await admin(cluster), ['/api/v1/namespaces'], what, timeoutMs, ([nss]) => {
    const ns = nss!.find((n) => n.metadata?.name === name)
    return absent ? !ns : ns?.status?.phase === 'Active'
  })
}

describe.skipIf(!lab)(`lab: control plane and Liqo emulator${skipNote}`, () => {
  let ns: OffloadedNamespace
  beforeAll(async () => {
    await restorePeerings()
    ns = await offloadedNamespace('it-lab')
  })
  afterAll(async () => {
    await restorePeerings()
    await ns?.remove()
  })

  it('serves three clusters with RBAC on: anonymous requests are refused', async () => {
    for (const c of ['cluster-1', 'cluster-2', 'cluster-3']) {
      const r = await kubectl(['get', 'namespace', 'liqo', '-o', 'name'], c)
      expect(r.code, r.stderr).toBe(0)
    }
    // TLS with the lab's CA, no credentials: authenticated as system:anonymous, refused by RBAC.
    const ca = readFileSync(join(lab!.dir, 'pki', 'ca.crt'))
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${labState().clusters[0]!.server}/api/v1/namespaces`, {ca}, (res) => resolve(res.statusCode ?? 0))
        .on('error', reject)
    })
    expect(status).toBe(403)
    const ro = await kubectl(['--user', 'cluster-1-readonly', 'delete', 'namespace', 'liqo'], 'cluster-1')
    expect(ro.code).toBe(1)
    expect(ro.stderr).toMatch(/forbidden/i)
  })

  it('lists cluster-2 and cluster-3 as ForeignClusters with outgoing peering Established', async () => {
    const r = await kubectl(['get', 'foreignclusters'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/OUTGOING PEERING PHASE/)
    expect(r.stdout).toMatch(/^cluster-2\s+Established/m)
    expect(r.stdout).toMatch(/^cluster-3\s+Established/m)
    const fc = await (await admin()).get(fcPath('cluster-3'))
    expect(fc.metadata.labels['discovery.liqo.io/cluster-id']).toBe(clusterId('cluster-3'))
    expect(fc.spec.clusterIdentity).toEqual({clusterID: clusterId('cluster-3'), clusterName: 'cluster-3'})
  })

  it('creates virtual nodes liqo-<clusterID> with the real labels and taint', async () => {
    const node = toNode(await (await admin()).get(`/api/v1/nodes/liqo-${clusterId('cluster-2')}`))
    expect(node.ready).toBe(true)
    expect(node.labels).toMatchObject({
      'liqo.io/type': 'virtual-node',
      'liqo.io/remote-cluster-id': clusterId('cluster-2'),
      'liqo.io/provider': 'provider-2',
      'topology.liqo.io/region': 'us-west',
    })
    expect(node.taints).toContainEqual({key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute'})
  })

  it(
    'offloads a plain Deployment through the webhook: pods Running on virtual nodes, twins in the remote ' + 'clusters',
    async () => {
      const placed = await podClusters(ns.name)
      expect(placed).toHaveLength(3)
      expect(placed.every((p) => p.ready && p.cluster !== 'local')).toBe(true)
      const raw = (await (await admin()).get(`/api/v1/namespaces/${ns.name}/pods`)).items[0]
      expect(raw.spec.tolerations).toContainEqual({
        key: 'virtual-node.liqo.io/not-allowed',
        operator: 'Exists',
        effect: 'NoExecute',
      })
      expect(JSON.stringify(raw.spec.affinity)).toContain('"liqo.io/type"')
      let twins = 0
      for (const c of ['cluster-2', 'cluster-3']) {
        const pods = (await (await admin(c)).list(`/api/v1/namespaces/${ns.name}/pods`, {}, toPod)).items
        twins += pods.filter((p) => p.phase === 'Running').length
      }
      expect(twins).toBe(3)
      const nso = await (await admin()).get(nsOffloadingPath(ns.name, 'offloading'))
      expect(nso.status.offloadingPhase).toBe('Ready')
      expect(Object.keys(nso.status.remoteNamespacesConditions).sort()).toEqual(
        [clusterId('cluster-2'), clusterId('cluster-3')].sort(),
      )
    },
  )

  it("writes a pod's Ready back when another writer turned it False, as a kubelet does", async () => {
    // What kube-controller-manager's node lifecycle controller does to the pods of a node it takes
    // for NotReady: the Ready condition False, the containers left ready.
    const c = await admin()
    const pod = (await c.get(`/api/v1/namespaces/${ns.name}/pods`)).items[0]
    const path = `/api/v1/namespaces/${ns.name}/pods/${pod.metadata.name}/status`
    const conditions = (pod.status.conditions as Array<{type: string; status: string}>).map((x) =>
      x.type === 'Ready' ? {...x, status: 'False'} : x,
    )
    await c.patch(path, {status: {conditions}}, 'merge')
    await untilPlaced(
      ns.name,
      `${pod.metadata.name} Ready again`,
      30_000,
      (pods) => !!pods.find((p) => p.pod === pod.metadata.name)?.ready,
    )
  })

  it('rejects outgoingPeeringEnabled "Maybe" in the API server (CRD schema)', async () => {
    const r = await kubectl([
      'patch',
      'foreignclusters',
      'cluster-3',
      '--type',
      'merge',
      '-p',
      '{"spec":{"outgoingPeeringEnabled":"Maybe"}}',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/Unsupported value: "Maybe"/)
  })

  it(
    '"No" evicts the pods of cluster-3 onto cluster-2 and removes the remote namespace; "Yes" brings ' + 'both back',
    async () => {
      // Peered again whatever happens: the tests after this one need cluster-3.
      try {
        const before = await podClusters(ns.name)
        const patch = await kubectl([
          'patch',
          'foreignclusters',
          'cluster-3',
          '--type',
          'merge',
          '-p',
          '{"spec":{"outgoingPeeringEnabled":"No"}}',
        ])
        expect(patch.code, patch.stderr).toBe(0)
        // A wait with a budget, not a timed assertion: how long Liqo takes is not this test's claim.
        // Both watched (each its own list and watch), side by side; kubectl then confirms the namespace gone.
        await Promise.all([
          untilPlaced(
            ns.name,
            '3 pods Running on cluster-2',
            120_000,
            (now) => now.length === 3 && now.every((p) => p.cluster === 'cluster-2' && p.ready),
          ),
          untilNamespace('cluster-3', ns.name, true, 120_000),
        ])
        expect((await kubectl(['get', 'namespace', ns.name], 'cluster-3')).stderr).toMatch(/NotFound/)
        // Pods that were on cluster-2 never moved.
        const after = await podClusters(ns.name)
        for (const p of before.filter((x) => x.cluster === 'cluster-2'))
          expect(after.map((a) => a.pod)).toContain(p.pod)
        await untilWatched(
          await admin(),
          [fcPath(), nsOffloadingPath(ns.name)],
          'peering None and key dropped',
          15_000,
          ([fcs, nsos]) => {
            const nso = nsos!.find((n) => n.metadata?.name === 'offloading')
            return (
              outgoingPhase(fcs!) === 'None' &&
              !!nso?.status?.remoteNamespacesConditions &&
              !(clusterId('cluster-3') in nso.status.remoteNamespacesConditions)
            )
          },
        )

        await kubectl([
          'patch',
          'foreignclusters',
          'cluster-3',
          '--type',
          'merge',
          '-p',
          '{"spec":{"outgoingPeeringEnabled":"Yes"}}',
        ])
        // Watched (each its own list and watch), side by side; kubectl then reads both as before.
        const node = `liqo-${clusterId('cluster-3')}`
        await Promise.all([
          untilWatched(await admin(), ['/api/v1/nodes'], 'virtual node back and Ready', 15_000, ([nodes]) => {
            const n = nodes!.find((x) => x.metadata?.name === node)
            // kubectl's STATUS "Ready": the Ready condition True, and schedulable.
            return !!n && toNode(n).ready && !n.spec?.unschedulable
          }),
          untilNamespace('cluster-3', ns.name, false, 15_000),
        ])
        expect((await kubectl(['get', 'node', node, '--no-headers'])).stdout).toMatch(/\sReady\s/)
        expect((await kubectl(['get', 'namespace', ns.name, '--no-headers'], 'cluster-3')).stdout).toMatch(/Active/)
        // Running pods are never moved back.
        expect((await podClusters(ns.name)).every((p) => p.cluster === 'cluster-2')).toBe(true)
      } finally {
        await restorePeerings()
      }
    },
  )

  it('respects PodDisruptionBudgets while draining', async () => {
    const c = await admin()
    const pdbNs = await offloadedNamespace('it-pdb', {
      replicas: 2,
      spec: {
        namespaceMappingStrategy: 'EnforceSameName',
        podOffloadingStrategy: 'Remote',
        clusterSelector: {
          nodeSelectorTerms: [{matchExpressions: [{key: 'liqo.io/provider', operator: 'In', values: ['provider-3']}]}],
        },
      },
    })
    let keep: Budget | undefined
    try {
      keep = await budget(pdbNs.name, 'keep-two', 2)
      const refused = evictionRefusal(pdbNs.name)
      await c.patch(fcPath('cluster-3'), {spec: {outgoingPeeringEnabled: 'No'}})
      await untilWatched(c, [fcPath()], 'Disconnecting', 10_000, ([fcs]) => outgoingPhase(fcs!) === 'Disconnecting')
      await until('an eviction refused by the budget', 30_000, refused)
      // Both pods are still there: evictions are refused (429) while they would break the budget.
      const pods = await podClusters(pdbNs.name)
      expect(pods.filter((p) => p.cluster === 'cluster-3' && p.phase === 'Running')).toHaveLength(2)
      const fc = (await kubectl(['get', 'foreignclusters', 'cluster-3', '--no-headers'])).stdout
      expect(fc).toMatch(/Disconnecting/)
    } finally {
      await keep?.remove()
      await restorePeerings()
      await pdbNs.remove()
    }
  })

  it('offloads only to the clusters the clusterSelector selects', async () => {
    const sel = await offloadedNamespace('it-sel', {
      replicas: 2,
      spec: {
        podOffloadingStrategy: 'Remote',
        clusterSelector: {
          nodeSelectorTerms: [
            {matchExpressions: [{key: 'topology.liqo.io/region', operator: 'In', values: ['eu-east']}]},
          ],
        },
      },
    })
    try {
      expect((await podClusters(sel.name)).every((p) => p.cluster === 'cluster-3')).toBe(true)
      const nso = await (await admin()).get(nsOffloadingPath(sel.name, 'offloading'))
      // DefaultName in v0.3: <namespace>-<home cluster ID>
      const home = labState().clusters.find((x) => x.role === 'home')!.id
      expect(nso.status.remoteNamespaceName).toBe(`${sel.name}-${home}`)
      expect(nso.status.remoteNamespacesConditions[clusterId('cluster-2')]).toEqual([
        expect.objectContaining({type: 'OffloadingRequired', status: 'False', reason: 'ClusterNotSelected'}),
      ])
      expect(nso.status.remoteNamespacesConditions[clusterId('cluster-3')]).toEqual([
        expect.objectContaining({type: 'Ready', status: 'True', reason: 'RemoteNamespaceCreated'}),
      ])
      expect((await kubectl(['get', 'namespace', `${sel.name}-${home}`, '--no-headers'], 'cluster-3')).stdout).toMatch(
        /Active/,
      )
    } finally {
      await sel.remove()
    }
  })

  it('runs the tutorial cleanup commands to completion: the namespace is gone', async () => {
    const tmp = await offloadedNamespace('it-clean', {replicas: 1})
    expect((await kubectl(['delete', 'deployment', 'nginx-deployment', '-n', tmp.name])).code).toBe(0)
    expect((await kubectl(['delete', 'namespaceoffloading', 'offloading', '-n', tmp.name])).code).toBe(0)
    expect((await kubectl(['delete', 'namespace', tmp.name])).code).toBe(0)
    await untilNamespace('cluster-1', tmp.name, true, 120_000)
    expect((await kubectl(['get', 'namespace', tmp.name])).stderr).toMatch(/NotFound/)
    for (const c of ['cluster-2', 'cluster-3'])
      expect((await kubectl(['get', 'namespace', tmp.name], c)).stderr).toMatch(/NotFound/)
  })

  it('ignores a NamespaceOffloading with another name, as Liqo v0.3 does', async () => {
    const c = await admin()
    const name = uniqueName('it-other')
    await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
    try {
      await c.create(nsOffloadingPath(name), {
        apiVersion: 'offloading.liqo.io/v1alpha1',
        kind: 'NamespaceOffloading',
        metadata: {name: 'my-offloading', namespace: name},
        spec: {podOffloadingStrategy: 'Remote'},
      })
      // A NamespaceOffloading named as Liqo wants, created after it, handled (the emulator saw both).
      const control = await offloadedNamespace('it-ctl', {replicas: 0})
      await control.remove()
      const got = await c.get(nsOffloadingPath(name, 'my-offloading'))
      expect(got.status).toBeUndefined()
      expect(
        (await c.get(`/api/v1/namespaces/${name}`)).metadata.labels?.['liqo.io/scheduling-enabled'],
      ).toBeUndefined()
    } finally {
      await c.delete(`/api/v1/namespaces/${name}`)
    }
  })

  it('lab status, lab env', async () => {
    const st = await cli(['lab', 'status', '--dir', lab!.dir, '-o', 'json'])
    expect(st.code, st.stderr).toBe(0)
    const doc = JSON.parse(st.stdout)
    expect(doc.status).toBe('ready')
    expect(doc.components.every((c: {running: boolean}) => c.running)).toBe(true)
    expect(doc.components.map((c: {name: string}) => c.name)).toEqual(
      expect.arrayContaining([
        'etcd',
        'cluster-1/kube-apiserver',
        'cluster-1/kube-scheduler',
        'cluster-3/kube-controller-manager',
      ]),
    )
    const env = await cli(['lab', 'env', '--dir', lab!.dir])
    expect(env.stdout).toContain(`export KUBECONFIG=${lab!.kubeconfig}`)
  })
})
