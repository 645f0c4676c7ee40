import {describe, expect, it} from 'vitest'

import {requestsOf, toEvent} from '../../src/k8s/map.js'
import {offloadingTerms} from '@liqo-topology/lab/emulator/webhook'
import {bytes, cpuMilli, formatAmounts, insufficient, parseQuantity, room} from '../../src/model/resources.js'
import {describeTerms, explainFit, offloadingAllows, type OffloadingRule} from '../../src/model/scheduling.js'
import type {KubeEvent, NodeSelectorTerm} from '../../src/model/types.js'
import {checkAgainstScheduler, clusterVerdicts, parseFailedScheduling} from '../../src/model/why.js'
import {aForeignCluster, aNode, aPod, aScheduling, ago, aVirtualNode, VIRTUAL_TOLERATION} from './fixtures.js'

const only2: NodeSelectorTerm[] = [
  {matchExpressions: [{key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['id-cluster-2']}]},
]
const remoteOnly2: OffloadingRule = {
  ref: 'shop/offloading',
  podStrategy: 'Remote',
  clusterSelector: {nodeSelectorTerms: only2},
}
/** A pod's scheduling as Liqo's webhook leaves it for a NamespaceOffloading (the emulator's model of it). */
const mutated = (rule: OffloadingRule) =>
  aScheduling({
    tolerations: rule.podStrategy === 'Local' ? [] : [VIRTUAL_TOLERATION],
    requiredTerms: offloadingTerms(rule) ?? [],
  })
const local = aNode({name: 'worker', allocatable: {cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, pods: 110}})
const v2 = aVirtualNode('liqo-2', 'id-cluster-2', {allocatable: {cpuMilli: 8000, memoryBytes: 32 * 2 ** 30, pods: 250}})
const v3 = aVirtualNode('liqo-3', 'id-cluster-3', {allocatable: {cpuMilli: 8000, memoryBytes: 32 * 2 ** 30, pods: 250}})
const fcs = [
  aForeignCluster({name: 'cluster-2', clusterName: 'cluster-2'}),
  aForeignCluster({name: 'cluster-3', clusterName: 'cluster-3'}),
]

function anEvent(message: string, e: Partial<KubeEvent> = {}): KubeEvent {
  return {
    namespace: 'shop',
    name: 'web.1',
    type: 'Warning',
    reason: 'FailedScheduling',
    message,
    involvedUid: 'uid-web',
    involvedName: 'web',
    count: 1,
    lastSeen: ago(10),
    ...e,
  }
}

describe('quantities and room', () => {
  it.each([
    ['100m', 0.1],
    ['2', 2],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['128Mi', 128 * 2 ** 20],
    ['1k', 1000],
    ['2e3', 2000],
    ['1M', 1e6],
  ])('parses %s', (q, v) => expect(parseQuantity(q)).toBeCloseTo(v))

  it('rejects what is not a quantity', () => expect(parseQuantity('12 apples')).toBeNaN())

  it('counts CPU in millicores (rounded up) and memory in bytes', () => {
    expect(cpuMilli('250m')).toBe(250)
    expect(cpuMilli('0.0005')).toBe(1)
    expect(bytes('1Ki')).toBe(1024)
  })

  it("sums a pod's requests as the scheduler: containers, or the largest init container, plus overhead", () => {
    const spec = {
      containers: [{resources: {requests: {cpu: '100m', memory: '64Mi'}}}, {resources: {requests: {cpu: '200m'}}}],
      initContainers: [{resources: {requests: {cpu: '500m', memory: '32Mi'}}}],
      overhead: {cpu: '10m'},
    }
    expect(requestsOf(spec)).toEqual({cpuMilli: 510, memoryBytes: 64 * 2 ** 20, pods: 1})
  })

  it('room is allocatable minus the pods bound to the node; NodeResourcesFit names what is short', () => {
    const big = aPod({
      name: 'big',
      scheduling: aScheduling({requests: {cpuMilli: 3500, memoryBytes: 2 ** 30, pods: 1}}),
    })
    const free = room({cpuMilli: 4000, memoryBytes: 8 * 2 ** 30, pods: 2}, [big])
    expect(free).toEqual({cpuMilli: 500, memoryBytes: 7 * 2 ** 30, pods: 1})
    expect(insufficient({cpuMilli: 1000, memoryBytes: 0, pods: 1}, free)).toEqual(['Insufficient cpu'])
    expect(insufficient({cpuMilli: 0, memoryBytes: 0, pods: 1}, {...free, pods: 0})).toEqual(['Too many pods'])
    expect(formatAmounts(free)).toBe('cpu 500m, memory 7Gi, pods 1')
  })
})

