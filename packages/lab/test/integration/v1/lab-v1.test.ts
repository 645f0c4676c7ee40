/**
 * The real-Liqo lab (`lab up --liqo v1.2`) as its acceptance asks, checked with kubectl and Liqo's
 * own liqoctl, not with liqo-topology: Liqo v1.2's controllers peered, the tutorial set up the v1
 * way, the dynamic topology done to Liqo itself (VirtualNode.spec.createNode), Liqo's components
 * stopped and started, liqoctl info and unpeer.
 */
import {spawn} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import type {Json} from 'liqo-topology/k8s/client'
import {lookupLiqo} from '../../../src/binaries.js'
import {untilWatched} from '../../../src/tutorial.js'
import {restartLiqoCrdReplicator, startApiServer, startIfStopped} from '../../../../cli/test/helpers/faults.js'
import {restoreOffloading} from '../../../../cli/test/helpers/mode.js'
import {
  admin,
  cli,
  clusterWhole,
  collect,
  kubectl,
  lab,
  labState,
  skipNote,
  type RunResult,
} from '../../../../cli/test/helpers/lab.js'

const NS = 'liqo-test'

async function liqoctl(args: string[]): Promise<RunResult> {
  const bin = lookupLiqo().found!.bins.get('liqoctl')!
  const child = spawn(bin, [...args, '--kubeconfig', lab!.kubeconfig], {
    env: {...process.env, KUBECONFIG: lab!.kubeconfig, NO_COLOR: '1'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const r = await collect(child, {timeoutMs: 300_000})
  console.log(`[liqoctl ${args.slice(0, 2).join(' ')}] exit ${r.code} after ${r.ms} ms`)
  return r
}

async function json(args: string[], context = 'cluster-1'): Promise<Json> {
  const r = await kubectl([...args, '-o', 'json'], context)
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as Json
}

/** Each tutorial pod's virtual node (= cluster) and readiness, read with kubectl. */
async function tutorialPods(): Promise<Array<{name: string; node: string; ready: boolean}>> {
  return placed((await json(['get', 'pods', '-n', NS])).items as Json[])
}

/** Each pod's virtual node (= cluster) and readiness, but for pods being deleted. */
function placed(pods: Json[]): Array<{name: string; node: string; ready: boolean}> {
  return pods
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? '',
      ready: (p.status.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True'),
    }))
}

/** Until node `name` is there and Ready (present) or gone: watched, one list and one watch of the nodes. */
async function untilNode(name: string, present: boolean, what: string, timeoutMs: number): Promise<void> {
  await untilWatched(await admin(), ['/api/v1/nodes'], what, timeoutMs, ([nodes]) => {
    const n = nodes!.find((x) => x.metadata?.name === name)
    if (!present) return !n
    return !!n && (n.status?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True')
  })
}

const tutorialSettled = (pods: Array<{node: string; ready: boolean}>, nodes: string[]) =>
  pods.length === 3 &&
  pods.every((p) => p.ready && nodes.includes(p.node)) &&
  nodes.every((n) => pods.some((p) => p.node === n))

/** liqoctl peer with cluster-3 again after an unpeer, once Liqo has finished tearing the old peering down. */
async function peerCluster3Again(): Promise<void> {
  // liqoctl unpeer returns while Liqo still tears down: the control-plane identity's Secret stays
  // Terminating until the crd-replicator has stopped reflecting towards cluster-3. Peering again
  // before that makes Liqo create a new Renew that the old reflector refuses to stop with, and the
  // new peering never authenticates (ResourceSlice never accepted): wait as an operator must, and
  // if the crd-replicator is still backing off after two minutes, restart it as an operator would
  // (see restartLiqoCrdReplicator; once in CI the Secret outlived a 120 s wait).
  // Watched: one list and one watch of the tenant namespace's Secrets, each change checked as it arrives.
  const secrets = '/api/v1/namespaces/liqo-tenant-cluster-3/secrets'
  const gone = async (what: string) =>
    untilWatched(await admin(), [secrets], what, 120_000, ([items]) =>
      items!.every((x) => x.metadata?.name !== 'kubeconfig-controlplane-cluster-3'),
    )
  const goneInTime = await gone('the old identity Secret of cluster-3 gone').then(
    () => true,
    () => false,
  )
  if (!goneInTime) {
    await restartLiqoCrdReplicator()
    await gone('the old identity Secret of cluster-3 gone after restarting the crd-replicator')
  }

  const peer = await liqoctl([
    'peer',
    '--context',
    'cluster-1',
    '--remote-kubeconfig',
    lab!.kubeconfig,
    '--remote-context',
    'cluster-3',
    '--networking-disabled',
    '--timeout',
    '4m',
  ])
  expect(peer.code, peer.stdout + peer.stderr).toBe(0)
  await untilNode('cluster-3', true, "cluster-3's virtual node Ready again", 120_000)
}

describe.skipIf(!lab)(`lab up --liqo v1.2: Liqo's own controllers${skipNote}`, () => {
  it('kubectl sees both peerings (core.liqo.io), one VirtualNode and one virtual node per peer', async () => {
    const fcs = (await json(['get', 'foreignclusters'])).items as Json[]
    expect(fcs.map((f) => f.metadata.name).sort()).toEqual(['cluster-2', 'cluster-3'])
    for (const fc of fcs) {
      expect(fc.apiVersion).toBe('core.liqo.io/v1beta1')
      expect(fc.status.role).toBe('Provider')
      expect(fc.status.modules.networking.enabled).toBe(false)
      expect(fc.status.modules.offloading.enabled).toBe(true)
      expect(
        (fc.status.modules.offloading.conditions as Json[]).every((c) => ['Established', 'Ready'].includes(c.status)),
        JSON.stringify(fc.status.modules.offloading),
      ).toBe(true)
    }
    const vns = (await json(['get', 'virtualnodes', '-A'])).items as Json[]
    expect(vns.map((v) => `${v.metadata.namespace}/${v.metadata.name}:${v.spec.createNode}`).sort()).toEqual([
      'liqo-tenant-cluster-2/cluster-2:true',
      'liqo-tenant-cluster-3/cluster-3:true',
    ])
    const nodes = (await json(['get', 'nodes', '-l', 'liqo.io/type=virtual-node'])).items as Json[]
    expect(nodes.map((n) => n.metadata.labels['liqo.io/remote-cluster-id']).sort()).toEqual(['cluster-2', 'cluster-3'])
  })

  it("runs Liqo's pods as processes on each cluster's control-plane node, never on kwok's", async () => {
    for (const ctx of ['cluster-1', 'cluster-2', 'cluster-3']) {
      const pods = (await json(['get', 'pods', '-n', 'liqo'], ctx)).items as Json[]
      expect(pods.map((p) => p.metadata.labels['app.kubernetes.io/name']).sort(), ctx).toEqual([
        'controller-manager',
        'crd-replicator',
        'webhook',
      ])
      for (const p of pods) {
        expect(p.spec.nodeName, `${ctx} ${p.metadata.name}`).toBe(`${ctx}-control-plane`)
        expect(p.status.phase).toBe('Running')
        expect(p.status.containerStatuses[0].containerID).toMatch(/^lab:\/\/\d+$/)
      }
    }
    const st = await cli(['lab', 'status', '--dir', lab!.dir, '-o', 'json'])
    const doc = JSON.parse(st.stdout) as Json
    expect(doc).toMatchObject({mode: 'liqo', liqoVersion: 'v1.2.0', status: 'ready'})
    const names = (doc.components as Json[]).filter((c) => c.running).map((c) => c.name)
    for (const n of [
      'cluster-1/liqo-controller-manager',
      'cluster-1/liqo-webhook',
      'cluster-1/vk-cluster-2',
      'cluster-1/vk-cluster-3',
      'cluster-2/kwok',
      'cluster-3/liqo-crd-replicator',
    ])
      expect(names).toContain(n)
  })

  it(
    'lab up --tutorial sets up the tutorial the v1 way: 3 nginx pods Running over both virtual nodes, twins on ' +
      'kwok nodes',
    async () => {
      const up = await cli(['lab', 'up', '--dir', lab!.dir, '--liqo', 'v1.2', '--tutorial'], {timeoutMs: 240_000})
      expect(up.code, up.stderr).toBe(0)
      const nso = await json(['get', 'namespaceoffloadings.offloading.liqo.io', 'offloading', '-n', NS])
      expect(nso.apiVersion).toBe('offloading.liqo.io/v1beta1')
      expect(nso.spec.podOffloadingStrategy).toBe('Remote')
      expect(nso.status.offloadingPhase).toBe('Ready')
      expect(tutorialSettled(await tutorialPods(), ['cluster-2', 'cluster-3'])).toBe(true)
      for (const provider of ['cluster-2', 'cluster-3']) {
        const twins = ((await json(['get', 'pods', '-A', '-l', 'app=liqo-test'], provider)).items as Json[]).filter(
          (p) => !p.metadata.deletionTimestamp,
        )
        expect(twins.length, provider).toBeGreaterThan(0)
        for (const t of twins) {
          expect(t.spec.nodeName).toBe(`${provider}-worker`)
          expect(t.status.phase).toBe('Running')
        }
      }
      // Running it again changes nothing.
      const again = await cli(['lab', 'up', '--dir', lab!.dir, '--liqo', 'v1.2', '--tutorial'], {timeoutMs: 240_000})
      expect(again.code, again.stderr).toBe(0)
      expect((await tutorialPods()).length).toBe(3)
    },
  )

  it('a lab of the other mode is refused while this one runs', async () => {
    const r = await cli(['lab', 'up', '--dir', lab!.dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/a Liqo v1\.2 lab is already running/)
  })

  it(
    "createNode: false makes Liqo drain and delete cluster-3's node; all 3 pods end Running on cluster-2; true " +
      'brings it back Ready',
    async () => {
      const patch = (v: boolean) =>
        kubectl([
          'patch',
          'virtualnode',
          'cluster-3',
          '-n',
          'liqo-tenant-cluster-3',
          '--type',
          'merge',
          '-p',
          JSON.stringify({spec: {createNode: v}}),
        ])
      // createNode back to true and the node Ready whatever happens: the tests after this one need cluster-3.
      try {
        let started = Date.now()
        expect((await patch(false)).code).toBe(0)
        // Up to 3 minutes: 60 s ran out once in CI after the other suites had toggled cluster-3 many
        // times (Liqo v1.2's virtual kubelet backs off failed remote deletions; see both/faults).
        // Watched (one list and one watch of the pods), each change checked as it arrives; kubectl then
        // reads the pods once, as before.
        let seen: ReturnType<typeof placed> = []
        await untilWatched(
          await admin(),
          [`/api/v1/namespaces/${NS}/pods`],
          'all 3 pods Running on cluster-2',
          180_000,
          ([pods]) => tutorialSettled((seen = placed(pods!)), ['cluster-2']),
        ).catch((e: Error) => {
          throw new Error(`${e.message}; pods last seen: ${JSON.stringify(seen)}`)
        })
        const movedMs = Date.now() - started
        expect(tutorialSettled(await tutorialPods(), ['cluster-2'])).toBe(true)
        await untilNode('cluster-3', false, "cluster-3's virtual node deleted", 60_000)
        const goneMs = Date.now() - started
        expect((await kubectl(['get', 'node', 'cluster-3'])).code).not.toBe(0)
        const vn = await json(['get', 'virtualnode', 'cluster-3', '-n', 'liqo-tenant-cluster-3'])
        expect(vn.spec.createNode).toBe(false)
        started = Date.now()
        expect((await patch(true)).code).toBe(0)
        await untilNode('cluster-3', true, "cluster-3's virtual node back and Ready", 120_000)
        const backMs = Date.now() - started
        const back = await json(['get', 'node', 'cluster-3'])
        expect((back.status.conditions as Json[]).some((c) => c.type === 'Ready' && c.status === 'True')).toBe(true)
        console.log(
          `[v1 dynamic topology] createNode=false: pods Running on cluster-2 after ${movedMs} ms, node deleted ` +
            `after ${goneMs} ms; createNode=true: node Ready after ${backMs} ms`,
        )
        // Resuming moves nothing back.
        expect((await tutorialPods()).every((p) => p.node === 'cluster-2')).toBe(true)
      } finally {
        await restoreOffloading()
      }
    },
    420_000,
  )

  it("lab stop/start works for Liqo's components and for an API server", async () => {
    // Whatever this test stopped runs again afterwards, even if it fails half-way.
    try {
      // Files that run before this one may have restarted it already (restartLiqoControllerManager).
      const before = (await json(['get', 'pods', '-n', 'liqo', '-l', 'app.kubernetes.io/name=controller-manager']))
        .items[0].status.containerStatuses[0].restartCount as number
      const stop = await cli(['lab', 'stop', '--dir', lab!.dir, 'cluster-1/liqo-controller-manager'])
      expect(stop.code, stop.stderr).toBe(0)
      const notReady = await json(['get', 'pods', '-n', 'liqo', '-l', 'app.kubernetes.io/name=controller-manager'])
      expect(notReady.items[0].status.containerStatuses[0]).toMatchObject({
        ready: false,
        state: {waiting: {reason: 'LabStopped'}},
      })
      const st = JSON.parse((await cli(['lab', 'status', '--dir', lab!.dir, '-o', 'json'])).stdout) as Json
      expect((st.components as Json[]).find((c) => c.name === 'cluster-1/liqo-controller-manager')?.running).toBe(false)
      const start = await cli(['lab', 'start', '--dir', lab!.dir, 'cluster-1/liqo-controller-manager'])
      expect(start.code, start.stderr).toBe(0)
      const ready = await json(['get', 'pods', '-n', 'liqo', '-l', 'app.kubernetes.io/name=controller-manager'])
      expect(ready.items[0].status.containerStatuses[0]).toMatchObject({ready: true, restartCount: before + 1})

      expect((await cli(['lab', 'stop', '--dir', lab!.dir, 'cluster-3/kube-apiserver'])).code).toBe(0)
      const down = await kubectl(['get', 'nodes'], 'cluster-3')
      expect(down.code).not.toBe(0)
      expect(down.stderr).toMatch(/refused/)
      expect((await cli(['lab', 'start', '--dir', lab!.dir, 'cluster-3/kube-apiserver'])).code).toBe(0)
      expect((await kubectl(['get', 'nodes'], 'cluster-3')).code).toBe(0)
      // Whole again before the next test: the outage took Liqo's endpoints away (clusterWhole).
      await clusterWhole('cluster-3')
    } finally {
      await startIfStopped('cluster-1/liqo-controller-manager')
      await startApiServer('cluster-3')
    }
    const unknown = await cli(['lab', 'stop', '--dir', lab!.dir, 'cluster-9/nothing'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/no lab component named cluster-9\/nothing/)
  })

  it('liqoctl info shows the peerings; liqoctl unpeer tears one down; liqoctl peer restores it', async () => {
    const info = await liqoctl(['info', '--context', 'cluster-1'])
    expect(info.code, info.stderr).toBe(0)
    expect(info.stdout).toMatch(/Liqo is healthy/)
    expect(info.stdout).toMatch(
      /cluster-2[\s\S]*Offloading status:\s+Healthy[\s\S]*cluster-3[\s\S]*Offloading status:\s+Healthy/,
    )

    // Peered again whatever happens: the files after this one need cluster-3.
    let peered = false
    try {
      // Nothing may run on cluster-3 for the unpeer to be quick: the previous test moved it all.
      const unpeer = await liqoctl([
        'unpeer',
        '--context',
        'cluster-1',
        '--remote-kubeconfig',
        lab!.kubeconfig,
        '--remote-context',
        'cluster-3',
        '--timeout',
        '3m',
      ])
      expect(unpeer.code, unpeer.stdout + unpeer.stderr).toBe(0)
      expect((await kubectl(['get', 'virtualnodes', '-A', '-o', 'name'])).stdout).not.toMatch(/cluster-3/)
      expect((await kubectl(['get', 'node', 'cluster-3'])).code).not.toBe(0)
      const after = await liqoctl(['info', '--context', 'cluster-1'])
      expect(after.stdout).not.toMatch(/cluster-3[\s\S]*Offloading status:\s+Healthy/)
      await peerCluster3Again()
      peered = true
    } finally {
      if (!peered) await peerCluster3Again()
    }
    expect(labState().mode).toBe('liqo')
  }, 600_000)
})
