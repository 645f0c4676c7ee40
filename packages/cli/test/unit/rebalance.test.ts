import {describe, expect, it} from 'vitest'

import type {PodDisruptionBudget} from '../../src/model/impact.js'
import {movesOf, planRebalance, spreadTargets, stabilising, type RebalanceInput} from '../../src/model/rebalance.js'
import type {Pod} from '../../src/model/types.js'
import {
  aForeignCluster,
  aNamespaceOffloading,
  aNode,
  aPod,
  aScheduling,
  ago,
  aVirtualNode,
  NOW,
  VIRTUAL_TOLERATION,
} from './fixtures.js'

const milan = aForeignCluster({name: 'milan', clusterId: 'id-milan'})
const rome = aForeignCluster({name: 'rome', clusterId: 'id-rome'})
const turin = aForeignCluster({name: 'turin', clusterId: 'id-turin'})
const local = aNode({name: 'home'})
const vn = (fc: typeof milan, readyFor = 600, extra: Record<string, string> = {}) =>
  aVirtualNode(`liqo-${fc.name}`, fc.clusterId, {
    readySince: ago(readyFor),
    labels: {'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': fc.clusterId, ...extra},
  })
const remoteOnly = aNamespaceOffloading({podStrategy: 'Remote'})
const pods = (where: string[], p: Partial<Pod> = {}) =>
  where.map((node, i) => aPod({name: `web-${i}`, nodeName: node, labels: {app: 'web'}, createdAt: ago(600 - i), ...p}))
const budget = (b: Partial<PodDisruptionBudget>): PodDisruptionBudget => ({
  namespace: 'liqo-test',
  name: 'web-pdb',
  matchLabels: {app: 'web'},
  matchExpressions: [],
  disruptionsAllowed: 1,
  ...b,
})

function input(i: Partial<RebalanceInput>): RebalanceInput {
  return {
    pods: [],
    nodes: [local, vn(milan), vn(rome)],
    fcs: [milan, rome],
    offloadings: [remoteOnly],
    pdbs: [],
    now: NOW,
    stableForMs: 30_000,
    maxUnavailable: 1,
    ...i,
  }
}

describe('spreadTargets', () => {
  it('moves one at a time from the fullest to the emptiest until within maxSkew', () => {
    expect(
      spreadTargets(
        new Map([
          ['a', 3],
          ['b', 0],
        ]),
        1,
      ),
    ).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    )
    expect(
      spreadTargets(
        new Map([
          ['a', 6],
          ['b', 0],
          ['c', 0],
        ]),
        1,
      ),
    ).toEqual(
      new Map([
        ['a', 2],
        ['b', 2],
        ['c', 2],
      ]),
    )
    expect(
      spreadTargets(
        new Map([
          ['a', 4],
          ['b', 0],
        ]),
        2,
      ),
    ).toEqual(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    )
    expect(
      spreadTargets(
        new Map([
          ['a', 3],
          ['b', 1],
        ]),
        2,
      ),
    ).toEqual(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    )
  })
})