describe('offloadingAllows', () => {
  it('Local keeps pods off virtual nodes, Remote off local nodes', () => {
    expect(offloadingAllows({ref: 'a/offloading', podStrategy: 'Local'}, v2)).toMatchObject({
      allowed: false,
      cause: 'strategy',
    })
    expect(offloadingAllows({ref: 'a/offloading', podStrategy: 'Remote'}, local)).toMatchObject({
      allowed: false,
      cause: 'strategy',
    })
    expect(offloadingAllows({ref: 'a/offloading', podStrategy: 'LocalAndRemote'}, local)).toEqual({allowed: true})
  })

  it('a virtual node must match the clusterSelector, named in the reason', () => {
    expect(offloadingAllows(remoteOnly2, v2)).toEqual({allowed: true})
    expect(offloadingAllows(remoteOnly2, v3)).toEqual({
      allowed: false,
      cause: 'cluster-selector',
      reason:
        'not selected by the clusterSelector of NamespaceOffloading shop/offloading ' +
        '(liqo.io/remote-cluster-id In [id-cluster-2])',
    })
  })

  it('a namespace without NamespaceOffloading keeps its pods local', () => {
    expect(offloadingAllows(undefined, v2)).toMatchObject({allowed: false, cause: 'strategy'})
    expect(offloadingAllows(undefined, local)).toEqual({allowed: true})
  })
})

describe('explainFit', () => {
  it("attributes an affinity failure to the offloading's rule that Liqo's webhook put there", () => {
    const s = mutated(remoteOnly2)
    expect(explainFit(s, v3, {offloading: remoteOnly2})).toMatchObject({
      fits: false,
      cause: 'cluster-selector',
      scheduler: ["node(s) didn't match Pod's node affinity/selector"],
    })
    expect(explainFit(s, local, {offloading: remoteOnly2})).toMatchObject({
      fits: false,
      cause: 'strategy',
      reason: expect.stringMatching(/^podOffloadingStrategy Remote/),
    })
    expect(explainFit(s, v2, {offloading: remoteOnly2})).toEqual({fits: true, scheduler: []})
  })

  it("Local: the virtual node's taint, because the strategy adds no toleration", () => {
    const rule = {ref: 'a/offloading', podStrategy: 'Local'}
    expect(explainFit(mutated(rule), v2, {offloading: rule})).toMatchObject({
      cause: 'strategy',
      reason: expect.stringMatching(
        /^untolerated taint virtual-node\.liqo\.io\/not-allowed=true:NoExecute: podOffloadingStrategy Local/,
      ),
      scheduler: ['node(s) had untolerated taint {virtual-node.liqo.io/not-allowed: true}'],
    })
  })

  it("stops at the first failing filter, in the scheduler's order: cordon, taints, affinity, resources", () => {
    const s = mutated(remoteOnly2)
    const cordonedOff = {...v3, unschedulable: true}
    expect(explainFit(s, cordonedOff, {offloading: remoteOnly2})).toMatchObject({
      cause: 'cordoned',
      scheduler: ['node(s) were unschedulable'],
    })
    const tainted = {...v3, taints: [...v3.taints, {key: 'maintenance', effect: 'NoSchedule'}]}
    expect(explainFit(s, tainted, {offloading: remoteOnly2})).toMatchObject({
      cause: 'taint',
      reason: 'untolerated taint maintenance:NoSchedule',
    })
    const notReady = {
      ...v2,
      ready: false,
      taints: [...v2.taints, {key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}],
    }
    expect(explainFit(s, notReady, {offloading: remoteOnly2}).reason).toBe(
      'untolerated taint node.kubernetes.io/not-ready:NoSchedule (the node is not Ready)',
    )
    const hungry = {...s, requests: {cpuMilli: 9000, memoryBytes: 0, pods: 1}}
    expect(explainFit(hungry, v2, {offloading: remoteOnly2, free: v2.allocatable!})).toMatchObject({
      cause: 'resources',
      scheduler: ['Insufficient cpu'],
    })
  })

  it("names the pod's own nodeSelector and affinity when the offloading allows the node", () => {
    const s = {...mutated(remoteOnly2), nodeSelector: {disk: 'ssd'}}
    expect(explainFit(s, v2, {offloading: remoteOnly2})).toMatchObject({
      cause: 'node-selector',
      reason: "the pod's nodeSelector disk=ssd does not match",
    })
    const own = aScheduling({
      tolerations: [VIRTUAL_TOLERATION],
      requiredTerms: [{matchExpressions: [{key: 'zone', operator: 'In', values: ['a']}]}],
    })
    expect(explainFit(own, v2, {offloading: {ref: 'a/offloading', podStrategy: 'Remote'}})).toMatchObject({
      cause: 'node-affinity',
      reason: "the pod's required node affinity does not match (zone In [a])",
    })
  })

  it('describes terms: requirements ANDed, terms ORed', () => {
    const terms: NodeSelectorTerm[] = [
      {
        matchExpressions: [
          {key: 'a', operator: 'In', values: ['1', '2']},
          {key: 'b', operator: 'Exists'},
        ],
      },
      {matchExpressions: [{key: 'c', operator: 'DoesNotExist'}]},
    ]
    expect(describeTerms(terms)).toBe('(a In [1, 2] AND b Exists) OR (c DoesNotExist)')
  })
})

