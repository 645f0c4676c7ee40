import {describe, expect, it} from 'vitest'

import type {KubeClient} from '../../src/k8s/client.js'
import type {Reflector} from '../../src/k8s/reflector.js'
import {namespaceSources, reflectorsOf, snapshotOf, type ClusterSources} from '../../src/wait/sources.js'

const client = {} as KubeClient
const policy = {}
const opts = (r: Reflector<unknown>) =>
  (r as unknown as {opts: {fieldSelector?: string; filter?: (raw: unknown) => boolean}}).opts

describe('convergence sources: one watch per kind, whatever the number of namespaces', () => {
  it('one namespace: watched there, the namespace by name', () => {
    const s = namespaceSources(client, ['liqo-test'], policy)!
    expect([s.pods, s.deployments, s.replicasets, s.statefulsets].map((r) => r.path)).toEqual([
      '/api/v1/namespaces/liqo-test/pods',
      '/apis/apps/v1/namespaces/liqo-test/deployments',
      '/apis/apps/v1/namespaces/liqo-test/replicasets',
      '/apis/apps/v1/namespaces/liqo-test/statefulsets',
    ])
    expect(s.ns.path).toBe('/api/v1/namespaces')
    expect(opts(s.ns).fieldSelector).toBe('metadata.name=liqo-test')
    expect(opts(s.pods).filter).toBeUndefined()
  })

  it('25 namespaces: five watches across the cluster, kept to those namespaces', () => {
    const names = Array.from({length: 25}, (_, i) => `ns-${i}`)
    const s = namespaceSources(client, names, policy)!
    const cluster = {
      nodes: {path: '/api/v1/nodes'},
      peerings: {reflectors: [{path: '/apis/discovery.liqo.io/v1alpha1/foreignclusters'}]},
    } as unknown as ClusterSources
    const paths = reflectorsOf(s, cluster).map((r) => r.path)
    expect(paths).toEqual([
      '/api/v1/nodes',
      '/apis/discovery.liqo.io/v1alpha1/foreignclusters',
      '/api/v1/pods',
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/replicasets',
      '/apis/apps/v1/statefulsets',
      '/api/v1/namespaces',
    ])
    const keepPod = opts(s.pods).filter!
    expect(keepPod({metadata: {namespace: 'ns-7', name: 'p'}})).toBe(true)
    expect(keepPod({metadata: {namespace: 'kube-system', name: 'p'}})).toBe(false)
    const keepNs = opts(s.ns).filter!
    expect(keepNs({metadata: {name: 'ns-24'}})).toBe(true)
    expect(keepNs({metadata: {name: 'default'}})).toBe(false)
    expect(opts(s.ns).fieldSelector).toBeUndefined()
  })

  it('no namespace: no namespace sources', () => {
    expect(namespaceSources(client, [], policy)).toBeUndefined()
  })

  it('the snapshot gives each namespace its own pods, workloads and existence', () => {
    const s = namespaceSources(client, ['a', 'b'], policy)!
    s.pods.store.set('a/p1', {namespace: 'a', name: 'p1'} as never)
    s.pods.store.set('b/p2', {namespace: 'b', name: 'p2'} as never)
    s.deployments.store.set('b/d', {namespace: 'b', name: 'd', kind: 'Deployment'} as never)
    s.ns.store.set('a', {name: 'a'} as never)
    s.ns.store.set('b', {name: 'b', deletionTimestamp: '2026-01-01T00:00:00Z'} as never)
    const cluster = {nodes: {store: new Map()}, peerings: {current: () => []}} as unknown as ClusterSources
    const snap = snapshotOf(s, cluster)
    expect(
      snap.namespaces.map((n) => [n.namespace, n.exists, n.pods.map((p) => p.name), n.workloads.map((w) => w.name)]),
    ).toEqual([
      ['a', true, ['p1'], []],
      ['b', false, ['p2'], ['d']],
    ])
  })
})
