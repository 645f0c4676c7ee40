import {describe, expect, it} from 'vitest'

import {offloadingTerms} from '@liqo-topology/lab/emulator/webhook'
import type {OffloadingRule} from '../../src/model/scheduling.js'
import type {KubeEvent} from '../../src/model/types.js'
import {checkAgainstScheduler, clusterVerdicts} from '../../src/model/why.js'
import {podsWhyDocument, renderPodsWhy} from '../../src/render/pods-why.js'
import type {PodsWhyResult, PodWhy} from '../../src/services/pods-why.js'
import {aForeignCluster, aNode, aPod, aScheduling, ago, aVirtualNode, NOW, VIRTUAL_TOLERATION} from './fixtures.js'

const rule: OffloadingRule = {
  ref: 'shop/offloading',
  podStrategy: 'Remote',
  clusterSelector: {
    nodeSelectorTerms: [
      {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['id-cluster-2']}]},
    ],
  },
}
const scheduling = aScheduling({
  tolerations: [VIRTUAL_TOLERATION],
  requiredTerms: offloadingTerms(rule)!,
  requests: {cpuMilli: 250, memoryBytes: 64 * 2 ** 20, pods: 1},
})
const allocatable = {cpuMilli: 8000, memoryBytes: 32 * 2 ** 30, pods: 250}
const nodes = [
  aNode({name: 'worker', allocatable}),
  aVirtualNode('liqo-2', 'id-cluster-2', {allocatable}),
  aVirtualNode('liqo-3', 'id-cluster-3', {allocatable, unschedulable: true}),
]
const fcs = [
  aForeignCluster({name: 'cluster-2', clusterName: 'cluster-2'}),
  aForeignCluster({name: 'cluster-3', clusterName: 'cluster-3'}),
]

function result(pods: PodWhy[]): PodsWhyResult {
  return {namespace: 'shop', context: 'cluster-1', liqo: 'v0', offloading: rule, pods, warnings: []}
}

describe('pods why renderers', () => {
  const running = aPod({name: 'web-1', namespace: 'shop', nodeName: 'liqo-2', scheduling})
  const runningWhy: PodWhy = {
    namespace: 'shop',
    name: 'web-1',
    status: 'Running',
    cluster: {kind: 'remote', name: 'cluster-2', id: 'id-cluster-2', foreignCluster: 'cluster-2'},
    node: 'liqo-2',
    scheduling,
    clusters: clusterVerdicts(running, {nodes, fcs, offloading: rule, podsOnNode: () => [running]}),
  }

  it('table: the pod, its offloading and constraints, then a row per cluster with its first reason', () => {
    expect(renderPodsWhy(result([runningWhy]), {wide: false, now: NOW})).toBe(
      [
        'Pod:            shop/web-1',
        'Status:         Running on cluster-2 (node liqo-2)',
        'Offloading:     podOffloadingStrategy Remote, clusterSelector liqo.io/remote-cluster-id In ' +
          '[id-cluster-2] (NamespaceOffloading shop/offloading)',
        'Node selector:  <none>',
        'Node affinity:  liqo.io/remote-cluster-id In [id-cluster-2] AND liqo.io/type In [virtual-node] ' +
          "(required; Liqo's webhook adds the offloading's terms)",
        'Tolerations:    virtual-node.liqo.io/not-allowed:NoExecute op=Exists',
        'Requests:       cpu 250m, memory 64Mi',
        'CLUSTER     FITS   REASON',
        'local       no     podOffloadingStrategy Remote (NamespaceOffloading shop/offloading): its pods run ' +
          'on remote clusters only',
        'cluster-2   here   it runs here',
        'cluster-3   no     not selected by the clusterSelector of NamespaceOffloading shop/offloading ' +
          '(liqo.io/remote-cluster-id In [id-cluster-2])',
        '',
      ].join('\n'),
    )
  })

  it('wide: a row per node with readiness, cordon, taints and room', () => {
    const text = renderPodsWhy(result([runningWhy]), {wide: true, now: NOW})
    expect(text).toMatch(/^CLUSTER +NODE +FITS +READY +CORDONED +TAINTS +ROOM +REASON$/m)
    expect(text).toMatch(
      // eslint-disable-next-line max-len -- a regex literal cannot be split
      /^cluster-2 +liqo-2 +here +True +no +virtual-node\.liqo\.io\/not-allowed=true:NoExecute +cpu 8, memory 32Gi, pods 250 +it runs here$/m,
    )
    // The node's own first reason, in the scheduler's order: the cordon comes before the clusterSelector.
    expect(text).toMatch(/^cluster-3 +liqo-3 +no +True +yes +.* the node is cordoned \(unschedulable\)$/m)
  })

  it("a Pending pod: the scheduler's event and whether we agree; json names each cluster's cause", () => {
    const pending = aPod({
      name: 'web-2',
      namespace: 'shop',
      uid: 'uid-web-2',
      phase: 'Pending',
      status: 'Pending',
      scheduling,
    })
    const clusters = clusterVerdicts(pending, {nodes, fcs, offloading: rule, podsOnNode: () => []})
    const event: KubeEvent = {
      namespace: 'shop',
      name: 'web-2.1',
      type: 'Warning',
      reason: 'FailedScheduling',
      message:
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were " +
        'unschedulable, 1 Insufficient cpu.',
      involvedUid: 'uid-web-2',
      involvedName: 'web-2',
      count: 3,
      lastSeen: ago(20),
    }
    const why: PodWhy = {
      namespace: 'shop',
      name: 'web-2',
      status: 'Pending',
      cluster: {kind: 'unscheduled', name: '<none>'},
      scheduling,
      clusters,
      scheduler: checkAgainstScheduler(clusters, event),
    }
    const text = renderPodsWhy(result([why]), {wide: false, now: NOW})
    expect(text).toMatch(/^Status: +Pending, not scheduled$/m)
    expect(text).toMatch(/^cluster-2 +yes +a pod like it fits here$/m)
    expect(text).toMatch(/^Scheduler: +FailedScheduling 20s ago \(x3\): 0\/3 nodes are available: /m)
    expect(text).toMatch(/^Our reasoning: +DISAGREES: we find room on cluster-2, the scheduler found none/m)
    const doc = podsWhyDocument(result([why])) as {
      kind: string
      items: Array<{clusters: Array<{name: string; cause: string | null}>; scheduler: {agreement: string}}>
    }
    expect(doc.kind).toBe('PodsWhy')
    expect(doc.items[0]!.clusters.map((c) => [c.name, c.cause])).toEqual([
      ['local', 'strategy'],
      ['cluster-2', null],
      ['cluster-3', 'cluster-selector'],
    ])
    expect(doc.items[0]!.scheduler.agreement).toBe('disagrees')
  })
})
