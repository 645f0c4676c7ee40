import {describe, expect, it} from 'vitest'

import {planCleanup} from '../../src/model/cleanup-plan.js'
import {cleanupPlanDocument, renderCleanupPlan, renderNothingToDo} from '../../src/render/cleanup.js'
import {renderJson} from '../../src/render/machine.js'
import {aForeignCluster, aNamespace, aNamespaceOffloading, aWorkload, readyCondition} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const plan = {
  ...planCleanup(
    {
      namespace: 'liqo-test',
      namespaceObj: aNamespace({name: 'liqo-test'}),
      deployments: [aWorkload({name: 'web', desired: 2})],
      nsos: [aNamespaceOffloading({remoteConditions: {'id-milan': readyCondition()}})],
      fcs: [milan],
    },
    {deployments: ['web', 'gone'], keepPeering: false},
  ),
  context: 'home',
}

describe('renderCleanupPlan', () => {
  it('numbers the steps in order and appends notes', () => {
    expect(renderCleanupPlan(plan)).toBe(
      [
        'Cleanup of namespace liqo-test on context "home", in this order:',
        '  1. delete deployment liqo-test/web and its pods (2 replicas)',
        '  2. delete NamespaceOffloading liqo-test/offloading; its finalizer waits until the remote ' +
          'namespaces are gone (on milan)',
        '  3. delete namespace liqo-test, until it is gone',
        '  4. disable outgoing peering to milan (ForeignCluster fc-milan, now Auto/Established) and wait for None',
        '  Note: deployment "gone" not found in liqo-test (already deleted?)',
        '',
      ].join('\n'),
    )
  })

  it('renderNothingToDo explains and keeps the notes', () => {
    const text = renderNothingToDo({namespace: 'x', steps: [], notes: ['n1'], context: 'home'})
    expect(text).toMatch(/^Nothing to clean up for namespace x on context "home": /)
    expect(text.endsWith('\nNote: n1\n')).toBe(true)
  })

  it('cleanupPlanDocument numbers steps from 1 and describes each', () => {
    const doc = cleanupPlanDocument(plan) as {
      kind: string
      steps: Array<{order: number; kind: string; description: string}>
      notes: string[]
    }
    expect(doc.kind).toBe('CleanupPlan')
    expect(doc.steps.map((s) => [s.order, s.kind])).toEqual([
      [1, 'delete-deployment'],
      [2, 'delete-namespaceoffloading'],
      [3, 'delete-namespace'],
      [4, 'disable-peering'],
    ])
    expect(doc.steps[2]!.description).toBe('delete namespace liqo-test, until it is gone')
    expect(JSON.parse(renderJson(doc))).toEqual(doc)
  })
})
