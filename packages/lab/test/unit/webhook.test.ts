import {describe, expect, it} from 'vitest'

import {mutatePod, offloadingTerms} from '../../src/emulator/webhook.js'
import {matchesTerms} from 'liqo-topology/model/scheduling'
import type {NamespaceOffloading, NodeSelectorTerm} from 'liqo-topology/model/types'

type Json = Record<string, any>
type Nso = Pick<NamespaceOffloading, 'podStrategy' | 'clusterSelector'>

const IS_VIRTUAL: NodeSelectorTerm = {
  matchExpressions: [{key: 'liqo.io/type', operator: 'In', values: ['virtual-node']}],
}
const IS_LOCAL: NodeSelectorTerm = {
  matchExpressions: [{key: 'liqo.io/type', operator: 'NotIn', values: ['virtual-node']}],
}
const REGION_EU: NodeSelectorTerm = {
  matchExpressions: [{key: 'topology.liqo.io/region', operator: 'In', values: ['eu']}],
}
const PROVIDER_X: NodeSelectorTerm = {matchExpressions: [{key: 'liqo.io/provider', operator: 'In', values: ['x']}]}
const TOLERATION = {key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute'}

/** Applies RFC 6902 "add" operations strictly: the parent must exist, "-" appends to an array. */
function applyPatch(doc: Json, ops: Json[]): Json {
  const out = structuredClone(doc)
  for (const op of ops) {
    expect(op.op).toBe('add')
    expect(op.path).toMatch(/^(\/[^/]+)+$/)
    const parts = (op.path as string)
      .slice(1)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    const last = parts.pop()!
    let parent: any = out
    for (const p of parts) {
      if (parent === null || typeof parent !== 'object' || !(p in parent))
        throw new Error(`path ${op.path}: parent ${p} does not exist`)
      parent = parent[p]
    }
    if (Array.isArray(parent)) {
      if (last !== '-') throw new Error(`path ${op.path}: only appends are expected`)
      parent.push(op.value)
    } else {
      if (parent === null || typeof parent !== 'object') throw new Error(`path ${op.path}: parent is not an object`)
      parent[last] = op.value
    }
  }
  return out
}

const pod = (spec: Json = {}): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: 'p', namespace: 'liqo-test'},
  spec: {containers: [{name: 'c', image: 'nginx'}], ...spec},
})
const required = (p: Json): NodeSelectorTerm[] =>
  p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms

const virtualEu = {name: 'liqo-eu', labels: {'liqo.io/type': 'virtual-node', 'topology.liqo.io/region': 'eu'}}
const virtualUs = {name: 'liqo-us', labels: {'liqo.io/type': 'virtual-node', 'topology.liqo.io/region': 'us'}}
const local = {name: 'worker', labels: {'kubernetes.io/hostname': 'worker'}}

describe('offloadingTerms', () => {
  it('Local imposes nothing', () => {
    expect(offloadingTerms({podStrategy: 'Local'})).toBeUndefined()
    expect(offloadingTerms({podStrategy: 'Local', clusterSelector: {nodeSelectorTerms: [REGION_EU]}})).toBeUndefined()
  })

  it('Remote: virtual nodes only, ANDed with each clusterSelector term', () => {
    expect(offloadingTerms({podStrategy: 'Remote'})).toEqual([IS_VIRTUAL])
    expect(offloadingTerms({podStrategy: 'Remote', clusterSelector: {nodeSelectorTerms: []}})).toEqual([IS_VIRTUAL])
    expect(
      offloadingTerms({podStrategy: 'Remote', clusterSelector: {nodeSelectorTerms: [REGION_EU, PROVIDER_X]}}),
    ).toEqual([
      {matchExpressions: [...REGION_EU.matchExpressions!, ...IS_VIRTUAL.matchExpressions!]},
      {matchExpressions: [...PROVIDER_X.matchExpressions!, ...IS_VIRTUAL.matchExpressions!]},
    ])
  })

  it('LocalAndRemote: the selected remote clusters OR any local node', () => {
    expect(offloadingTerms({podStrategy: 'LocalAndRemote'})).toEqual([IS_VIRTUAL, IS_LOCAL])
    expect(offloadingTerms({podStrategy: 'LocalAndRemote', clusterSelector: {nodeSelectorTerms: [REGION_EU]}})).toEqual(
      [REGION_EU, IS_LOCAL],
    )
  })

  it('select the expected nodes', () => {
    const remoteEu = offloadingTerms({podStrategy: 'Remote', clusterSelector: {nodeSelectorTerms: [REGION_EU]}})!
    expect([virtualEu, virtualUs, local].map((n) => matchesTerms(n, remoteEu))).toEqual([true, false, false])
    const both = offloadingTerms({podStrategy: 'LocalAndRemote', clusterSelector: {nodeSelectorTerms: [REGION_EU]}})!
    expect([virtualEu, virtualUs, local].map((n) => matchesTerms(n, both))).toEqual([true, false, true])
    const remote = offloadingTerms({podStrategy: 'Remote'})!
    expect([virtualEu, virtualUs, local].map((n) => matchesTerms(n, remote))).toEqual([true, true, false])
  })
})

