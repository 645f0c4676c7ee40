/**
 * The whole dynamic-topology tutorial, done with liqo-topology as a user would run it, and
 * cross-checked with kubectl.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {setupTutorial} from '../../src/lab/tutorial.js'
import {admin, cli, clusterId, kubectl, lab, podClusters, remoteIds, restorePeerings, skipNote} from '../helpers/lab.js'

describe.skipIf(!lab)(`the tutorial flow with liqo-topology${skipNote}`, () => {
  beforeAll(async () => {
    await restorePeerings()
    await setupTutorial(await admin(), remoteIds(), () => {})
  })
  afterAll(async () => {
    await restorePeerings()
  })

  it('pods where names cluster-2 and cluster-3 in a CLUSTER column; -o json counts add up to 3', async () => {
    const r = await cli(['pods', 'where', '-n', 'liqo-test'])
    expect(r.code, r.stderr).toBe(0)
    const [header, ...rows] = r.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^NAME\s+CLUSTER\s+READY\s+STATUS\s+RESTARTS\s+AGE$/)
    expect(rows).toHaveLength(3)
    expect(new Set(rows.map((l) => l.split(/\s+/)[1]))).toEqual(new Set(['cluster-2', 'cluster-3']))
    expect(r.stderr).toMatch(/cluster-2: \d pods?, \d ready/)
    const j = await cli(['pods', 'where', '-n', 'liqo-test', '-o', 'json'])
    const doc = JSON.parse(j.stdout)
    expect(doc.clusters.reduce((n: number, c: {pods: number}) => n + c.pods, 0)).toBe(3)
    expect(doc.items.every((i: {cluster: {clusterID: string}}) => [clusterId('cluster-2'), clusterId('cluster-3')].includes(i.cluster.clusterID))).toBe(true)
  })

  it('peer disable cluster-3 --yes exits 0 once converged: 3 Running pods, all on cluster-2', async () => {
    const r = await cli(['peer', 'disable', 'cluster-3', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    // Checked right after exit, with kubectl: nothing is left to settle.
    const k = await kubectl(['get', 'pods', '-n', 'liqo-test', '-o', 'wide', '--no-headers'])
    const lines = k.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    for (const l of lines) {
      expect(l).toMatch(/\s1\/1\s+Running\s/)
      expect(l).toContain(`liqo-${clusterId('cluster-2')}`)
    }
    expect(r.stdout).toMatch(/Converged in [\d.]+m?s: 3\/3 pods ready \(cluster-2 3\)/)
    expect(r.stdout).toMatch(/Timeline:/)
    expect(r.stderr).toMatch(/will be evicted/)
  })

  it('peer disable is idempotent: "already disabled", exit 0', async () => {
    const r = await cli(['peer', 'disable', 'cluster-3', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/already disabled/)
  })

  it('peer enable cluster-3 --yes: peering Established, node Ready, remote namespace Active', async () => {
    const r = await cli(['peer', 'enable', 'cluster-3', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect((await kubectl(['get', 'foreignclusters', 'cluster-3', '--no-headers'])).stdout).toMatch(/^cluster-3\s+Established/)
    expect((await kubectl(['get', 'node', `liqo-${clusterId('cluster-3')}`, '--no-headers'])).stdout).toMatch(/\sReady\s/)
    expect((await kubectl(['get', 'namespace', 'liqo-test', '--no-headers'], 'cluster-3')).stdout).toMatch(/^liqo-test\s+Active/)
  })

  it('works the same with the cluster ID (as the tutorial uses it) instead of the name', async () => {
    const id = clusterId('cluster-3')
    // Put a pod back on cluster-3 so that there is something to move.
    await kubectl(['rollout', 'restart', 'deployment/nginx-deployment', '-n', 'liqo-test'])
    await cli(['wait', '-n', 'liqo-test', '--timeout', '60s'])
    const off = await cli(['peer', 'disable', id, '--yes'])
    expect(off.code, off.stderr).toBe(0)
    expect((await podClusters('liqo-test')).every((p) => p.cluster === 'cluster-2' && p.ready)).toBe(true)
    const on = await cli(['peer', 'enable', id, '--yes'])
    expect(on.code, on.stderr).toBe(0)
  })

  it('cleanup removes the deployment, the NamespaceOffloading and the namespace, disables both peerings; a rerun has nothing to do', async () => {
    const r = await cli(['cleanup', '-n', 'liqo-test', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/deployment\.apps\/nginx-deployment deleted/)
    expect(r.stdout).toMatch(/namespaceoffloading\.offloading\.liqo\.io\/offloading deleted/)
    expect(r.stdout).toMatch(/namespace\/liqo-test deleted/)
    expect((await kubectl(['get', 'namespace', 'liqo-test'])).stderr).toMatch(/NotFound/)
    const fcs = (await kubectl(['get', 'foreignclusters', '--no-headers'])).stdout
    expect(fcs).toMatch(/^cluster-2\s+None/m)
    expect(fcs).toMatch(/^cluster-3\s+None/m)
    const again = await cli(['cleanup', '-n', 'liqo-test', '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/Nothing to clean up/)
  })

  it('peer disable nosuch exits 1 and lists the known clusters', async () => {
    const r = await cli(['peer', 'disable', 'nosuch', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no ForeignCluster .* matches "nosuch"/)
    expect(r.stderr).toMatch(/cluster-2 \(ID [0-9a-f-]{36}\)/)
    expect(r.stderr).toMatch(/cluster-3 \(ID [0-9a-f-]{36}\)/)
  })

  it('peer disable cluster-2 without a terminal and without --yes changes nothing and says to pass --yes', async () => {
    await restorePeerings()
    const r = await cli(['peer', 'disable', 'cluster-2'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--yes/)
    expect((await kubectl(['get', 'foreignclusters', 'cluster-2', '-o', 'jsonpath={.spec.outgoingPeeringEnabled}'])).stdout).toBe('Yes')
  })
})
