import {describe, expect, it} from 'vitest'

import {
  crossTerms,
  matchesRequirement,
  matchesTerm,
  matchesTerms,
  podFitsNode,
  tolerates,
} from '../../src/model/scheduling.js'
import type {NodeSelectorTerm} from '../../src/model/types.js'
import {aNode, aScheduling, aVirtualNode, VIRTUAL_TOLERATION} from './fixtures.js'

const labels = {zone: 'a', tier: 'gold', cpus: '8', empty: ''}

describe('matchesRequirement', () => {
  it.each([
    ['In', 'zone', ['a', 'b'], true],
    ['In', 'zone', ['b'], false],
    ['In', 'missing', ['a'], false],
    ['In', 'empty', [''], true],
    ['NotIn', 'zone', ['b'], true],
    ['NotIn', 'zone', ['a'], false],
    ['NotIn', 'missing', ['a'], true],
    ['Exists', 'zone', undefined, true],
    ['Exists', 'empty', undefined, true],
    ['Exists', 'missing', undefined, false],
    ['DoesNotExist', 'missing', undefined, true],
    ['DoesNotExist', 'zone', undefined, false],
    ['Gt', 'cpus', ['4'], true],
    ['Gt', 'cpus', ['8'], false],
    ['Gt', 'cpus', ['16'], false],
    ['Lt', 'cpus', ['16'], true],
    ['Lt', 'cpus', ['8'], false],
    ['Lt', 'cpus', ['4'], false],
    ['Gt', 'missing', ['1'], false],
    ['Lt', 'missing', ['100'], false],
    ['Gt', 'zone', ['1'], false], // not a number
    ['Gt', 'cpus', ['x'], false],
    ['Gt', 'cpus', ['1', '2'], false], // exactly one value required
    ['Gt', 'cpus', [], false],
    ['Bogus', 'zone', ['a'], false],
  ] as Array<[string, string, string[] | undefined, boolean]>)('%s %s %j → %s', (operator, key, values, want) => {
    expect(matchesRequirement(labels, {key, operator, ...(values ? {values} : {})})).toBe(want)
  })

  // Kubernetes parses Gt/Lt label values with strconv.ParseInt and does not match when that fails.
  it('Gt/Lt do not match label values that are not whole integers', () => {
    expect(matchesRequirement({cpus: '8abc'}, {key: 'cpus', operator: 'Gt', values: ['4']})).toBe(false)
  })

  it('does not see inherited object properties as labels', () => {
    expect(matchesRequirement({}, {key: 'toString', operator: 'Exists'})).toBe(false)
    expect(matchesRequirement({}, {key: 'constructor', operator: 'DoesNotExist'})).toBe(true)
  })
})

describe('matchesTerm / matchesTerms', () => {
  const node = {name: 'node-1', labels}

  it('an empty term matches nothing', () => {
    expect(matchesTerm(node, {})).toBe(false)
    expect(matchesTerm(node, {matchExpressions: [], matchFields: []})).toBe(false)
  })

  it('ANDs the expressions of a term', () => {
    expect(
      matchesTerm(node, {
        matchExpressions: [
          {key: 'zone', operator: 'In', values: ['a']},
          {key: 'tier', operator: 'Exists'},
        ],
      }),
    ).toBe(true)
    expect(
      matchesTerm(node, {
        matchExpressions: [
          {key: 'zone', operator: 'In', values: ['a']},
          {key: 'nope', operator: 'Exists'},
        ],
      }),
    ).toBe(false)
  })

  it('matchFields supports metadata.name only', () => {
    expect(matchesTerm(node, {matchFields: [{key: 'metadata.name', operator: 'In', values: ['node-1']}]})).toBe(true)
    expect(matchesTerm(node, {matchFields: [{key: 'metadata.name', operator: 'NotIn', values: ['node-1']}]})).toBe(
      false,
    )
    expect(matchesTerm(node, {matchFields: [{key: 'metadata.uid', operator: 'Exists'}]})).toBe(false)
    // a node label literally called metadata.name is not a field
    expect(
      matchesTerm(
        {name: 'x', labels: {'metadata.name': 'node-1'}},
        {matchFields: [{key: 'metadata.name', operator: 'In', values: ['node-1']}]},
      ),
    ).toBe(false)
  })

  it('combines matchExpressions and matchFields with AND', () => {
    const term: NodeSelectorTerm = {
      matchExpressions: [{key: 'zone', operator: 'In', values: ['a']}],
      matchFields: [{key: 'metadata.name', operator: 'In', values: ['other']}],
    }
    expect(matchesTerm(node, term)).toBe(false)
  })

  it('ORs terms; an empty list is no constraint', () => {
    const no: NodeSelectorTerm = {matchExpressions: [{key: 'zone', operator: 'In', values: ['z']}]}
    const yes: NodeSelectorTerm = {matchExpressions: [{key: 'zone', operator: 'In', values: ['a']}]}
    expect(matchesTerms(node, [])).toBe(true)
    expect(matchesTerms(node, [no])).toBe(false)
    expect(matchesTerms(node, [no, yes])).toBe(true)
    expect(matchesTerms(node, [{}])).toBe(false)
  })
})

