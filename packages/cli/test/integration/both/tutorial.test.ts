/**
 * The whole dynamic-topology tutorial, done with liqo-topology as a user would run it and
 * cross-checked with kubectl. One test body for both lab modes: this file runs in the
 * `integration` project (Liqo v0.3 emulator), in `integration-v1` (Liqo v1.2's own controllers), and in
 * `integration-v1.0` and `integration-v1.1` (Liqo v1.0's and v1.1's).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cli, clusterId, expectAllReadyOn, kubectl, lab, skipNote} from '../../helpers/lab.js'
import {
  isV1,
  liqoRelease,
  modeNote,
  offloadingOn,
  remoteNamespace,
  restoreOffloading,
  setUpTutorial,
  SWITCH,
  switchByKubectl,
  virtualNodeName,
} from '../../helpers/mode.js'

describe.skipIf(!lab)(`the tutorial flow with liqo-topology${modeNote}${skipNote}`, () => {
  beforeAll(async () => setUpTutorial(), 300_000)
  afterAll(async () => restoreOffloading(), 300_000)

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
    expect(
      doc.items.every((i: {cluster: {clusterID: string}}) =>
        [clusterId('cluster-2'), clusterId('cluster-3')].includes(i.cluster.clusterID),
      ),
    ).toBe(true)
  })

  it('peer list shows both peerings on, with a Ready virtual node each', async () => {
    const r = await cli(['peer', 'list', '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    for (const name of ['cluster-2', 'cluster-3']) {
      const item = doc.items.find((i: {clusterID: string}) => i.clusterID === clusterId(name))
      expect(item, name).toMatchObject({
        outgoingPeeringEnabled: 'Yes',
        outgoingPhase: 'Established',
        virtualNode: {name: virtualNodeName(name), ready: true, schedulable: true},
      })
    }
  })

  it('peer disable cluster-3 --yes exits 0 once converged: 3 Running pods, all on cluster-2', async () => {
    const r = await cli(['peer', 'disable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(r.code, r.stderr).toBe(0)
    // Checked right after exit, with kubectl: nothing is left to settle.
    const k = await kubectl(['get', 'pods', '-n', 'liqo-test', '-o', 'wide', '--no-headers'])
    const lines = k.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    for (const l of lines) {
      expect(l).toMatch(/\s1\/1\s+Running\s/)
      expect(l.split(/\s+/)[6]).toBe(virtualNodeName('cluster-2'))
    }
    expect(r.stdout).toMatch(/Converged in [\d.]+m?s: 3\/3 pods ready \(cluster-2 3\)/)
    expect(r.stdout).toMatch(/Timeline:/)
    expect(r.stderr).toMatch(/will be evicted/)
    expect(await switchByKubectl('cluster-3')).toBe(SWITCH.off)
  })

  it('peer disable is idempotent: "already disabled", exit 0', async () => {
    const r = await cli(['peer', 'disable', 'cluster-3', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/already disabled/)
  })

  it('peer enable cluster-3 --yes: switch on, virtual node Ready, remote namespace Active', async () => {
    const r = await cli(['peer', 'enable', 'cluster-3', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(r.code, r.stderr).toBe(0)
    expect(await switchByKubectl('cluster-3')).toBe(SWITCH.on)
    if (!isV1)
      expect((await kubectl(['get', 'foreignclusters', 'cluster-3', '--no-headers'])).stdout).toMatch(
        /^cluster-3\s+Established/,
      )
    expect((await kubectl(['get', 'node', virtualNodeName('cluster-3'), '--no-headers'])).stdout).toMatch(/\sReady\s/)
    const remote = remoteNamespace('liqo-test')
    expect((await kubectl(['get', 'namespace', remote, '--no-headers'], 'cluster-3')).stdout).toMatch(
      new RegExp(`^${remote}\\s+Active`),
    )
  })

  it('works the same with the cluster ID instead of the name', async () => {
    const id = clusterId('cluster-3')
    // Put a pod back on cluster-3 so that there is something to move.
    await kubectl(['rollout', 'restart', 'deployment/nginx-deployment', '-n', 'liqo-test'])
    await cli(['wait', '-n', 'liqo-test', '--timeout', '90s'], {timeoutMs: 120_000})
    const off = await cli(['peer', 'disable', id, '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(off.code, off.stderr).toBe(0)
    await expectAllReadyOn('liqo-test', 'cluster-2')
    const on = await cli(['peer', 'enable', id, '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
    expect(on.code, on.stderr).toBe(0)
    expect(await offloadingOn('cluster-3')).toBe(true)
  })

  it('status shows the Liqo line, both peerings and the offloaded namespace', async () => {
    const r = await cli(['status', '-n', 'liqo-test', '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.liqo.line).toBe(isV1 ? 'v1' : 'v0')
    // Liqo v1 names a cluster by its ID only.
    expect(doc.cluster).toMatchObject(isV1 ? {id: 'cluster-1'} : {name: 'cluster-1'})
    expect(doc.namespace.offloading).toMatchObject({phase: 'Ready', podOffloadingStrategy: 'Remote'})
    expect(doc.namespace.remoteNamespaces.map((n: {cluster: string}) => n.cluster).sort()).toEqual([
      'cluster-2',
      'cluster-3',
    ])
  })

  it('version, as kubectl version: client, Kubernetes server, and the Liqo it saw', async () => {
    const r = await cli(['version'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Client Version: \S+ \(Node\.js v\d+/m)
    expect(r.stdout).toMatch(/^Server Version: v1\.\d+\.\d+ \(context "cluster-1"\)$/m)
    const api = isV1 ? 'Liqo v1\\.x API' : 'Liqo v0\\.3–v0\\.10 API'
    expect(r.stdout).toMatch(new RegExp(`^Liqo: ${liqoRelease.replace(/\./g, '\\.')}, ${api}`, 'm'))
    const doc = JSON.parse((await cli(['version', '-o', 'json'])).stdout)
    expect(doc.server.liqo.line).toBe(isV1 ? 'v1' : 'v0')
  })

  it(
    'cleanup removes the deployment, the NamespaceOffloading and the namespace, switches both peerings off; a ' +
      'rerun has nothing to do',
    async () => {
      const r = await cli(['cleanup', '-n', 'liqo-test', '--yes', '--timeout', '3m'], {timeoutMs: 200_000})
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/deployment\.apps\/nginx-deployment deleted/)
      expect(r.stdout).toMatch(/namespaceoffloading\.offloading\.liqo\.io\/offloading deleted/)
      expect(r.stdout).toMatch(/namespace\/liqo-test deleted/)
      expect((await kubectl(['get', 'namespace', 'liqo-test'])).stderr).toMatch(/NotFound/)
      for (const c of ['cluster-2', 'cluster-3']) expect(await switchByKubectl(c), c).toBe(SWITCH.off)
      if (!isV1) {
        const fcs = (await kubectl(['get', 'foreignclusters', '--no-headers'])).stdout
        expect(fcs).toMatch(/^cluster-2\s+None/m)
        expect(fcs).toMatch(/^cluster-3\s+None/m)
      } else {
        // Liqo drained and deleted both virtual nodes.
        expect((await kubectl(['get', 'nodes', '-l', 'liqo.io/type=virtual-node', '-o', 'name'])).stdout.trim()).toBe(
          '',
        )
      }
      const again = await cli(['cleanup', '-n', 'liqo-test', '--yes'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toMatch(/Nothing to clean up/)
    },
  )

  it('peer disable nosuch exits 1 and lists the known clusters', async () => {
    const r = await cli(['peer', 'disable', 'nosuch', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no ForeignCluster .* matches "nosuch"/)
    expect(r.stderr).toContain(`cluster-2 (ID ${clusterId('cluster-2')})`)
    expect(r.stderr).toContain(`cluster-3 (ID ${clusterId('cluster-3')})`)
  })

  it('peer disable cluster-2 without a terminal and without --yes changes nothing and says to pass --yes', async () => {
    await restoreOffloading()
    const r = await cli(['peer', 'disable', 'cluster-2'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--yes/)
    expect(await switchByKubectl('cluster-2')).toBe(SWITCH.on)
  })
})
