/**
 * The nodes of both lab modes: a Node object with the labels every kubelet sets, its Ready status,
 * its Lease heartbeat, and the idempotent create-and-report-Ready of a node. The emulator's
 * kubelets (emulator/kubelet.ts) and the Liqo v1.2 lab's host kubelets (v1/host-kubelet.ts) use them.
 */
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {ApiError} from 'liqo-topology/toolkit/errors'

export const KUBELET_VERSION = 'v1.36.3'
/** The Liqo version the emulator's virtual nodes report (Liqo v0.3, emulated). */
export const LIQO_VERSION = 'v0.3.2'

/** A node of the lab: a cluster's worker node, or a virtual node of Liqo (the emulator's). */
export type NodeKind = 'worker' | 'virtual'

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function microTime(): string {
  return new Date().toISOString().replace(/Z$/, '000Z')
}

export interface NodeCapacity {
  cpu: string
  memory: string
  pods: string
}

/** A Node object with the labels every kubelet sets, plus `labels`. */
export function nodeBody(name: string, labels: Record<string, string>, spec: Json = {}, finalizers?: string[]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...labels},
      ...(finalizers ? {finalizers} : {}),
    },
    spec,
  }
}

export function workerNodeBody(name: string): Json {
  return nodeBody(name, {'node-role.kubernetes.io/control-plane': ''})
}

/** The conditions a kubelet posts: Ready, or Liqo's withdrawal (NotReady, memory pressure). */
export function nodeConditions(ready: boolean): Json[] {
  const now = nowIso()
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  })
  return [
    cond(
      'Ready',
      ready ? 'True' : 'False',
      ready ? 'KubeletReady' : 'KubeletNotReady',
      ready ? 'kubelet is posting ready status' : 'the ResourceOffer is being withdrawn',
    ),
    cond(
      'MemoryPressure',
      ready ? 'False' : 'True',
      ready ? 'KubeletHasSufficientMemory' : 'ResourceOfferWithdrawn',
      ready ? 'kubelet has sufficient memory available' : 'the ResourceOffer is being withdrawn',
    ),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
  ]
}

export function nodeStatus(kind: NodeKind, ready: boolean, capacity: NodeCapacity, ip: string): Json {
  return {
    status: {
      capacity,
      allocatable: capacity,
      conditions: nodeConditions(ready),
      addresses: [{type: 'InternalIP', address: ip}],
      daemonEndpoints: {kubeletEndpoint: {Port: 10250}},
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: kind === 'virtual' ? 'Liqo virtual node' : 'liqo-topology lab node',
        containerRuntimeVersion: kind === 'virtual' ? `liqo://${LIQO_VERSION}` : 'containerd://lab',
        kubeletVersion: kind === 'virtual' ? LIQO_VERSION : KUBELET_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  }
}

/**
 * Creates the node if missing and reports it Ready (idempotent). Returns its UID. `uncordon`: which
 * cordon to lift, 'any' (the default) or only 'withdrawal' (cordonNotReady's, told apart by the
 * NotReady it also set): Liqo v0.3's virtual kubelet never uncordons its node, so a cordon of an
 * operator stays on a virtual node.
 */
export async function ensureNode(
  client: KubeClient,
  body: Json,
  kind: NodeKind,
  capacity: NodeCapacity,
  ip: string,
  uncordon: 'any' | 'withdrawal' = 'any',
): Promise<string> {
  const name = body.metadata.name as string
  let node = await client.getOrNull(`/api/v1/nodes/${name}`)
  if (node?.metadata?.deletionTimestamp) throw new Error(`node ${name} is still being deleted`)
  node ??= await client.create('/api/v1/nodes', body)
  const wasReady = ((node!.status?.conditions ?? []) as Json[]).some((c) => c.type === 'Ready' && c.status === 'True')
  await client.patch(`/api/v1/nodes/${name}/status`, nodeStatus(kind, true, capacity, ip), 'merge')
  if (node!.spec?.unschedulable && (uncordon === 'any' || !wasReady))
    await client.patch(`/api/v1/nodes/${name}`, {spec: {unschedulable: null}}, 'merge')
  await renewLease(client, name, node!.metadata.uid)
  return node!.metadata.uid
}

export async function renewLease(client: KubeClient, node: string, nodeUid?: string): Promise<void> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`
  try {
    await client.patch(path, {spec: {renewTime: microTime(), holderIdentity: node, leaseDurationSeconds: 40}}, 'merge')
  } catch (e) {
    if (!(e instanceof ApiError && e.isNotFound)) throw e
    await client.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: node,
        namespace: 'kube-node-lease',
        ...(nodeUid ? {ownerReferences: [{apiVersion: 'v1', kind: 'Node', name: node, uid: nodeUid}]} : {}),
      },
      spec: {holderIdentity: node, leaseDurationSeconds: 40, renewTime: microTime()},
    })
  }
}
