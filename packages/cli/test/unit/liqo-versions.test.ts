import {describe, expect, it} from 'vitest'

import {drainBehaviourOf, releaseRow} from '../../src/liqo/versions.js'
import {needsForce, previewDisable} from '../../src/model/impact.js'
import {planLines} from '../../src/render/peer.js'
import {aForeignCluster, aPod, aVirtualNode} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const turin = aForeignCluster({name: 'fc-turin', clusterId: 'id-turin', clusterName: 'turin'})
const nodes = [aVirtualNode('liqo-milan', 'id-milan'), aVirtualNode('liqo-turin', 'id-turin')]
const pods = [
  aPod({name: 'web-1', nodeName: 'liqo-milan'}),
  aPod({name: 'agent-x', nodeName: 'liqo-milan', owner: {kind: 'DaemonSet', name: 'agent', uid: 'ds-agent'}}),
]

describe('the Liqo v1 releases a drain differs on', () => {
  it('reads the release from the version label: v1.0 and v1.1 evict DaemonSet pods, v1.2 does not', () => {
    expect(drainBehaviourOf('v1.0.1')).toEqual({release: 'Liqo v1.0.1', evictsDaemonSetPods: true})
    expect(drainBehaviourOf('v1.1.2')).toEqual({release: 'Liqo v1.1.2', evictsDaemonSetPods: true})
    expect(drainBehaviourOf('v1.2.0')).toEqual({release: 'Liqo v1.2.0', evictsDaemonSetPods: false})
    expect(drainBehaviourOf('1.3.0')).toEqual({release: 'Liqo v1.3.0', evictsDaemonSetPods: false})
    // Unknown (the label unreadable, or a tag that is no release): the oldest's, which evicts the most.
    expect(drainBehaviourOf(undefined)).toEqual({release: 'Liqo v1 (release not read)', evictsDaemonSetPods: true})
    expect(drainBehaviourOf('main-3f2a9c1')).toEqual({release: 'Liqo v1 (release not read)', evictsDaemonSetPods: true})
    expect(releaseRow('v1.0.1').forceDeletesPodsOfDeadCluster).toBe(false)
    expect(releaseRow('v1.1.2').forceDeletesPodsOfDeadCluster).toBe(true)
  })
})

describe('previewDisable with a DaemonSet pod on the leaving virtual node', () => {
  it('v1.0: the pod is evicted too, needs no --force, and the plan says why', () => {
    const impact = previewDisable(milan, {pods, nodes, fcs: [milan, turin], drain: drainBehaviourOf('v1.0.1')})
    expect(impact.pods.map((p) => [p.name, p.outcome])).toEqual([
      ['web-1', 'rescheduled'],
      ['agent-x', 'daemonset'],
    ])
    expect(needsForce(impact.pods)).toEqual([])
    expect(impact.notes).toEqual([])
    const text = planLines(plan(impact)).map((l) => l.text)
    expect(text).toContain(
      "    liqo-test/agent-x (DaemonSet/agent): evicted too (Liqo v1.0.1's drain evicts DaemonSet pods too); " +
        'its DaemonSet does not run it elsewhere',
    )
  })

  it('v1.2: the pod is not evicted; a note says it goes with the node', () => {
    const impact = previewDisable(milan, {pods, nodes, fcs: [milan, turin], drain: drainBehaviourOf('v1.2.0')})
    expect(impact.pods.map((p) => p.name)).toEqual(['web-1'])
    expect(impact.notes).toEqual([
      "DaemonSet pod liqo-test/agent-x is not evicted (Liqo v1.2.0's drain skips DaemonSet pods); " +
        'it goes when the virtual node is deleted.',
    ])
    expect(planLines(plan(impact)).map((l) => l.text)).toContain(`  ${impact.notes[0]}`)
  })

  it('without a drain behaviour (Liqo v0.x) a DaemonSet pod is an evicted pod like any other', () => {
    const impact = previewDisable(milan, {pods, nodes, fcs: [milan, turin]})
    expect(impact.pods.map((p) => p.outcome)).toEqual(['rescheduled', 'rescheduled'])
  })
})

function plan(impact: ReturnType<typeof previewDisable>): Parameters<typeof planLines>[0] {
  return {
    action: 'disable',
    context: 'home',
    generation: 'Liqo v1.x',
    fc: milan,
    matchedBy: ['name'],
    cluster: impact.cluster,
    alreadyDone: false,
    wording: {writes: ['patch'], effect: 'Liqo drains.', stillDoing: ''},
    impact,
    namespaces: ['liqo-test'],
    existingPods: [],
  } as Parameters<typeof planLines>[0]
}
