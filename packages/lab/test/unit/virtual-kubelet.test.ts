import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import type {Reflector} from 'liqo-topology/k8s/reflector'
import type {Node} from 'liqo-topology/model/types'
import type {EmulatedNode} from '../../src/emulator/kubelet.js'
import {IpPool, type EmuCluster} from '../../src/emulator/model.js'
import {STATUS_SYNC_MS, VirtualKubelet, type PodEntry} from '../../src/emulator/virtual-kubelet.js'

/** A worker node whose client records the pod status patches it is sent (the pod store is ours). */
function setup() {
  const patches: Array<{path: string; body: Json}> = []
  const client = {
    patch: async (path: string, body: Json) => {
      patches.push({path, body})
      return {}
    },
  } as unknown as KubeClient
  const node: EmulatedNode = {name: 'worker', client, kind: 'worker', ips: new IpPool('10.244')}
  const store = new Map<string, PodEntry>()
  const nodeStore = new Map<string, Partial<Node>>([['worker', {name: 'worker', ready: true}]])
  const kubelet = new VirtualKubelet({
    home: {name: 'cluster-1', client} as EmuCluster,
    nodes: new Map([['worker', node]]),
    homePods: {store} as unknown as Reflector<PodEntry>,
    homeNodes: {store: nodeStore} as unknown as Reflector<Node>,
    remotePods: new Map(),
    signal: new AbortController().signal,
    log: () => {},
    remoteNamespaceOf: () => undefined,
  })
  const pod = (phase: string | undefined, ready?: 'True' | 'False'): PodEntry => ({
    metadata: {name: 'p', namespace: 'ns', uid: 'u1'},
    spec: {nodeName: 'worker', containers: [{name: 'c', image: 'nginx'}]},
    status: {
      phase,
      conditions: [{type: 'PodScheduled', status: 'True'}, ...(ready ? [{type: 'Ready', status: ready}] : [])],
    },
  })
  return {kubelet, store, patches, pod, node, nodeStore}
}

const readyOf = (body: Json) => (body.status.conditions as Json[]).find((c) => c.type === 'Ready')?.status

describe('the emulated kubelet keeps a started pod Ready', () => {
  beforeEach(() => vi.useFakeTimers({toFake: ['Date']}))
  afterEach(() => vi.useRealTimers())

  it(
    'starts a pod once, then writes Ready back a status sync period after another writer turned it ' + 'False',
    async () => {
      const {kubelet, store, patches, pod} = setup()
      store.set('ns/p', pod(undefined))
      await kubelet.reconcileHomePod('ns/p')
      expect(patches).toHaveLength(1)
      expect(patches[0]!.body.status.phase).toBe('Running')
      expect(readyOf(patches[0]!.body)).toBe('True')

      // The node lifecycle controller marks it not Ready: nothing is written before the sync period.
      store.set('ns/p', pod('Running', 'False'))
      expect(await kubelet.reconcileHomePod('ns/p')).toEqual({requeueAfterMs: STATUS_SYNC_MS})
      vi.advanceTimersByTime(STATUS_SYNC_MS / 2)
      expect(await kubelet.reconcileHomePod('ns/p')).toEqual({requeueAfterMs: STATUS_SYNC_MS / 2})
      expect(patches).toHaveLength(1)

      vi.advanceTimersByTime(STATUS_SYNC_MS / 2)
      expect(await kubelet.reconcileHomePod('ns/p')).toBeUndefined()
      expect(patches).toHaveLength(2)
      expect(patches[1]!.path).toBe('/api/v1/namespaces/ns/pods/p/status')
      expect(patches[1]!.body).toMatchObject({metadata: {uid: 'u1'}, status: {phase: 'Running'}})
      expect(readyOf(patches[1]!.body)).toBe('True')
    },
  )

  it('writes nothing when the pod turns Ready again before the sync period', async () => {
    const {kubelet, store, patches, pod} = setup()
    store.set('ns/p', pod(undefined))
    await kubelet.reconcileHomePod('ns/p')
    store.set('ns/p', pod('Running', 'False'))
    await kubelet.reconcileHomePod('ns/p')
    store.set('ns/p', pod('Running', 'True'))
    vi.advanceTimersByTime(STATUS_SYNC_MS)
    expect(await kubelet.reconcileHomePod('ns/p')).toBeUndefined()
    expect(patches).toHaveLength(1)
  })

  it('leaves a pod in a terminal phase as it is', async () => {
    const {kubelet, store, patches, pod} = setup()
    store.set('ns/p', pod(undefined))
    await kubelet.reconcileHomePod('ns/p')
    store.set('ns/p', pod('Failed', 'False'))
    vi.advanceTimersByTime(STATUS_SYNC_MS)
    expect(await kubelet.reconcileHomePod('ns/p')).toBeUndefined()
    expect(patches).toHaveLength(1)
  })
})

describe("the emulated kubelet's node heartbeat", () => {
  const statusPatches = (patches: Array<{path: string; body: Json}>) =>
    patches.filter((p) => p.path === '/api/v1/nodes/worker/status')

  it('renews the Lease and posts nothing while the API server has the node Ready', async () => {
    const {kubelet, patches} = setup()
    await kubelet.beat()
    expect(patches.map((p) => p.path)).toEqual([
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker',
    ])
  })

  it('posts Ready again once the node controller has marked the node Unknown (after an outage)', async () => {
    const {kubelet, patches, nodeStore} = setup()
    nodeStore.set('worker', {name: 'worker', ready: false})
    await kubelet.beat()
    expect(statusPatches(patches)).toHaveLength(1)
    expect(readyOf(statusPatches(patches)[0]!.body)).toBe('True')
  })

  it('leaves the NotReady of a withdrawal, and a node being deleted, as they are', async () => {
    const {kubelet, patches, node, nodeStore} = setup()
    nodeStore.set('worker', {name: 'worker', ready: false})
    node.withdrawn = true
    await kubelet.beat()
    node.withdrawn = false
    nodeStore.set('worker', {name: 'worker', ready: false, deletionTimestamp: '2026-12-07T00:00:00Z'})
    await kubelet.beat()
    expect(statusPatches(patches)).toHaveLength(0)
  })
})
