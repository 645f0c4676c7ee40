import {describe, expect, it} from 'vitest'

import {UsageError} from '../../src/toolkit/errors.js'
import {describeStep, isProtectedNamespace, planCleanup, type CleanupInput} from '../../src/model/cleanup-plan.js'
import {aForeignCluster, aNamespace, aNamespaceOffloading, aWorkload, readyCondition} from './fixtures.js'

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'id-milan', clusterName: 'milan'})
const turin = aForeignCluster({name: 'fc-turin', clusterId: 'id-turin', clusterName: 'turin', outgoingEnabled: 'Yes'})

function input(i: Partial<CleanupInput> = {}): CleanupInput {
  return {
    namespace: 'liqo-test',
    namespaceObj: aNamespace({name: 'liqo-test'}),
    deployments: [aWorkload({name: 'web', desired: 3}), aWorkload({name: 'api', desired: 2})],
    nsos: [
      aNamespaceOffloading({
        remoteConditions: {'id-turin': readyCondition(), 'id-milan': readyCondition(), 'id-unknown': readyCondition()},
      }),
    ],
    fcs: [turin, milan],
    ...i,
  }
}
const all = {deployments: [], keepPeering: false}

describe('planCleanup', () => {
  it('orders deployments → NamespaceOffloading → namespace → disable peerings', () => {
    const plan = planCleanup(input(), all)
    expect(plan.namespace).toBe('liqo-test')
    expect(plan.notes).toEqual([])
    expect(plan.steps).toEqual([
      {kind: 'delete-deployment', namespace: 'liqo-test', name: 'api', replicas: 2, alreadyDeleting: false},
      {kind: 'delete-deployment', namespace: 'liqo-test', name: 'web', replicas: 3, alreadyDeleting: false},
      {
        kind: 'delete-namespaceoffloading',
        namespace: 'liqo-test',
        name: 'offloading',
        remoteClusters: ['id-unknown', 'milan', 'turin'],
        alreadyDeleting: false,
      },
      {kind: 'delete-namespace', namespace: 'liqo-test', alreadyDeleting: false},
      {
        kind: 'disable-peering',
        foreignCluster: 'fc-milan',
        cluster: 'milan',
        clusterId: 'id-milan',
        outgoing: 'Auto',
        phase: 'Established',
      },
      {
        kind: 'disable-peering',
        foreignCluster: 'fc-turin',
        cluster: 'turin',
        clusterId: 'id-turin',
        outgoing: 'Yes',
        phase: 'Established',
      },
    ])
  })

  it('--deployment keeps only the named deployments and notes unknown names', () => {
    const plan = planCleanup(input(), {deployments: ['web', 'ghost'], keepPeering: true})
    expect(
      plan.steps
        .filter((s) => s.kind === 'delete-deployment')
        .map((s) => (s.kind === 'delete-deployment' ? s.name : '')),
    ).toEqual(['web'])
    expect(plan.notes).toEqual(['deployment "ghost" not found in liqo-test (already deleted?)'])
  })

  it('a NamespaceOffloading not named "offloading" only gets a note', () => {
    const plan = planCleanup(input({nsos: [aNamespaceOffloading({name: 'custom'})]}), all)
    expect(plan.steps.map((s) => s.kind)).not.toContain('delete-namespaceoffloading')
    expect(plan.notes).toEqual([
      'NamespaceOffloading "custom" is ignored by Liqo (only "offloading" is acted on); it goes away with the ' +
        'namespace',
    ])
  })

  it.each(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'liqo', 'liqo-tenant-x', 'liqo-tenant-0a1b'])(
    'refuses the protected namespace %s with a UsageError',
    (ns) => {
      expect(isProtectedNamespace(ns)).toBe(true)
      let err: unknown
      try {
        planCleanup(input({namespace: ns}), all)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(UsageError)
      expect((err as UsageError).exitCode).toBe(2)
      expect((err as UsageError).message).toContain(`"${ns}"`)
    },
  )

  it('does not protect namespaces that merely look alike', () => {
    for (const ns of ['liqo-test', 'liqo-tenant', 'my-liqo', 'defaults']) expect(isProtectedNamespace(ns)).toBe(false)
  })

  it('keepPeering leaves the peerings alone', () => {
    expect(planCleanup(input(), {deployments: [], keepPeering: true}).steps.map((s) => s.kind)).not.toContain(
      'disable-peering',
    )
  })

  it('skips ForeignClusters already No/None but waits on ones still going down', () => {
    const done = aForeignCluster({name: 'fc-done', outgoingEnabled: 'No', outgoingPhase: 'None'})
    const going = aForeignCluster({
      name: 'fc-going',
      clusterName: 'going',
      outgoingEnabled: 'No',
      outgoingPhase: 'Disconnecting',
    })
    const steps = planCleanup(input({fcs: [done, going]}), all).steps.filter((s) => s.kind === 'disable-peering')
    expect(steps).toEqual([
      {
        kind: 'disable-peering',
        foreignCluster: 'fc-going',
        cluster: 'going',
        clusterId: 'id-fc-going',
        outgoing: 'No',
        phase: 'Disconnecting',
      },
    ])
  })

  it('flags objects already being deleted', () => {
    const plan = planCleanup(
      input({
        deployments: [aWorkload({name: 'web', deletionTimestamp: '2024-01-01T11:00:00Z'})],
        nsos: [aNamespaceOffloading({deletionTimestamp: '2024-01-01T11:00:00Z'})],
        namespaceObj: aNamespace({name: 'liqo-test', phase: 'Terminating', deletionTimestamp: '2024-01-01T11:00:00Z'}),
      }),
      {deployments: [], keepPeering: true},
    )
    expect(plan.steps.map((s) => ('alreadyDeleting' in s ? s.alreadyDeleting : undefined))).toEqual([true, true, true])
  })

  it('is empty when nothing is left', () => {
    const done = aForeignCluster({name: 'fc-done', outgoingEnabled: 'No', outgoingPhase: 'None'})
    const {namespaceObj: _drop, ...rest} = input({deployments: [], nsos: [], fcs: [done]})
    expect(planCleanup(rest, all)).toEqual({namespace: 'liqo-test', steps: [], notes: []})
  })

  it("does not reorder the caller's deployments array", () => {
    const deployments = [aWorkload({name: 'web'}), aWorkload({name: 'api'})]
    planCleanup(input({deployments}), all)
    expect(deployments.map((d) => d.name)).toEqual(['web', 'api'])
  })
})

