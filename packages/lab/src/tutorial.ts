/**
 * The state the Liqo tutorial's "Dynamic topology" step starts from: namespace `liqo-test`
 * offloaded with Remote + EnforceSameName to every peered cluster, and the tutorial's
 * nginx Deployment (3 replicas) running on cluster-2 and cluster-3.
 */
import {ApiError} from 'liqo-topology/toolkit/errors'
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {toPod} from 'liqo-topology/k8s/map'
import {toNode} from 'liqo-topology/liqo/nodes'
import {notReadyTaint} from 'liqo-topology/model/scheduling'
import {toForeignCluster} from 'liqo-topology/liqo/v0'
import {Reflector} from 'liqo-topology/k8s/reflector'
import {
  LABEL_SCHEDULING_ENABLED,
  NAMESPACE_OFFLOADING,
  NAMESPACE_OFFLOADING_NAME,
  fcPath,
  nsOffloadingPath,
} from 'liqo-topology/liqo/constants'

export const TUTORIAL_NAMESPACE = 'liqo-test'
export const TUTORIAL_DEPLOYMENT = 'nginx-deployment'

export function namespaceOffloadingBody(namespace: string): Json {
  return {
    apiVersion: `${NAMESPACE_OFFLOADING.group}/${NAMESPACE_OFFLOADING.version}`,
    kind: NAMESPACE_OFFLOADING.kind,
    metadata: {name: NAMESPACE_OFFLOADING_NAME, namespace},
    spec: {namespaceMappingStrategy: 'EnforceSameName', podOffloadingStrategy: 'Remote'},
  }
}

export function nginxDeploymentBody(namespace: string, replicas = 3): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: TUTORIAL_DEPLOYMENT, namespace, labels: {app: 'liqo-test'}},
    spec: {
      replicas,
      selector: {matchLabels: {app: 'liqo-test'}},
      template: {
        metadata: {labels: {app: 'liqo-test'}},
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginxdemos/hello',
              imagePullPolicy: 'IfNotPresent',
              ports: [{containerPort: 80, name: 'web'}],
            },
          ],
        },
      },
    },
  }
}

export function serviceBody(namespace: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'liqo-test-service', namespace},
    spec: {
      type: 'ClusterIP',
      selector: {app: 'liqo-test'},
      ports: [{name: 'web', port: 80, protocol: 'TCP', targetPort: 'web'}],
    },
  }
}

export async function createIfMissing(client: KubeClient, path: string, body: Json): Promise<void> {
  try {
    await client.create(path, body)
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e
  }
}

/**
 * Waits until `check` holds over the current objects at `paths`, checking again whenever one of
 * them changes: one list and one watch per path, where a poll would list them all again and again.
 */
