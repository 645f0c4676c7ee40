import {describe, expect, it} from 'vitest'

import {liqoV1} from '../../src/liqo/v1.js'
import {
  assemblePeering,
  moduleStatus,
  offloadingPhase,
  switchOf,
  toForeignClusterV1,
  toVirtualNodeV1,
} from '../../src/liqo/v1-objects.js'
import {liqoV0} from '../../src/liqo/v0.js'
import {planCleanup} from '../../src/model/cleanup-plan.js'
import type {VirtualNodeSwitch} from '../../src/model/types.js'
import {aForeignCluster, aVirtualNode} from './fixtures.js'

/** A core.liqo.io ForeignCluster as the API serves it (v1.2: named after the remote cluster ID). */
function rawFc(
  name: string,
  o: {
    role?: string
    offloading?: boolean
    offloadingConditions?: Array<{type: string; status: string; reason?: string}>
  } = {},
) {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      resourceVersion: '7',
      labels: {'liqo.io/remote-cluster-id': name},
      creationTimestamp: '2026-12-03T00:00:00Z',
    },
    spec: {clusterID: name},
    status: {
      role: o.role ?? 'Provider',
      modules: {
        networking: {enabled: false},
        authentication: {enabled: true, conditions: [{type: 'AuthIdentityControlPlaneStatus', status: 'Ready'}]},
        offloading: {
          enabled: o.offloading ?? true,
          conditions: o.offloadingConditions ?? [{type: 'OffloadingVirtualNodeStatus', status: 'Ready'}],
        },
      },
    },
  }
}

const rawVn = (name: string, clusterID: string, createNode?: boolean) => ({
  metadata: {
    name,
    namespace: `liqo-tenant-${clusterID}`,
    resourceVersion: '11',
    labels: {'liqo.io/remote-cluster-id': clusterID},
  },
  spec: {clusterID, ...(createNode === undefined ? {} : {createNode})},
})

const sw = (createNode: boolean, nodePresent: boolean, nodeReady = nodePresent): VirtualNodeSwitch => ({
  namespace: 't',
  name: 'n',
  resourceVersion: '1',
  createNode,
  nodePresent,
  nodeReady,
})

describe('Liqo v1 mapping', () => {
  it("reads a module's status in liqoctl info's words", () => {
    expect(moduleStatus({enabled: false})).toEqual({enabled: false, status: 'Disabled'})
    expect(
      moduleStatus({
        enabled: true,
        conditions: [
          {type: 'A', status: 'Ready'},
          {type: 'B', status: 'Established'},
        ],
      }),
    ).toEqual({enabled: true, status: 'Healthy'})
    expect(
      moduleStatus({
        enabled: true,
        conditions: [{type: 'OffloadingNodeStatus', status: 'SomeNotReady', reason: 'NodesSomeNotReady'}],
      }),
    ).toEqual({
      enabled: true,
      status: 'Unhealthy',
      detail: 'OffloadingNodeStatus=SomeNotReady (NodesSomeNotReady)',
    })
  })

  it('a VirtualNode without createNode counts as switched on (the webhook fills it in)', () => {
    expect(toVirtualNodeV1(rawVn('cluster-3', 'cluster-3')).createNode).toBe(true)
    expect(toVirtualNodeV1(rawVn('cluster-3', 'cluster-3', false)).createNode).toBe(false)
  })

  it('the cluster ID is spec.clusterID, else the label, else the name', () => {
    expect(toForeignClusterV1(rawFc('cluster-2')).clusterId).toBe('cluster-2')
    expect(toForeignClusterV1({metadata: {name: 'x', labels: {'liqo.io/remote-cluster-id': 'y'}}}).clusterId).toBe('y')
    expect(toForeignClusterV1({metadata: {name: 'z'}}).clusterId).toBe('z')
  })
})