describe('describeStep', () => {
  it('describes deployments', () => {
    expect(
      describeStep({kind: 'delete-deployment', namespace: 'ns', name: 'web', replicas: 3, alreadyDeleting: false}),
    ).toBe('delete deployment ns/web and its pods (3 replicas)')
    expect(
      describeStep({kind: 'delete-deployment', namespace: 'ns', name: 'web', replicas: 3, alreadyDeleting: true}),
    ).toBe('wait for deployment ns/web and its pods (3 replicas)')
  })

  it('describes the NamespaceOffloading, with remote clusters when known', () => {
    expect(
      describeStep({
        kind: 'delete-namespaceoffloading',
        namespace: 'ns',
        name: 'offloading',
        remoteClusters: ['milan', 'turin'],
        alreadyDeleting: false,
      }),
    ).toBe(
      'delete NamespaceOffloading ns/offloading; its finalizer waits until the remote namespaces are gone (on ' +
        'milan, turin)',
    )
    expect(
      describeStep({
        kind: 'delete-namespaceoffloading',
        namespace: 'ns',
        name: 'offloading',
        remoteClusters: [],
        alreadyDeleting: true,
      }),
    ).toBe('wait for NamespaceOffloading ns/offloading; its finalizer waits until the remote namespaces are gone')
  })

  it('describes the namespace', () => {
    expect(describeStep({kind: 'delete-namespace', namespace: 'ns', alreadyDeleting: false})).toBe(
      'delete namespace ns, until it is gone',
    )
    expect(describeStep({kind: 'delete-namespace', namespace: 'ns', alreadyDeleting: true})).toBe(
      'wait for the deletion of namespace ns, until it is gone',
    )
  })

  it('describes disabling a peering, or waiting for one already disabled', () => {
    expect(
      describeStep({
        kind: 'disable-peering',
        foreignCluster: 'fc-milan',
        cluster: 'milan',
        clusterId: 'id',
        outgoing: 'Auto',
        phase: 'Established',
      }),
    ).toBe('disable outgoing peering to milan (ForeignCluster fc-milan, now Auto/Established) and wait for None')
    expect(
      describeStep({
        kind: 'disable-peering',
        foreignCluster: 'fc-milan',
        cluster: 'milan',
        clusterId: 'id',
        outgoing: 'No',
        phase: 'Disconnecting',
      }),
    ).toBe('wait for the outgoing peering to milan to reach None (now Disconnecting)')
  })
})