export async function untilWatched<T>(
  client: KubeClient,
  paths: string[],
  what: string,
  timeoutMs: number,
  check: (lists: Json[][]) => Promise<T | undefined | false> | T | undefined | false,
): Promise<T> {
  const ctl = new AbortController()
  const reflectors = paths.map((path) => new Reflector<Json>(client, path, {map: (raw) => raw}))
  try {
    return await new Promise<T>((resolve, reject) => {
      let checking = false
      let again = false
      const evaluate = async (): Promise<void> => {
        if (checking) return void (again = true)
        if (!reflectors.every((r) => r.synced)) return
        checking = true
        try {
          do {
            again = false
            const r = await check(reflectors.map((x) => [...x.store.values()]))
            if (r) return resolve(r)
          } while (again)
        } catch (e) {
          reject(e as Error)
        } finally {
          checking = false
        }
      }
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`)),
        timeoutMs,
      )
      ctl.signal.addEventListener('abort', () => clearTimeout(timer), {once: true})
      for (const r of reflectors) r.run(ctl.signal, () => void evaluate()).catch((e: unknown) => reject(e as Error))
      // Also once each has listed: a list that comes back empty reports no change, and a check that
      // waits on it (e.g. no Service to serve) would otherwise wait for an unrelated event.
      for (const r of reflectors) void r.whenSynced().then(() => evaluate())
    })
  } finally {
    ctl.abort()
  }
}

/** Offloads `namespace` like the tutorial's "change topology" step (idempotent). */
export async function offloadNamespace(home: KubeClient, namespace: string): Promise<void> {
  await createIfMissing(home, '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}})
  await createIfMissing(home, nsOffloadingPath(namespace), namespaceOffloadingBody(namespace))
  // Pods created before Liqo labels the namespace would not be mutated by the webhook.
  await untilWatched(
    home,
    ['/api/v1/namespaces', nsOffloadingPath(namespace)],
    `namespace ${namespace} to be offloaded`,
    60_000,
    ([nss, nsos]) => {
      const ns = nss!.find((n) => n.metadata?.name === namespace)
      const nso = nsos!.find((n) => n.metadata?.name === NAMESPACE_OFFLOADING_NAME)
      return ns?.metadata?.labels?.[LABEL_SCHEDULING_ENABLED] === 'true' && nso?.status?.offloadingPhase === 'Ready'
    },
  )
}

/**
 * Every remote cluster peered: outgoing peering "Yes", Established, and its virtual node
 * schedulable (the not-ready taint added at creation removed by the node lifecycle controller).
 */
export async function ensurePeerings(home: KubeClient, remoteIds: string[], timeoutMs = 60_000): Promise<void> {
  const fcs = (await home.list(fcPath(), {}, toForeignCluster)).items
  for (const id of remoteIds) {
    const fc = fcs.find((f) => f.clusterId === id)
    if (!fc) throw new Error(`no ForeignCluster for cluster ${id}`)
    if (fc.outgoingEnabled !== 'Yes')
      await home.patch(fcPath(fc.name), {spec: {outgoingPeeringEnabled: 'Yes'}}, 'merge')
  }
  await untilWatched(home, [fcPath(), '/api/v1/nodes'], 'the peerings to be Established', timeoutMs, ([fcs, nodes]) => {
    const now = fcs!.map(toForeignCluster)
    return (
      remoteIds.every((id) => now.find((f) => f.clusterId === id)?.outgoingPhase === 'Established') &&
      virtualNodesReady(nodes!, remoteIds)
    )
  })
}

/** Every remote cluster has a virtual node that is Ready and schedulable (the not-ready taint gone). */
function virtualNodesReady(rawNodes: Json[], remoteIds: string[]): boolean {
  const nodes = rawNodes.map(toNode)
  return remoteIds.every((id) => {
    const node = nodes.find((n) => n.virtual && n.remoteClusterId === id)
    return node?.ready && !node.unschedulable && !notReadyTaint(node)
  })
}

export async function waitVirtualNodesReady(home: KubeClient, remoteIds: string[], timeoutMs = 120_000): Promise<void> {
  await untilWatched(
    home,
    ['/api/v1/nodes'],
    `a Ready virtual node for ${remoteIds.join(' and ')}`,
    timeoutMs,
    ([nodes]) => virtualNodesReady(nodes!, remoteIds),
  )
}

export async function setupTutorial(
  home: KubeClient,
  remoteIds: string[],
  onProgress: (m: string) => void,
): Promise<void> {
  await ensurePeerings(home, remoteIds)
  onProgress(`offloading namespace ${TUTORIAL_NAMESPACE} (Remote, EnforceSameName)`)
  await offloadNamespace(home, TUTORIAL_NAMESPACE)
  await deployTutorialWorkload(home, remoteIds, onProgress)
}

/**
 * The tutorial's workload in an offloaded namespace: nginx-deployment (3 replicas) and its
 * Service, Running on every remote cluster (idempotent).
 */
export async function deployTutorialWorkload(
  home: KubeClient,
  remoteIds: string[],
  onProgress: (m: string) => void,
): Promise<void> {
  onProgress(`deploying ${TUTORIAL_DEPLOYMENT} (3 replicas)`)
  await createIfMissing(
    home,
    `/apis/apps/v1/namespaces/${TUTORIAL_NAMESPACE}/deployments`,
    nginxDeploymentBody(TUTORIAL_NAMESPACE),
  )
  await createIfMissing(home, `/api/v1/namespaces/${TUTORIAL_NAMESPACE}/services`, serviceBody(TUTORIAL_NAMESPACE))
  // The scheduler spreads replicas over the virtual nodes; should it ever pile them up on one
  // cluster, a pod of the crowded cluster is deleted so that its replacement lands elsewhere.
  let nudges = 0
  const podsPath = `/api/v1/namespaces/${TUTORIAL_NAMESPACE}/pods`
  await untilWatched(
    home,
    [podsPath, '/api/v1/nodes'],
    `3 pods of ${TUTORIAL_DEPLOYMENT} Running on ${remoteIds.length} remote clusters`,
    90_000,
    async ([rawPods, rawNodes]) => {
      const pods = rawPods!.filter((p) => p.metadata?.labels?.app === 'liqo-test').map(toPod)
      const nodes = new Map(rawNodes!.map(toNode).map((n) => [n.name, n]))
      const running = pods.filter((p) => p.ready && !p.deletionTimestamp)
      if (running.length !== 3 || pods.length !== 3) return false
      const clusterOf = (p: (typeof running)[number]) => nodes.get(p.nodeName ?? '')?.remoteClusterId
      const clusters = new Set(running.map(clusterOf).filter(Boolean))
      if (remoteIds.every((id) => clusters.has(id))) return true
      if (nudges++ < 5) await home.delete(`/api/v1/namespaces/${TUTORIAL_NAMESPACE}/pods/${running[0]!.name}`)
      return false
    },
  )
}