describe('clusterVerdicts', () => {
  it(
    'every cluster with its first reason; a peering without virtual node says why; room leaves the pod itself ' + 'out',
    () => {
      const pod = aPod({
        name: 'web',
        nodeName: 'liqo-2',
        scheduling: {...mutated(remoteOnly2), requests: {cpuMilli: 1000, memoryBytes: 0, pods: 1}},
      })
      const other = aPod({
        name: 'other',
        nodeName: 'liqo-2',
        scheduling: aScheduling({requests: {cpuMilli: 500, memoryBytes: 0, pods: 1}}),
      })
      const off = aForeignCluster({
        name: 'cluster-4',
        clusterName: 'cluster-4',
        outgoingEnabled: 'No',
        outgoingPhase: 'None',
      })
      const verdicts = clusterVerdicts(pod, {
        nodes: [local, v2, v3],
        fcs: [...fcs, off],
        offloading: remoteOnly2,
        podsOnNode: (n) => (n === 'liqo-2' ? [pod, other] : []),
      })
      expect(verdicts.map((v) => [v.cluster.name, v.here, v.fits, v.cause ?? null])).toEqual([
        ['local', false, false, 'strategy'],
        ['cluster-2', true, true, null],
        ['cluster-3', false, false, 'cluster-selector'],
        ['cluster-4', false, false, 'no-node'],
      ])
      expect(verdicts[1]!.nodes[0]!.room).toEqual({cpuMilli: 7500, memoryBytes: 32 * 2 ** 30, pods: 249})
      expect(verdicts[3]!.reason).toBe('no virtual node: offloading to cluster-4 is disabled')
    },
  )
})

describe('a cluster whose nodes fail different filters', () => {
  it("names the offloading's rule when it keeps every node out; each node keeps the scheduler's first reason", () => {
    const controlPlane = aNode({
      name: 'cp',
      taints: [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}],
    })
    const pod = aPod({name: 'web', phase: 'Pending', status: 'Pending', scheduling: mutated(remoteOnly2)})
    const [localVerdict] = clusterVerdicts(pod, {
      nodes: [controlPlane, local],
      fcs,
      offloading: remoteOnly2,
      podsOnNode: () => [],
    })
    expect(localVerdict).toMatchObject({
      cause: 'strategy',
      reason: expect.stringMatching(/^podOffloadingStrategy Remote/),
    })
    expect(localVerdict!.nodes.map((n) => [n.node, n.cause, n.reason])).toEqual([
      ['cp', 'taint', 'untolerated taint node-role.kubernetes.io/control-plane:NoSchedule'],
      [
        'worker',
        'strategy',
        'podOffloadingStrategy Remote (NamespaceOffloading shop/offloading): its pods run on remote clusters only',
      ],
    ])
    const event = anEvent(
      "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had " +
        'untolerated taint {node-role.kubernetes.io/control-plane: }.',
    )
    expect(
      checkAgainstScheduler(
        clusterVerdicts(pod, {nodes: [controlPlane, local], fcs: [], offloading: remoteOnly2, podsOnNode: () => []}),
        event,
      ),
    ).toMatchObject({agreement: 'agrees'})
  })
})