describe('tolerates', () => {
  const taint = {key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute'}

  it('Exists with the same key tolerates any value', () => {
    expect(tolerates([{key: taint.key, operator: 'Exists'}], taint)).toBe(true)
    expect(tolerates([{key: 'other', operator: 'Exists'}], taint)).toBe(false)
  })

  it('Exists without a key tolerates every taint', () => {
    expect(tolerates([{operator: 'Exists'}], taint)).toBe(true)
  })

  it('a toleration with another effect does not apply', () => {
    expect(tolerates([{key: taint.key, operator: 'Exists', effect: 'NoSchedule'}], taint)).toBe(false)
    expect(tolerates([{key: taint.key, operator: 'Exists', effect: 'NoExecute'}], taint)).toBe(true)
  })

  it('Equal (or no operator) compares the value', () => {
    expect(tolerates([{key: taint.key, operator: 'Equal', value: 'true'}], taint)).toBe(true)
    expect(tolerates([{key: taint.key, value: 'true'}], taint)).toBe(true)
    expect(tolerates([{key: taint.key, operator: 'Equal', value: 'false'}], taint)).toBe(false)
    expect(tolerates([{key: 'k', operator: 'Equal'}], {key: 'k', effect: 'NoSchedule'})).toBe(true)
  })

  it('no tolerations tolerate nothing', () => {
    expect(tolerates([], taint)).toBe(false)
  })
})

describe('podFitsNode', () => {
  const plain = aScheduling()

  it('fits an ordinary ready node', () => {
    expect(podFitsNode(plain, aNode({name: 'w'}))).toEqual({fits: true})
  })

  it('rejects a node that is not Ready or being deleted', () => {
    expect(podFitsNode(plain, aNode({name: 'w', ready: false}))).toEqual({fits: false, reason: 'node is not Ready'})
    expect(podFitsNode(plain, aNode({name: 'w', deletionTimestamp: '2024-01-01T00:00:00Z'}))).toEqual({
      fits: false,
      reason: 'node is being deleted',
    })
  })

  it('rejects a cordoned node unless the pod tolerates unschedulable', () => {
    const cordoned = aNode({name: 'w', unschedulable: true})
    expect(podFitsNode(plain, cordoned)).toEqual({fits: false, reason: 'node is cordoned'})
    expect(
      podFitsNode(
        aScheduling({
          tolerations: [{key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule'}],
        }),
        cordoned,
      ).fits,
    ).toBe(true)
  })

  it('rejects untolerated NoSchedule and NoExecute taints, naming them', () => {
    expect(podFitsNode(plain, aVirtualNode('vk', 'id'))).toEqual({
      fits: false,
      reason: 'untolerated taint virtual-node.liqo.io/not-allowed=true:NoExecute',
    })
    expect(podFitsNode(plain, aNode({name: 'w', taints: [{key: 'dedicated', effect: 'NoSchedule'}]}))).toEqual({
      fits: false,
      reason: 'untolerated taint dedicated:NoSchedule',
    })
    expect(podFitsNode(aScheduling({tolerations: [VIRTUAL_TOLERATION]}), aVirtualNode('vk', 'id')).fits).toBe(true)
  })

  it('ignores PreferNoSchedule taints', () => {
    expect(podFitsNode(plain, aNode({name: 'w', taints: [{key: 'soft', effect: 'PreferNoSchedule'}]})).fits).toBe(true)
  })

  it('applies the nodeSelector', () => {
    const s = aScheduling({nodeSelector: {disk: 'ssd'}})
    expect(podFitsNode(s, aNode({name: 'w', labels: {disk: 'ssd'}})).fits).toBe(true)
    expect(podFitsNode(s, aNode({name: 'w', labels: {disk: 'hdd'}}))).toEqual({
      fits: false,
      reason: 'nodeSelector disk=ssd does not match',
    })
    expect(podFitsNode(s, aNode({name: 'w', labels: {}})).fits).toBe(false)
  })

  it('applies the required node affinity', () => {
    const s = aScheduling({
      tolerations: [VIRTUAL_TOLERATION],
      requiredTerms: [{matchExpressions: [{key: 'liqo.io/type', operator: 'In', values: ['virtual-node']}]}],
    })
    expect(podFitsNode(s, aVirtualNode('vk', 'id')).fits).toBe(true)
    expect(podFitsNode(s, aNode({name: 'w'}))).toEqual({fits: false, reason: 'required node affinity does not match'})
  })
})

describe('crossTerms', () => {
  const a1: NodeSelectorTerm = {matchExpressions: [{key: 'a', operator: 'Exists'}]}
  const a2: NodeSelectorTerm = {matchFields: [{key: 'metadata.name', operator: 'In', values: ['n']}]}
  const b1: NodeSelectorTerm = {matchExpressions: [{key: 'b', operator: 'Exists'}]}
  const b2: NodeSelectorTerm = {matchExpressions: [{key: 'c', operator: 'DoesNotExist'}]}

  it('an empty side leaves the other unchanged', () => {
    expect(crossTerms([], [b1])).toEqual([b1])
    expect(crossTerms([a1], [])).toEqual([a1])
    expect(crossTerms([], [])).toEqual([])
  })

  it('ANDs every term of one side with every term of the other', () => {
    expect(crossTerms([a1, a2], [b1, b2])).toEqual([
      {
        matchExpressions: [
          {key: 'a', operator: 'Exists'},
          {key: 'b', operator: 'Exists'},
        ],
      },
      {
        matchExpressions: [
          {key: 'a', operator: 'Exists'},
          {key: 'c', operator: 'DoesNotExist'},
        ],
      },
      {
        matchExpressions: [{key: 'b', operator: 'Exists'}],
        matchFields: [{key: 'metadata.name', operator: 'In', values: ['n']}],
      },
      {
        matchExpressions: [{key: 'c', operator: 'DoesNotExist'}],
        matchFields: [{key: 'metadata.name', operator: 'In', values: ['n']}],
      },
    ])
  })

  it('does not mutate its inputs', () => {
    const left = [structuredClone(a1)]
    const right = [structuredClone(b1)]
    crossTerms(left, right)
    expect(left).toEqual([a1])
    expect(right).toEqual([b1])
  })

  it('a node matches the crossed terms iff it matches both sides', () => {
    const nodes: Array<{name: string; labels: Record<string, string>}> = [
      {name: 'n', labels: {a: '1', b: '1'}},
      {name: 'n', labels: {a: '1'}},
      {name: 'm', labels: {b: '1'}},
      {name: 'm', labels: {c: '1'}},
    ]
    for (const n of nodes) {
      expect(matchesTerms(n, crossTerms([a1, a2], [b1, b2]))).toBe(
        matchesTerms(n, [a1, a2]) && matchesTerms(n, [b1, b2]),
      )
    }
  })
})