describe('mutatePod', () => {
  it('Local: no patch at all', () => {
    expect(mutatePod(pod(), {podStrategy: 'Local'})).toEqual([])
  })

  it('Remote on a plain pod: adds the toleration list and the affinity', () => {
    const nso: Nso = {podStrategy: 'Remote'}
    const ops = mutatePod(pod(), nso)
    expect(ops).toEqual([
      {op: 'add', path: '/spec/tolerations', value: [TOLERATION]},
      {
        op: 'add',
        path: '/spec/affinity',
        value: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [IS_VIRTUAL]}}},
      },
    ])
    const out = applyPatch(pod(), ops)
    expect(out.spec.tolerations).toEqual([TOLERATION])
    expect(required(out)).toEqual([IS_VIRTUAL])
  })

  it('LocalAndRemote with a clusterSelector: selected clusters or local', () => {
    const out = applyPatch(
      pod(),
      mutatePod(pod(), {podStrategy: 'LocalAndRemote', clusterSelector: {nodeSelectorTerms: [REGION_EU]}}),
    )
    expect(required(out)).toEqual([REGION_EU, IS_LOCAL])
  })

  it('appends to existing tolerations, and does not duplicate the virtual-node one', () => {
    const other = {key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule'}
    const withOther = pod({tolerations: [other]})
    const ops = mutatePod(withOther, {podStrategy: 'Remote'})
    expect(ops[0]).toEqual({op: 'add', path: '/spec/tolerations/-', value: TOLERATION})
    expect(applyPatch(withOther, ops).spec.tolerations).toEqual([other, TOLERATION])

    const already = pod({tolerations: [TOLERATION]})
    const ops2 = mutatePod(already, {podStrategy: 'Remote'})
    expect(ops2.some((o) => String(o.path).startsWith('/spec/tolerations'))).toBe(false)
    expect(applyPatch(already, ops2).spec.tolerations).toEqual([TOLERATION])
  })

  it("crosses the pod's own required affinity with the offloading terms", () => {
    const zoneA: NodeSelectorTerm = {matchExpressions: [{key: 'zone', operator: 'In', values: ['a']}]}
    const zoneB: NodeSelectorTerm = {matchExpressions: [{key: 'zone', operator: 'In', values: ['b']}]}
    const p = pod({
      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [zoneA, zoneB]}}},
    })
    const ops = mutatePod(p, {podStrategy: 'LocalAndRemote', clusterSelector: {nodeSelectorTerms: [REGION_EU]}})
    expect(ops.map((o) => o.path)).toEqual([
      '/spec/tolerations',
      '/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution',
    ])
    const terms = required(applyPatch(p, ops))
    expect(terms).toEqual([
      {matchExpressions: [...zoneA.matchExpressions!, ...REGION_EU.matchExpressions!]},
      {matchExpressions: [...zoneA.matchExpressions!, ...IS_LOCAL.matchExpressions!]},
      {matchExpressions: [...zoneB.matchExpressions!, ...REGION_EU.matchExpressions!]},
      {matchExpressions: [...zoneB.matchExpressions!, ...IS_LOCAL.matchExpressions!]},
    ])
    // the result selects exactly the nodes both constraints allow
    const nodes = [
      {name: 'a', labels: {...virtualEu.labels, zone: 'a'}},
      {name: 'b', labels: {...virtualUs.labels, zone: 'b'}},
      {name: 'c', labels: {zone: 'b'}},
      {name: 'd', labels: {zone: 'c'}},
    ]
    expect(nodes.map((n) => matchesTerms(n, terms))).toEqual([true, false, true, false])
  })

  it('adds nodeAffinity under an existing affinity without touching podAntiAffinity or preferred terms', () => {
    const anti = {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {topologyKey: 'kubernetes.io/hostname', labelSelector: {matchLabels: {app: 'web'}}},
      ],
    }
    const p = pod({affinity: {podAntiAffinity: anti}})
    const ops = mutatePod(p, {podStrategy: 'Remote'})
    expect(ops[1]).toEqual({
      op: 'add',
      path: '/spec/affinity/nodeAffinity',
      value: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [IS_VIRTUAL]}},
    })
    const out = applyPatch(p, ops)
    expect(out.spec.affinity.podAntiAffinity).toEqual(anti)

    const preferred = [{weight: 1, preference: REGION_EU}]
    const q = pod({affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: preferred}}})
    const outQ = applyPatch(q, mutatePod(q, {podStrategy: 'Remote'}))
    expect(outQ.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual(preferred)
    expect(required(outQ)).toEqual([IS_VIRTUAL])
  })

  it('does not mutate the pod it is given', () => {
    const p = pod({tolerations: []})
    const before = structuredClone(p)
    mutatePod(p, {podStrategy: 'LocalAndRemote'})
    expect(p).toEqual(before)
  })

  it('produces a patch that is valid JSON for an AdmissionReview', () => {
    const ops = mutatePod(pod(), {podStrategy: 'LocalAndRemote'})
    expect(
      JSON.parse(Buffer.from(Buffer.from(JSON.stringify(ops)).toString('base64'), 'base64').toString('utf8')),
    ).toEqual(ops)
  })
})
