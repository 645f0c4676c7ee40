import {describe, expect, it} from 'vitest'

import type {PodDisruptionBudget} from '../../src/model/impact.js'
import {planRebalance} from '../../src/model/rebalance.js'
import {rebalancePlanDocument, renderRebalancePlan} from '../../src/render/rebalance.js'
import type {RebalanceView} from '../../src/services/rebalance.js'
import {aForeignCluster, aNamespaceOffloading, aNode, aPod, ago, aVirtualNode, NOW} from './fixtures.js'

const milan = aForeignCluster({name: 'milan', clusterId: 'id-milan'})
const rome = aForeignCluster({name: 'rome', clusterId: 'id-rome'})
const nodes = [
  aNode({name: 'home'}),
  aVirtualNode('liqo-milan', 'id-milan', {readySince: ago(600)}),
  aVirtualNode('liqo-rome', 'id-rome', {readySince: ago(600)}),
]
const pods = ['a', 'b', 'c'].map((n, i) =>
  aPod({name: `web-${n}`, nodeName: 'liqo-milan', labels: {app: 'web'}, createdAt: ago(600 - i)}),
)

function view(pdbs: PodDisruptionBudget[] = []): RebalanceView {
  const plan = planRebalance({
    pods,
    nodes,
    fcs: [milan, rome],
    offloadings: [aNamespaceOffloading({podStrategy: 'Remote'})],
    pdbs,
    now: NOW,
    stableForMs: 30_000,
    maxUnavailable: 1,
  })
  return {
    context: 'home-ctx',
    generation: 'Liqo v1.x',
    scope: {namespace: 'liqo-test', allNamespaces: false, stableForMs: 30_000, maxUnavailable: 1},
    plan,
    held: {dead: [], live: []},
    nodes,
    fcs: [milan, rome],
  }
}

describe('rebalance plan rendering', () => {
  it('names the context, each cluster and why, the spread aimed for, each move and the cordon', () => {
    expect(renderRebalancePlan(view())).toBe(
      [
        'Rebalance of namespace liqo-test on context "home-ctx" (Liqo v1.x):',
        '  liqo-test (podOffloadingStrategy Remote): local excluded (podOffloadingStrategy Remote), milan ' +
          'eligible, rome eligible',
        '  liqo-test: ReplicaSet web-abc (3 pods), even across 2 clusters: milan 3 → 2, rome 0 → 1',
        '    move pod web-c from milan (to rome)',
        '    cordoned during the move (new pods of every namespace stay off): milan',
        '    one at a time, each replacement Ready before the next eviction',
        '1 pod(s) to move.',
        '',
      ].join('\n'),
    )
  })

  it('a budget that allows nothing: named as blocking, no move counted; the document says the same', () => {
    const pdb: PodDisruptionBudget = {
      namespace: 'liqo-test',
      name: 'hold',
      matchLabels: {app: 'web'},
      matchExpressions: [],
      disruptionsAllowed: 0,
      currentHealthy: 3,
      desiredHealthy: 3,
      expectedPods: 3,
    }
    const v = view([pdb])
    const text = renderRebalancePlan(v)
    expect(text).toContain('    PodDisruptionBudget: liqo-test/hold\n')
    expect(text).toContain(
      '    blocked: PodDisruptionBudget liqo-test/hold allows 0 disruption(s): needs 3 healthy of 3 pods, 3 ' +
        'are; nothing of it can be evicted\n',
    )
    expect(text).toMatch(/^0 pod\(s\) to move\.$/m)
    const doc = rebalancePlanDocument(v) as {controllers: Array<{blocked: unknown; moves: unknown[]}>}
    expect(doc.controllers[0]!.blocked).toEqual({
      budget: 'liqo-test/hold',
      detail: 'allows 0 disruption(s): needs 3 healthy of 3 pods, 3 are',
    })
    expect(doc.controllers[0]!.moves).toEqual([{pod: 'web-c', from: 'milan', to: ['rome']}])
  })
})
