/**
 * The kubelets of the lab: the worker node of every cluster, and Liqo's virtual kubelet for the
 * virtual nodes of the home cluster. Nodes are created Ready and kept alive with Lease heartbeats;
 * pods bound to them become Running/Ready; a pod being deleted is finished like a kubelet would
 * (after its remote twin is removed, for offloaded pods).
 */
import {randomBytes} from 'node:crypto'

import {ApiError} from 'liqo-topology/toolkit/errors'
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {
  LABEL_NODE_TYPE,
  LABEL_REMOTE_CLUSTER_ID,
  LABEL_TWIN_DESTINATION,
  LABEL_TWIN_ORIGIN,
  VIRTUAL_NODE_TAINT,
  VIRTUAL_NODE_TYPE,
} from 'liqo-topology/liqo/constants'
import {nodeBody, nodeConditions, nodeStatus, nowIso, type NodeKind} from '../core/nodes.js'
import {IpPool, virtualNodeName, type EmuCluster} from './model.js'

export const VIRTUAL_NODE_FINALIZER = 'virtualnode-controller.liqo.io/finalizer'

export interface EmulatedNode {
  name: string
  /** The cluster whose API server holds the Node object. */
  client: KubeClient
  kind: NodeKind
  /** For virtual nodes: the remote cluster they stand for. */
  remote?: EmuCluster
  /** Its peering is being withdrawn: the NotReady the withdrawal posted stays (no Ready heartbeat). */
  withdrawn?: boolean
  ips: IpPool
}

export function virtualNodeBody(remote: EmuCluster): Json {
  return nodeBody(
    virtualNodeName(remote),
    {
      [LABEL_NODE_TYPE]: VIRTUAL_NODE_TYPE,
      [LABEL_REMOTE_CLUSTER_ID]: remote.id,
      'kubernetes.io/role': 'agent',
      'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
      'alpha.service-controller.kubernetes.io/exclude-balancer': 'true',
      ...remote.labels,
    },
    {taints: [{...VIRTUAL_NODE_TAINT}]},
    [VIRTUAL_NODE_FINALIZER],
  )
}

/**
 * Posts the node Ready again, as a kubelet does when the status it computes differs from the API
 * server's: after an outage that outlived the node's grace period, the node controller has marked
 * it Unknown, and only the kubelet puts Ready back (a renewed Lease does not).
 */
export async function postReady(client: KubeClient, name: string): Promise<void> {
  await client.patch(`/api/v1/nodes/${name}/status`, {status: {conditions: nodeConditions(true)}}, 'merge')
}

/** Liqo's withdrawal: node NotReady with memory pressure and empty resources, then cordoned. */
export async function cordonNotReady(client: KubeClient, name: string): Promise<void> {
  const empty = {cpu: '0', memory: '0', pods: '0'}
  await client
    .patch(`/api/v1/nodes/${name}/status`, nodeStatus('virtual', false, empty, '0.0.0.0'), 'merge')
    .catch(ignoreNotFound)
  await client.patch(`/api/v1/nodes/${name}`, {spec: {unschedulable: true}}, 'merge').catch(ignoreNotFound)
}

export function ignoreNotFound(e: unknown): void {
  if (e instanceof ApiError && e.isNotFound) return
  throw e
}

/**
 * Takes one finalizer off an object, as a Liqo controller takes off its own: the others (another
 * controller's, or a test's hold) stay. A JSON patch that tests the entry first, so that a list
 * changed meanwhile is read again rather than overwritten.
 */
export async function removeFinalizer(client: KubeClient, path: string, finalizer: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const obj = await client.getOrNull<{metadata?: {finalizers?: string[]}}>(path)
    const i = obj?.metadata?.finalizers?.indexOf(finalizer) ?? -1
    if (i < 0) return
    const at = `/metadata/finalizers/${i}`
    try {
      await client.patch(
        path,
        [
          {op: 'test', path: at, value: finalizer},
          {op: 'remove', path: at},
        ],
        'json',
      )
      return
    } catch (e) {
      if (e instanceof ApiError && e.isNotFound) return
      if (!(e instanceof ApiError && e.code === 422) || attempt >= 5) throw e
    }
  }
}

/**
 * The conditions of a pod whose containers all run and are ready: every one True, a condition that
 * was True already keeping its lastTransitionTime (as a kubelet's status manager does).
 */
export function runningConditions(existing: Json[] = []): Json[] {
  const now = nowIso()
  const keep = (type: string) => existing.find((c) => c.type === type && c.status === 'True')?.lastTransitionTime ?? now
  return ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
    type,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: keep(type),
  }))
}

/** Status of a pod whose containers all run: what a kubelet reports. */
export function runningStatus(raw: Json, podIP: string, hostIP: string): Json {
  const now = nowIso()
  const conditions = runningConditions(raw.status?.conditions)
  const containers: Json[] = raw.spec?.containers ?? []
  return {
    status: {
      phase: 'Running',
      conditions,
      hostIP,
      hostIPs: [{ip: hostIP}],
      podIP,
      podIPs: [{ip: podIP}],
      startTime: raw.status?.startTime ?? now,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        ready: true,
        started: true,
        restartCount: 0,
        image: c.image,
        imageID: `docker.io/${c.image}@sha256:${randomBytes(32).toString('hex')}`,
        containerID: `containerd://${randomBytes(32).toString('hex')}`,
        state: {running: {startedAt: now}},
      })),
    },
  }
}

/** The remote twin of an offloaded pod (Liqo v0.3.2 reflects it with the same name). */
export function twinBody(raw: Json, remoteNamespace: string, home: EmuCluster, remote: EmuCluster): Json {
  const md = raw.metadata ?? {}
  const containers = ((raw.spec?.containers ?? []) as Json[]).map((c) => {
    const {volumeMounts: _vm, ...rest} = c
    return rest
  })
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: md.name,
      namespace: remoteNamespace,
      labels: {...(md.labels ?? {}), [LABEL_TWIN_ORIGIN]: home.id, [LABEL_TWIN_DESTINATION]: remote.id},
      annotations: {'liqo.io/shadow-of': `${md.namespace}/${md.name}`},
    },
    spec: {
      containers,
      nodeName: remote.nodeName,
      restartPolicy: raw.spec?.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: raw.spec?.terminationGracePeriodSeconds ?? 30,
      automountServiceAccountToken: false,
    },
  }
}