describe('where offloading to a v1 cluster stands', () => {
  it('the switch: Yes and No when the VirtualNodes agree, Partial when not, None without any', () => {
    expect(switchOf([{createNode: true}, {createNode: true}])).toBe('Yes')
    expect(switchOf([{createNode: false}])).toBe('No')
    expect(switchOf([{createNode: true}, {createNode: false}])).toBe('Partial')
    expect(switchOf([])).toBe('None')
  })

  it(
    'the phase: Disconnecting while a switched-off node is still there, Pending until every switched-on node is ' +
      'usable',
    () => {
      expect(offloadingPhase([sw(true, true)])).toEqual({phase: 'Established'})
      expect(offloadingPhase([sw(false, true)])).toEqual({phase: 'Disconnecting', reason: 'VirtualNodeDeleting'})
      expect(offloadingPhase([sw(false, false)])).toEqual({phase: 'None'})
      expect(offloadingPhase([sw(true, false)])).toEqual({phase: 'Pending', reason: 'VirtualNodeCreating'})
      expect(offloadingPhase([sw(true, true, false)])).toEqual({phase: 'Pending', reason: 'VirtualNodeNotReady'})
      expect(offloadingPhase([sw(true, true), sw(false, true)]).phase).toBe('Disconnecting')
      expect(offloadingPhase([])).toEqual({phase: 'None'})
    },
  )

  it('joins a ForeignCluster with its VirtualNodes and Nodes only (another cluster’s never counts)', () => {
    const fc = toForeignClusterV1(rawFc('cluster-3'))
    const vns = [
      rawVn('cluster-3', 'cluster-3'),
      rawVn('cluster-3-b', 'cluster-3', false),
      rawVn('cluster-2', 'cluster-2'),
    ].map(toVirtualNodeV1)
    const nodes = [
      aVirtualNode('cluster-3', 'cluster-3'),
      aVirtualNode('cluster-3-b', 'cluster-3', {unschedulable: true}),
      aVirtualNode('cluster-2', 'cluster-2'),
    ]
    const p = assemblePeering(fc, vns, nodes)
    expect(p.virtualNodes!.map((v) => [v.name, v.createNode, v.nodePresent, v.nodeReady])).toEqual([
      ['cluster-3', true, true, true],
      ['cluster-3-b', false, true, false],
    ])
    expect(p).toMatchObject({
      name: 'cluster-3',
      clusterId: 'cluster-3',
      clusterName: '',
      outgoingEnabled: 'Partial',
      outgoingPhase: 'Disconnecting',
      role: 'Provider',
      incomingPhase: 'None',
    })
    expect(p.modules!.networking.status).toBe('Disabled')
  })

  it('a cordoned node of a switched-on VirtualNode (the old one, still draining) is not Established', () => {
    const fc = toForeignClusterV1(rawFc('cluster-3'))
    const p = assemblePeering(
      fc,
      [toVirtualNodeV1(rawVn('cluster-3', 'cluster-3'))],
      [aVirtualNode('cluster-3', 'cluster-3', {unschedulable: true})],
    )
    expect(p.outgoingPhase).toBe('Pending')
  })

  it('a consumer role shows as an incoming peering', () => {
    expect(assemblePeering(toForeignClusterV1(rawFc('c', {role: 'ConsumerAndProvider'})), [], []).incomingPhase).toBe(
      'Established',
    )
  })
})

describe('the v1 switch in words and permissions', () => {
  const fc = assemblePeering(
    toForeignClusterV1(rawFc('cluster-3')),
    [toVirtualNodeV1(rawVn('cluster-3', 'cluster-3'))],
    [aVirtualNode('cluster-3', 'cluster-3')],
  )

  it('names each VirtualNode patched, and says what stays (unlike v0)', () => {
    const w = liqoV1.switchWording(fc, 'No', {
      cluster: 'cluster-3',
      virtualNodes: ['cluster-3'],
      namespaces: ['liqo-test'],
    })
    expect(w.writes).toEqual(['patch VirtualNode liqo-tenant-cluster-3/cluster-3 spec.createNode: true → false'])
    expect(w.effect).toBe('Liqo cordons and drains virtual node cluster-3 and deletes it.')
    expect(w.keeps).toMatch(/remote namespaces on cluster-3 and the peering itself stay/)
    expect(
      liqoV1.switchWording(fc, 'Yes', {cluster: 'cluster-3', virtualNodes: [], namespaces: ['liqo-test']}).effect,
    ).toMatch(/re-creates the virtual node cluster-3; the remote namespaces of liqo-test stayed/)
  })

  it(
    "says why a running controller manager may not drain yet (a failed drain's back-off) and how to retry at " +
      'once; v0 has no such advice',
    () => {
      expect(liqoV1.stalledDrainAdvice).toBe(
        "Liqo's controller manager may be waiting to retry an earlier failed drain (up to ~17 min); restarting " +
          'it (kubectl -n liqo rollout restart deployment liqo-controller-manager) retries at once',
      )
      expect(liqoV0.stalledDrainAdvice).toBeUndefined()
    },
  )

  it('asks to patch each VirtualNode in its tenant namespace; a peering without one is refused', () => {
    expect(liqoV1.outgoingAccess(fc)).toEqual([
      {
        verb: 'patch',
        group: 'offloading.liqo.io',
        resource: 'virtualnodes',
        namespace: 'liqo-tenant-cluster-3',
        name: 'cluster-3',
      },
    ])
    expect(() => liqoV1.outgoingAccess({...fc, virtualNodes: []})).toThrow(
      /has no VirtualNode: offloading to it is not set up/,
    )
  })
})

describe('cleanup plan with unpeering', () => {
  const fcs = [
    aForeignCluster({name: 'cluster-2', clusterId: 'cluster-2', outgoingEnabled: 'Yes', outgoingPhase: 'Established'}),
    aForeignCluster({name: 'cluster-3', clusterId: 'cluster-3', outgoingEnabled: 'None', outgoingPhase: 'None'}),
  ]
  const base = {namespace: 'liqo-test', deployments: [], nsos: [], fcs}

  it('unpeers every peering with something left, instead of disabling it', () => {
    const plan = planCleanup(
      {
        ...base,
        unpeer: [
          {
            foreignCluster: 'cluster-2',
            clusterId: 'cluster-2',
            context: 'ctx-2',
            left: [
              {module: 'offloading', objects: 2},
              {module: 'authentication', objects: 2},
            ],
          },
        ],
      },
      {deployments: [], keepPeering: false},
    )
    expect(plan.steps).toEqual([
      {
        kind: 'unpeer',
        foreignCluster: 'cluster-2',
        cluster: 'cluster-2',
        clusterId: 'cluster-2',
        context: 'ctx-2',
        modules: ['offloading', 'authentication'],
        objects: 4,
      },
    ])
  })

  it('without unpeering, a peering with no switch and nothing left is not touched', () => {
    const plan = planCleanup(base, {deployments: [], keepPeering: false})
    expect(plan.steps.map((s) => s.kind === 'disable-peering' && s.foreignCluster)).toEqual(['cluster-2'])
  })
})
