/**
 * Small factories for the model objects of src/model/types.ts, with sensible defaults so unit
 * tests only spell out what matters to them.
 */
import type {
  ForeignCluster,
  Namespace,
  NamespaceOffloading,
  Node,
  Pod,
  PodScheduling,
  Workload,
} from '../../src/model/types.js'

/** A fixed "now" for every test: 2024-01-01T12:00:00Z. */
export const NOW = Date.parse('2024-01-01T12:00:00Z')
/** An ISO timestamp `seconds` before NOW. */
export function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString()
}

export const VIRTUAL_LABELS = (clusterId: string): Record<string, string> => ({
  'liqo.io/type': 'virtual-node',
  'liqo.io/remote-cluster-id': clusterId,
})

/** The toleration Liqo's webhook adds to offloaded pods. */
export const VIRTUAL_TOLERATION = {key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute'}

export function aScheduling(s: Partial<PodScheduling> = {}): PodScheduling {
  return {nodeSelector: {}, requiredTerms: [], tolerations: [], ...s}
}

export function aPod(p: Partial<Pod> & {name: string}): Pod {
  return {
    namespace: 'liqo-test',
    uid: `uid-${p.name}`,
    phase: 'Running',
    status: 'Running',
    ready: true,
    readyContainers: 1,
    totalContainers: 1,
    restarts: 0,
    createdAt: ago(600),
    labels: {},
    owner: {kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-web'},
    scheduling: aScheduling({tolerations: [VIRTUAL_TOLERATION]}),
    ...p,
  }
}

/** A bare pod (no owner). */
export function aBarePod(p: Partial<Pod> & {name: string}): Pod {
  const pod = aPod(p)
  delete pod.owner
  return pod
}

export function aNode(n: Partial<Node> & {name: string}): Node {
  return {
    uid: `uid-${n.name}`,
    labels: {'kubernetes.io/hostname': n.name},
    ready: true,
    unschedulable: false,
    taints: [],
    virtual: false,
    createdAt: ago(86_400),
    ...n,
  }
}

/** A Liqo virtual node for a remote cluster ID, tainted like Liqo's. */
export function aVirtualNode(name: string, clusterId: string, n: Partial<Node> = {}): Node {
  return aNode({
    name,
    labels: {...VIRTUAL_LABELS(clusterId), 'kubernetes.io/hostname': name},
    virtual: true,
    remoteClusterId: clusterId,
    taints: [{key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute'}],
    ...n,
  })
}

export function aForeignCluster(f: Partial<ForeignCluster> & {name: string}): ForeignCluster {
  const clusterId = f.clusterId ?? `id-${f.name}`
  return {
    uid: `uid-${f.name}`,
    resourceVersion: '1',
    labels: {'discovery.liqo.io/cluster-id': clusterId},
    clusterId,
    clusterName: f.name,
    outgoingEnabled: 'Auto',
    incomingEnabled: 'Auto',
    outgoingPhase: 'Established',
    incomingPhase: 'None',
    conditions: [],
    finalizers: [],
    createdAt: ago(3600),
    ...f,
  }
}

export function aWorkload(w: Partial<Workload> & {name: string}): Workload {
  return {
    kind: 'Deployment',
    namespace: 'liqo-test',
    uid: `uid-${w.name}`,
    desired: 1,
    ready: 1,
    available: 1,
    updated: 1,
    generation: 1,
    observedGeneration: 1,
    ...w,
  }
}

export function aNamespaceOffloading(n: Partial<NamespaceOffloading> = {}): NamespaceOffloading {
  return {
    namespace: 'liqo-test',
    name: 'offloading',
    uid: 'uid-nso',
    mappingStrategy: 'DefaultName',
    podStrategy: 'LocalAndRemote',
    remoteConditions: {},
    finalizers: ['namespaceoffloading-controller.liqo.io/finalizer'],
    ...n,
  }
}

export function aNamespace(n: Partial<Namespace> & {name: string}): Namespace {
  return {phase: 'Active', labels: {}, finalizers: ['kubernetes'], conditions: [], ...n}
}

/** A Ready=True remote namespace condition list. */
export function readyCondition(status = 'True') {
  return [{type: 'Ready', status}]
}