describe('planRebalance', () => {
  it('3 replicas all on milan, rome back: one pod moves from milan to rome; milan is cordoned for it', () => {
    const plan = planRebalance(input({pods: pods(['liqo-milan', 'liqo-milan', 'liqo-milan'])}))
    const [c] = plan.controllers
    expect(c).toMatchObject({aim: 'even across 2 clusters', batch: 1, budgets: []})
    expect(c!.spread).toEqual([
      {domain: 'milan', clusters: ['milan'], now: 3, target: 2},
      {domain: 'rome', clusters: ['rome'], now: 0, target: 1},
    ])
    // The newest pod goes.
    expect(c!.moves).toEqual([
      {namespace: 'liqo-test', pod: 'web-2', from: expect.objectContaining({name: 'milan'}), to: ['rome']},
    ])
    expect(c!.cordon.map((x) => x.name)).toEqual(['milan'])
  })

  it('already even: nothing to move, nothing cordoned', () => {
    const plan = planRebalance(input({pods: pods(['liqo-milan', 'liqo-rome', 'liqo-milan'])}))
    expect(movesOf(plan)).toEqual([])
    expect(plan.controllers[0]!.cordon).toEqual([])
  })

  it('a virtual node Ready for less than the window does not count yet, and says when it will', () => {
    const plan = planRebalance(
      input({nodes: [local, vn(milan), vn(rome, 10)], pods: pods(['liqo-milan', 'liqo-milan'])}),
    )
    expect(movesOf(plan)).toEqual([])
    expect(plan.controllers[0]!.skipped).toMatch(/single cluster/)
    expect(stabilising(plan)).toEqual([
      // The condition's time has whole seconds: up to 999 ms more, to be sure of the window.
      expect.objectContaining({cluster: expect.objectContaining({name: 'rome'}), countsInMs: 20_999}),
    ])
    expect(
      movesOf(
        planRebalance(
          input({
            nodes: [local, vn(milan), vn(rome, 10)],
            pods: pods(['liqo-milan', 'liqo-milan']),
            stableForMs: 5_000,
          }),
        ),
      ),
    ).toHaveLength(1)
  })

  it('a virtual node Ready with its not-ready taint still on counts only after a whole window', () => {
    const fresh = vn(rome, 600)
    fresh.taints = [...fresh.taints, {key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}]
    const plan = planRebalance(
      input({nodes: [local, vn(milan), fresh], pods: pods(['liqo-milan', 'liqo-milan']), stableForMs: 1_000}),
    )
    expect(movesOf(plan)).toEqual([])
    expect(stabilising(plan)).toEqual([
      expect.objectContaining({
        cluster: expect.objectContaining({name: 'rome'}),
        reason: 'virtual node Ready, its node.kubernetes.io/not-ready taint not lifted yet',
        countsInMs: 1_000,
      }),
    ])
  })

  it('the strategy decides about the local cluster: LocalAndRemote spreads over it too, Remote does not', () => {
    const three = pods(['home', 'home', 'home'])
    // Remote: home is not eligible, nothing to spread over it
    expect(movesOf(planRebalance(input({pods: three})))).toEqual([])
    const both = planRebalance(
      input({pods: three, offloadings: [aNamespaceOffloading({podStrategy: 'LocalAndRemote'})]}),
    )
    expect(both.controllers[0]!.spread.map((s) => [s.domain, s.target])).toEqual([
      ['local', 1],
      ['milan', 1],
      ['rome', 1],
    ])
    expect(movesOf(both).map((m) => m.from.name)).toEqual(['local', 'local'])
    // The local cluster's nodes are not ours to cordon.
    expect(both.controllers[0]!.cordon).toEqual([])
  })

  it('a namespace without a NamespaceOffloading is not planned: its pods run locally', () => {
    const plan = planRebalance(input({offloadings: [], pods: pods(['home', 'home'])}))
    expect(plan.namespaces).toEqual([])
    expect(plan.controllers).toEqual([])
    // Offloaded but empty: planned, nothing to move.
    expect(planRebalance(input({pods: []})).namespaces.map((n) => n.namespace)).toEqual(['liqo-test'])
  })

  it('the clusterSelector and a disabled peering exclude a cluster, with the reason', () => {
    const nso = aNamespaceOffloading({
      podStrategy: 'Remote',
      clusterSelector: {nodeSelectorTerms: [{matchExpressions: [{key: 'region', operator: 'In', values: ['north']}]}]},
    })
    const nodes = [
      local,
      vn(milan, 600, {region: 'north'}),
      vn(rome, 600, {region: 'north'}),
      vn(turin, 600, {region: 'south'}),
    ]
    const plan = planRebalance(
      input({
        nodes,
        fcs: [milan, rome, {...turin, outgoingEnabled: 'Yes'}],
        offloadings: [nso],
        pods: pods(['liqo-milan', 'liqo-milan', 'liqo-milan', 'liqo-milan']),
      }),
    )
    const turinState = plan.namespaces[0]!.clusters.find((c) => c.cluster.name === 'turin')
    expect(turinState).toMatchObject({state: 'excluded', reason: 'not selected by the clusterSelector'})
    expect(movesOf(plan).flatMap((m) => m.to)).toEqual(['rome', 'rome'])
    const off = planRebalance(
      input({fcs: [milan, {...rome, outgoingEnabled: 'No'}], pods: pods(['liqo-milan', 'liqo-milan'])}),
    )
    expect(off.namespaces[0]!.clusters.find((c) => c.cluster.name === 'rome')).toMatchObject({
      state: 'excluded',
      reason: 'outgoing peering disabled',
    })
    expect(movesOf(off)).toEqual([])
  })

  it("the pods' own constraints: a nodeSelector that only milan matches leaves them there", () => {
    const nodes = [local, vn(milan, 600, {disk: 'ssd'}), vn(rome)]
    const plan = planRebalance(
      input({
        nodes,
        pods: pods(['liqo-milan', 'liqo-milan'], {
          scheduling: aScheduling({tolerations: [VIRTUAL_TOLERATION], nodeSelector: {disk: 'ssd'}}),
        }),
      }),
    )
    expect(movesOf(plan)).toEqual([])
  })

  it("the workload's topologySpreadConstraints: spread by its key and maxSkew instead of evenly", () => {
    const spread = [
      {
        maxSkew: 2,
        topologyKey: 'zone',
        whenUnsatisfiable: 'DoNotSchedule',
        matchLabels: {app: 'web'},
        matchExpressions: [],
      },
    ]
    const nodes = [local, vn(milan, 600, {zone: 'a'}), vn(rome, 600, {zone: 'b'}), vn(turin, 600, {zone: 'b'})]
    const plan = planRebalance(
      input({
        nodes,
        fcs: [milan, rome, turin],
        pods: pods(['liqo-milan', 'liqo-milan', 'liqo-milan', 'liqo-milan'], {
          scheduling: aScheduling({tolerations: [VIRTUAL_TOLERATION], spread}),
        }),
      }),
    )
    const c = plan.controllers[0]!
    expect(c.aim).toBe('topologySpreadConstraints zone maxSkew 2')
    expect(c.spread).toEqual([
      {domain: 'a', clusters: ['milan'], now: 4, target: 3},
      {domain: 'b', clusters: ['rome', 'turin'], now: 0, target: 1},
    ])
    expect(c.moves).toHaveLength(1)
    expect(c.moves[0]!.to).toEqual(['b'])
  })

  it('a budget that allows no disruption with every pod Ready blocks the controller and is named', () => {
    const pdb = budget({disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3})
    const c = planRebalance(input({pods: pods(['liqo-milan', 'liqo-milan', 'liqo-milan']), pdbs: [pdb]}))
      .controllers[0]!
    expect(c.blocked).toEqual({
      budget: 'liqo-test/web-pdb',
      detail: 'allows 0 disruption(s): needs 3 healthy of 3 pods, 3 are',
    })
    expect(c.budgets).toEqual(['liqo-test/web-pdb'])
    // A budget of another app does not count.
    expect(
      planRebalance(
        input({
          pods: pods(['liqo-milan', 'liqo-milan']),
          pdbs: [budget({disruptionsAllowed: 0, matchLabels: {app: 'db'}})],
        }),
      ).controllers[0]!.blocked,
    ).toBeUndefined()
  })

  it('--max-unavailable sets how many go at once, within what the budgets allow', () => {
    const six = pods(['liqo-milan', 'liqo-milan', 'liqo-milan', 'liqo-milan', 'liqo-milan', 'liqo-milan'])
    const nodes = [local, vn(milan), vn(rome), vn(turin)]
    const fcs = [milan, rome, turin]
    expect(planRebalance(input({nodes, fcs, pods: six})).controllers[0]!.batch).toBe(1)
    expect(planRebalance(input({nodes, fcs, pods: six, maxUnavailable: 3})).controllers[0]!.batch).toBe(3)
    expect(
      planRebalance(input({nodes, fcs, pods: six, maxUnavailable: 3, pdbs: [budget({disruptionsAllowed: 2})]}))
        .controllers[0]!.batch,
    ).toBe(2)
    const plan = planRebalance(input({nodes, fcs, pods: six, maxUnavailable: 3}))
    expect(movesOf(plan)).toHaveLength(4)
    expect(plan.controllers[0]!.cordon.map((c) => c.name)).toEqual(['milan'])
  })

  it('a controller not settled (a pod not Ready) is left alone, and pods without a controller stay', () => {
    const notReady = pods(['liqo-milan', 'liqo-milan', 'liqo-milan'])
    notReady[1]!.ready = false
    const plan = planRebalance(
      input({
        pods: [...notReady, aPod({name: 'bare', nodeName: 'liqo-milan', owner: undefined})].map((p) =>
          p.owner ? p : (delete p.owner, p),
        ),
      }),
    )
    expect(movesOf(plan)).toEqual([])
    expect(plan.controllers[0]!.skipped).toMatch(/not settled: 2\/3/)
    expect(plan.warnings).toEqual(['1 pod(s) of liqo-test have no controller and stay where they are: bare'])
  })

  it('names the Pending pods of other namespaces that a cordon would hold back', () => {
    const waiting = aPod({
      namespace: 'other',
      name: 'queued',
      scheduling: aScheduling({tolerations: [VIRTUAL_TOLERATION]}),
    })
    const plan = planRebalance(
      input({pods: pods(['liqo-milan', 'liqo-milan', 'liqo-milan']), pendingElsewhere: [waiting]}),
    )
    expect(plan.heldBack).toEqual(['other/queued'])
  })
})
