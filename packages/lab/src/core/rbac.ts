/**
 * RBAC both lab modes set up in every cluster: the "lab:readonly" group, which may only read (the
 * kubeconfig's cluster-1-readonly user is in it).
 */
import type {KubeClient} from 'liqo-topology/k8s/client'

import {createIfMissing} from '../tutorial.js'

export async function installReadonlyRole(client: KubeClient): Promise<void> {
  await createIfMissing(client, '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {name: 'lab:readonly'},
    rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch']}],
  })
  await createIfMissing(client, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {name: 'lab:readonly'},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lab:readonly'},
    subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'lab:readonly'}],
  })
}
