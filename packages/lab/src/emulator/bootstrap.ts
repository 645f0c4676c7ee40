/**
 * What `liqoctl install` and `liqoctl add cluster` leave behind, recreated on the lab clusters:
 * the Liqo CRDs, the `liqo` namespace with the cluster-identity ConfigMap and the controller-manager
 * Deployment, the pod webhook registration, the ForeignClusters of the home cluster, and a
 * read-only role for trying RBAC failures.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import yaml from 'js-yaml'

import {ApiError} from 'liqo-topology/toolkit/errors'
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {
  FOREIGN_CLUSTER,
  LABEL_DISCOVERY_TYPE,
  LABEL_FC_CLUSTER_ID,
  LABEL_SCHEDULING_ENABLED,
  LIQO_NAMESPACE,
  fcPath,
} from 'liqo-topology/liqo/constants'
import {packageRoot} from '../binaries.js'
import {untilWatched} from '../tutorial.js'
import {LIQO_VERSION} from '../core/nodes.js'
import type {EmuCluster} from './model.js'

export const WEBHOOK_CONFIGURATION = 'liqo-mutating-webhook-configuration'

export function crdManifests(): Json[] {
  const dir = join(packageRoot(), 'build', 'manifests')
  return ['foreignclusters.discovery.liqo.io.yaml', 'namespaceoffloadings.offloading.liqo.io.yaml'].map(
    (f) => yaml.load(readFileSync(join(dir, f), 'utf8')) as Json,
  )
}

/** Create-or-ignore: the lab bootstraps fresh clusters, and a rerun must not fail. */
async function createIfMissing(client: KubeClient, path: string, body: Json): Promise<void> {
  try {
    await client.create(path, body)
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e
  }
}

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'

export async function installCrds(client: KubeClient): Promise<void> {
  const crds = crdManifests()
  for (const crd of crds) await createIfMissing(client, CRDS, crd)
  // Wait until served (Established), as `kubectl wait --for condition=established` would: watched
  // (one list and one watch of the CRDs), each change checked as it arrives.
  let pending: string[] = []
  await untilWatched(client, [CRDS], 'the CRDs to become Established', 30_000, ([got]) => {
    const established = (x: Json) =>
      (x.status?.conditions ?? []).some((c: Json) => c.type === 'Established' && c.status === 'True')
    pending = crds
      .map((crd) => crd.metadata.name as string)
      .filter((name) => !got!.some((x) => x.metadata?.name === name && established(x)))
    return pending.length === 0
  }).catch((e: Error) => {
    throw new Error(`${e.message}; not Established: ${pending.join(', ')}`, {cause: e})
  })
}

export async function installLiqoNamespace(c: EmuCluster): Promise<void> {
  const client = c.client!
  await createIfMissing(client, '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {name: LIQO_NAMESPACE},
  })
  await createIfMissing(client, `/api/v1/namespaces/${LIQO_NAMESPACE}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cluster-id',
      namespace: LIQO_NAMESPACE,
      labels: {'app.kubernetes.io/name': 'clusterid-configmap', 'app.kubernetes.io/component': 'clusterid-configmap'},
    },
    data: {CLUSTER_ID: c.id, CLUSTER_NAME: c.name},
  })
  const labels = {
    'app.kubernetes.io/name': 'controller-manager',
    'app.kubernetes.io/instance': 'liqo',
    'app.kubernetes.io/version': LIQO_VERSION,
  }
  await createIfMissing(client, `/apis/apps/v1/namespaces/${LIQO_NAMESPACE}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'liqo-controller-manager', namespace: LIQO_NAMESPACE, labels},
    spec: {
      replicas: 1,
      selector: {matchLabels: {'app.kubernetes.io/name': 'controller-manager'}},
      template: {
        metadata: {labels},
        spec: {
          containers: [
            {
              name: 'controller-manager',
              image: `liqo/liqo-controller-manager:${LIQO_VERSION}`,
              args: [`--cluster-id=${c.id}`],
            },
          ],
          // Bound to the cluster's own node (remote lab clusters have no scheduler); never offloaded.
          nodeName: c.nodeName,
        },
      },
    },
  })
}

export async function installWebhook(client: KubeClient, port: number, caPem: string): Promise<void> {
  await createIfMissing(client, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {name: WEBHOOK_CONFIGURATION},
    webhooks: [
      {
        name: 'pod.mutate.liqo.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 5,
        clientConfig: {url: `https://127.0.0.1:${port}/mutate-pod`, caBundle: Buffer.from(caPem).toString('base64')},
        rules: [
          {apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced'},
        ],
        namespaceSelector: {matchLabels: {[LABEL_SCHEDULING_ENABLED]: 'true'}},
      },
    ],
  })
}

/** The ForeignCluster `liqoctl add cluster <name> --id <uuid> --auth-url <url>` creates, peering on. */
export function foreignClusterBody(remote: EmuCluster, outgoing: 'Yes' | 'No' | 'Auto' = 'Yes'): Json {
  return {
    apiVersion: `${FOREIGN_CLUSTER.group}/${FOREIGN_CLUSTER.version}`,
    kind: FOREIGN_CLUSTER.kind,
    metadata: {name: remote.name, labels: {[LABEL_FC_CLUSTER_ID]: remote.id, [LABEL_DISCOVERY_TYPE]: 'Manual'}},
    spec: {
      clusterIdentity: {clusterID: remote.id, clusterName: remote.name},
      foreignAuthUrl: remote.authUrl,
      outgoingPeeringEnabled: outgoing,
      incomingPeeringEnabled: 'Auto',
      insecureSkipTLSVerify: true,
    },
  }
}

export async function addForeignCluster(
  home: KubeClient,
  remote: EmuCluster,
  outgoing: 'Yes' | 'No' | 'Auto' = 'Yes',
): Promise<void> {
  await createIfMissing(home, fcPath(), foreignClusterBody(remote, outgoing))
}
