import {describe, expect, it} from 'vitest'

import {UserError} from '../../src/toolkit/errors.js'
import {describeForeignCluster, matchForeignClusters, resolveForeignCluster} from '../../src/liqo/resolve.js'
import {aForeignCluster} from './fixtures.js'

function catchError(fn: () => unknown): UserError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(UserError)
    return e as UserError
  }
  throw new Error('expected a throw')
}

const milan = aForeignCluster({name: 'fc-milan', clusterId: 'ID-MILAN-0001', clusterName: 'milan'})
const turin = aForeignCluster({
  name: 'fc-turin',
  clusterId: '',
  clusterName: 'turin',
  labels: {'discovery.liqo.io/cluster-id': 'label-id-turin'},
})
const naples = aForeignCluster({name: 'naples', clusterId: 'id-naples', clusterName: ''})
const fcs = [milan, turin, naples]

describe('resolveForeignCluster', () => {
  it('matches by ForeignCluster name', () => {
    const r = resolveForeignCluster('fc-milan', fcs, 'home')
    expect(r.fc).toBe(milan)
    expect(r.matchedBy).toEqual(['name'])
  })

  it('matches by cluster ID from the spec, case-insensitively and trimmed', () => {
    const r = resolveForeignCluster('  id-milan-0001 ', fcs, 'home')
    expect(r.fc).toBe(milan)
    expect(r.matchedBy).toEqual(['cluster-id'])
  })

  it('matches by the discovery.liqo.io/cluster-id label', () => {
    const r = resolveForeignCluster('LABEL-ID-TURIN', fcs, 'home')
    expect(r.fc).toBe(turin)
    expect(r.matchedBy).toEqual(['cluster-id'])
  })

  it('matches by cluster name', () => {
    const r = resolveForeignCluster('Milan', fcs, 'home')
    expect(r.fc).toBe(milan)
    expect(r.matchedBy).toEqual(['cluster-name'])
  })

  it('reports every way one ForeignCluster matched', () => {
    const same = aForeignCluster({name: 'rome', clusterId: 'rome', clusterName: 'rome'})
    expect(resolveForeignCluster('rome', [same], 'home').matchedBy).toEqual(['name', 'cluster-id', 'cluster-name'])
  })

  it('never matches a prefix or a typo', () => {
    expect(matchForeignClusters('mil', fcs)).toEqual([])
    expect(matchForeignClusters('fc-milan2', fcs)).toEqual([])
  })

  it('an unknown input is a UserError whose hint lists the known clusters', () => {
    const e = catchError(() => resolveForeignCluster('paris', fcs, 'home'))
    expect(e.message).toBe('no ForeignCluster on context "home" matches "paris" (by name, cluster ID or cluster name)')
    expect(e.hint).toBe(
      'known clusters: fc-milan (ID ID-MILAN-0001, cluster name milan); fc-turin (ID ?, cluster name turin); ' +
        'naples (ID id-naples)',
    )
  })

  it('an empty input is a UserError listing the clusters', () => {
    const e = catchError(() => resolveForeignCluster('  ', fcs, 'home'))
    expect(e.message).toBe('no cluster given')
    expect(e.hint).toContain('fc-milan')
  })

  it('two different ForeignClusters matching is an ambiguous UserError, never a guess', () => {
    const a = aForeignCluster({name: 'berlin', clusterId: 'id-a', clusterName: 'x'})
    const b = aForeignCluster({name: 'fc-b', clusterId: 'id-b', clusterName: 'berlin'})
    const e = catchError(() => resolveForeignCluster('berlin', [a, b], 'home'))
    expect(e.message).toContain('"berlin" is ambiguous on context "home"')
    expect(e.message).toContain('berlin (ID id-a, cluster name x) by name')
    expect(e.message).toContain('fc-b (ID id-b, cluster name berlin) by cluster-name')
    expect(e.hint).toMatch(/ForeignCluster name/)
  })

  it('an empty list is a UserError saying there are no peerings', () => {
    const e = catchError(() => resolveForeignCluster('milan', [], 'kind-home'))
    expect(e.message).toBe('there are no ForeignClusters on context "kind-home": this cluster has no peerings')
    expect(e.hint).toBeTruthy()
  })
})

describe('describeForeignCluster', () => {
  it('omits the cluster name when it equals the object name or is empty', () => {
    expect(describeForeignCluster(aForeignCluster({name: 'a', clusterId: 'i', clusterName: 'a'}))).toBe('a (ID i)')
    expect(describeForeignCluster(aForeignCluster({name: 'a', clusterId: 'i', clusterName: ''}))).toBe('a (ID i)')
    expect(describeForeignCluster(aForeignCluster({name: 'a', clusterId: '', clusterName: 'b'}))).toBe(
      'a (ID ?, cluster name b)',
    )
  })
})