describe('the scheduler FailedScheduling event', () => {
  it('reads counts per reason, without the preemption part', () => {
    const msg =
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) were " +
      'unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.'
    expect(parseFailedScheduling(msg)).toEqual({
      total: 3,
      reasons: {"didn't match node affinity/selector": 1, unschedulable: 2},
    })
    expect(parseFailedScheduling('0/2 nodes are available: 2 node(s) had untolerated taint {a: b}.')).toEqual({
      total: 2,
      reasons: {'untolerated taint': 2},
    })
    expect(parseFailedScheduling('no nodes available to schedule pods')).toEqual({total: 0, reasons: {}})
    // kube-scheduler 1.36, with dynamic resource allocation between the reasons and preemption.
    const v136 =
      '0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. no new ' +
      'claims to deallocate, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.'
    expect(parseFailedScheduling(v136)).toEqual({total: 2, reasons: {'untolerated taint': 1, unschedulable: 1}})
    expect(parseFailedScheduling('running PreBind plugin "VolumeBinding": timed out')).toBeUndefined()
  })

  const pending = aPod({
    name: 'web',
    uid: 'uid-web',
    phase: 'Pending',
    status: 'Pending',
    scheduling: mutated({ref: 'shop/offloading', podStrategy: 'Remote'}),
  })
  const allOff = fcs.map((f) => ({...f, outgoingEnabled: 'No', outgoingPhase: 'None'}))
  const rule = {ref: 'shop/offloading', podStrategy: 'Remote'}

  it('agrees when the reasons for the nodes there are match, also when nodes it counted are gone since', () => {
    const verdicts = clusterVerdicts(pending, {nodes: [local], fcs: allOff, offloading: rule, podsOnNode: () => []})
    expect(verdicts.map((v) => v.reason)).toEqual([
      'podOffloadingStrategy Remote (NamespaceOffloading shop/offloading): its pods run on remote clusters only',
      'no virtual node: offloading to cluster-2 is disabled',
      'no virtual node: offloading to cluster-3 is disabled',
    ])
    expect(
      checkAgainstScheduler(
        verdicts,
        anEvent("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."),
      ),
    ).toMatchObject({agreement: 'agrees'})
    const before = anEvent(
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable.",
    )
    expect(checkAgainstScheduler(verdicts, before)).toMatchObject({
      agreement: 'agrees',
      detail: expect.stringMatching(/2 node\(s\) it counted are gone since$/),
    })
  })

  it('disagrees when the reasons differ, or when we find room the scheduler did not', () => {
    const verdicts = clusterVerdicts(pending, {nodes: [local], fcs: allOff, offloading: rule, podsOnNode: () => []})
    expect(checkAgainstScheduler(verdicts, anEvent('0/1 nodes are available: 1 Insufficient cpu.'))).toMatchObject({
      agreement: 'disagrees',
    })
    const withV2 = clusterVerdicts(pending, {nodes: [local, v2], fcs, offloading: rule, podsOnNode: () => []})
    expect(
      checkAgainstScheduler(
        withV2,
        anEvent("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."),
      ),
    ).toMatchObject({
      agreement: 'disagrees',
      detail: expect.stringMatching(/^we find room on cluster-2/),
    })
  })

  it('is stale when nodes appeared since the scheduler tried', () => {
    const verdicts = clusterVerdicts(pending, {
      nodes: [local, {...v2, unschedulable: true}],
      fcs,
      offloading: rule,
      podsOnNode: () => [],
    })
    expect(
      checkAgainstScheduler(
        verdicts,
        anEvent("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."),
      ),
    ).toMatchObject({agreement: 'stale'})
  })

  it('maps a core/v1 Event, its series first', () => {
    const e = toEvent({
      metadata: {namespace: 'shop', name: 'web.1', creationTimestamp: ago(60)},
      type: 'Warning',
      reason: 'FailedScheduling',
      message: 'm',
      involvedObject: {uid: 'u', name: 'web'},
      series: {count: 4, lastObservedTime: ago(5)},
    })
    expect(e).toMatchObject({count: 4, lastSeen: ago(5), involvedUid: 'u'})
  })
})
