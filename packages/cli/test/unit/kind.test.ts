import {describe, expect, it} from 'vitest'

import type {KubeClient} from '../../src/k8s/client.js'
import {Kind, resourcePath} from '../../src/k8s/kind.js'
import {DEPLOYMENTS, NAMESPACES, PODS} from '../../src/k8s/kinds.js'
import {NAMESPACE_OFFLOADINGS} from '../../src/liqo/v0.js'

describe('resourcePath', () => {
  it('spells core and grouped paths, cluster-wide, per namespace and per object', () => {
    expect(PODS.path()).toBe('/api/v1/pods')
    expect(PODS.path({namespace: 'liqo-test'})).toBe('/api/v1/namespaces/liqo-test/pods')
    expect(NAMESPACES.path({name: 'liqo-test'})).toBe('/api/v1/namespaces/liqo-test')
    expect(DEPLOYMENTS.path({namespace: 'a', name: 'web'})).toBe('/apis/apps/v1/namespaces/a/deployments/web')
    expect(NAMESPACE_OFFLOADINGS.path({namespace: 'a', name: 'offloading'})).toBe(
      '/apis/offloading.liqo.io/v1alpha1/namespaces/a/namespaceoffloadings/offloading',
    )
  })

  it('encodes names', () => {
    expect(resourcePath({group: '', version: 'v1', plural: 'pods', kind: 'Pod'}, {namespace: 'a b', name: 'x/y'})).toBe(
      '/api/v1/namespaces/a%20b/pods/x%2Fy',
    )
  })
})

describe('Kind', () => {
  it('names objects as kubectl does', () => {
    expect(DEPLOYMENTS.ref('web')).toBe('deployment.apps/web')
    expect(NAMESPACES.ref('liqo-test')).toBe('namespace/liqo-test')
    expect(NAMESPACE_OFFLOADINGS.ref('offloading')).toBe('namespaceoffloading.offloading.liqo.io/offloading')
  })

  it('watches one object through its collection, selected by name', () => {
    const r = NAMESPACES.reflector({} as KubeClient, {name: 'liqo-test'})
    expect(r.path).toBe('/api/v1/namespaces')
    const d = DEPLOYMENTS.reflector({} as KubeClient, {namespace: 'a', name: 'web'})
    expect(d.path).toBe('/apis/apps/v1/namespaces/a/deployments')
  })

  it('maps with another mapper through as()', () => {
    const names = new Kind(
      {group: '', version: 'v1', plural: 'pods', kind: 'Pod'},
      (raw) => raw.metadata.name as string,
    ).as((raw) => raw.metadata.uid as string)
    expect(names.map({metadata: {name: 'a', uid: 'u'}})).toBe('u')
    expect(names.path()).toBe('/api/v1/pods')
  })

  it('builds the permission checks of the preflight', () => {
    expect(DEPLOYMENTS.access('delete', {namespace: 'a', name: 'web'})).toEqual({
      verb: 'delete',
      group: 'apps',
      resource: 'deployments',
      namespace: 'a',
      name: 'web',
    })
    expect(NAMESPACES.access('delete', {name: 'a'})).toEqual({
      verb: 'delete',
      group: '',
      resource: 'namespaces',
      name: 'a',
    })
  })
})
