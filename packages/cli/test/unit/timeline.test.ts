import {describe, expect, it} from 'vitest'

import type {Change} from '../../src/k8s/reflector.js'
import type {ForeignCluster, Pod} from '../../src/model/types.js'
import {DisableTimeline, EnableTimeline, type TimelineEvent} from '../../src/wait/timeline.js'
import {aForeignCluster, aNamespaceOffloading, aPod, aVirtualNode, ago, readyCondition} from './fixtures.js'

const fc = aForeignCluster({
  name: 'fc-milan',
  clusterId: 'id-milan',
  clusterName: 'milan',
  outgoingPhase: 'Established',
})
const owner = {kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-web'}
const clusterOf = (node?: string) => (node === 'worker-1' ? 'local' : node ? 'turin' : '<none>')
const change = <T>(type: Change<T>['type'], key: string, obj: T): Change<T> => ({type, key, obj})
const pod = (name: string, p: Partial<Pod> = {}) => aPod({name, owner, ...p})

function disable(events: TimelineEvent[] = []) {
  const t = new DisableTimeline(
    {
      fc,
      cluster: {name: 'milan'},
      leaving: [{namespace: 'liqo-test', name: 'web-1'}],
      existingPods: ['liqo-test/web-1', 'liqo-test/other'],
    },
    events,
    clusterOf,
  )
  return {t, events}
}

describe('DisableTimeline', () => {
  it('records the eviction of a leaving pod once, and its replacement scheduled then Ready', () => {
    const {t, events} = disable()
    t.pods(
      [change('MODIFIED', 'liqo-test/web-1', pod('web-1', {nodeName: 'liqo-milan', deletionTimestamp: ago(1)}))],
      100,
    )
    t.pods(
      [change('MODIFIED', 'liqo-test/web-1', pod('web-1', {nodeName: 'liqo-milan', deletionTimestamp: ago(1)}))],
      150,
    )
    t.pods([change('ADDED', 'liqo-test/web-2', pod('web-2', {ready: false}))], 200)
    t.pods([change('MODIFIED', 'liqo-test/web-2', pod('web-2', {nodeName: 'turin-node', ready: false}))], 300)
    t.pods(
      [
        change(
          'MODIFIED',
          'liqo-test/web-2',
          pod('web-2', {nodeName: 'turin-node', ready: true, readySince: '2024-01-01T12:00:00Z'}),
        ),
      ],
      400,
    )
    t.pods(
      [change('DELETED', 'liqo-test/web-1', pod('web-1', {nodeName: 'liqo-milan', deletionTimestamp: ago(1)}))],
      500,
    )
    const moved = t.finish()
    expect(events.map((e) => [e.at, e.kind, e.text])).toEqual([
      [100, 'evicted', 'pod web-1 evicted from milan'],
      [300, 'replacement-scheduled', 'pod web-2 scheduled on turin'],
      [400, 'replacement-ready', 'pod web-2 Ready on turin'],
    ])
    expect(moved).toEqual([
      {
        namespace: 'liqo-test',
        pod: 'web-1',
        from: 'milan',
        evictedAt: 100,
        goneAt: 500,
        replacement: {
          pod: 'web-2',
          cluster: 'turin',
          scheduledAt: 300,
          readyAt: 400,
          readySince: '2024-01-01T12:00:00Z',
        },
      },
    ])
  })

  it('ignores pods that existed before the change, and deletions of other pods', () => {
    const {t, events} = disable()
    t.pods(
      [
        change('MODIFIED', 'liqo-test/other', pod('other', {nodeName: 'worker-1'})),
        change('DELETED', 'liqo-test/gone', pod('gone', {nodeName: 'worker-1'})),
      ],
      50,
    )
    expect(events).toEqual([])
    expect(t.finish()).toEqual([{namespace: 'liqo-test', pod: 'web-1', from: 'milan'}])
  })

  it('pairs a leaving pod only with a replacement of the same owner', () => {
    const {t} = disable()
    t.pods([change('MODIFIED', 'liqo-test/web-1', pod('web-1', {deletionTimestamp: ago(1)}))], 10)
    t.pods(
      [
        change(
          'ADDED',
          'liqo-test/db-1',
          pod('db-1', {owner: {kind: 'ReplicaSet', name: 'db', uid: 'rs-db'}, nodeName: 'worker-1'}),
        ),
      ],
      20,
    )
    expect(t.finish()[0]!.replacement).toBeUndefined()
  })

  it('records the phases of the peering and the deletion of its virtual node, sorted by time', () => {
    const {t, events} = disable([{at: 0, kind: 'patched', text: 'patched'}])
    const phase = (outgoingPhase: string, outgoingReason?: string): ForeignCluster => ({
      ...fc,
      outgoingPhase,
      ...(outgoingReason ? {outgoingReason} : {}),
    })
    t.peering(phase('Disconnecting', 'ResourceRequestDeleting'), 300)
    t.peering(phase('Disconnecting', 'ResourceRequestDeleting'), 350)
    t.nodes([change('DELETED', 'liqo-milan', aVirtualNode('liqo-milan', 'id-milan'))], 200)
    t.nodes([change('DELETED', 'liqo-turin', aVirtualNode('liqo-turin', 'id-turin'))], 250)
    t.finish()
    expect(events.map((e) => `${e.at} ${e.text}`)).toEqual([
      '0 patched',
      '200 virtual node liqo-milan deleted',
      '300 peering with milan: Disconnecting (ResourceRequestDeleting)',
    ])
  })
})

describe('EnableTimeline', () => {
  it('records the virtual node Ready and each remote namespace Ready, once', () => {
    const events: TimelineEvent[] = []
    const t = new EnableTimeline({fc: {...fc, outgoingPhase: 'None'}, cluster: {name: 'milan'}}, events)
    t.peering({...fc, outgoingPhase: 'Established'}, 100)
    t.nodes([change('ADDED', 'liqo-milan', aVirtualNode('liqo-milan', 'id-milan', {ready: false}))], 150)
    t.nodes([change('MODIFIED', 'liqo-milan', aVirtualNode('liqo-milan', 'id-milan'))], 200)
    t.nodes([change('MODIFIED', 'liqo-milan', aVirtualNode('liqo-milan', 'id-milan'))], 250)
    const nso = aNamespaceOffloading({remoteConditions: {'id-milan': readyCondition()}})
    t.offloadings([change('MODIFIED', `${nso.namespace}/offloading`, nso)], 300)
    t.offloadings([change('MODIFIED', `${nso.namespace}/offloading`, nso)], 350)
    t.finish()
    expect(events.map((e) => `${e.at} ${e.kind} ${e.text}`)).toEqual([
      '100 peering peering with milan: Established',
      '200 node virtual node liqo-milan Ready',
      `300 remote-namespace remote namespace for ${nso.namespace} Ready on milan`,
    ])
  })
})
