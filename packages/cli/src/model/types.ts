/**
 * Our own small types for what the commands reason about. Built from API JSON by src/k8s/map.ts;
 * everything downstream (placement, convergence, impact, renderers) works on these plain objects.
 */
export interface OwnerRef {
  kind: string
  name: string
  uid: string
}

export interface Toleration {
  key?: string
  operator?: string
  value?: string
  effect?: string
}

export interface Taint {
  key: string
  value?: string
  effect: string
}

export interface NodeSelectorRequirement {
  key: string
  operator: string
  values?: string[]
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[]
  matchFields?: NodeSelectorRequirement[]
}

/** What the scheduler needs to decide where a pod may go (used by the impact preview). */
export interface PodScheduling {
  nodeSelector: Record<string, string>
  /** requiredDuringSchedulingIgnoredDuringExecution terms (ORed); empty = no constraint. */
  requiredTerms: NodeSelectorTerm[]
  tolerations: Toleration[]
  /** What the pod asks for (containers, init containers and overhead as the scheduler adds them). */
  requests?: ResourceAmounts
  /** topologySpreadConstraints (absent when the pod has none). */
  spread?: TopologySpread[]
}

/** Amounts of the resources the scheduler fits: CPU in millicores, memory in bytes, a number of pods. */
export interface ResourceAmounts {
  cpuMilli: number
  memoryBytes: number
  pods: number
}

/** A FailedScheduling (or other) event of an object, as core/v1 Events give it. */
export interface KubeEvent {
  namespace: string
  name: string
  type: string
  reason: string
  message: string
  involvedUid: string
  involvedName: string
  count: number
  /** When it was last seen: the series' last observation, else lastTimestamp, eventTime, creation. */
  lastSeen: string
}

/** One of a pod's topologySpreadConstraints, as the scheduler reads it. */
export interface TopologySpread {
  maxSkew: number
  topologyKey: string
  whenUnsatisfiable: string
  matchLabels: Record<string, string>
  matchExpressions: NodeSelectorRequirement[]
}

export interface Pod {
  namespace: string
  name: string
  uid: string
  nodeName?: string
  phase: string
  /** kubectl's STATUS column (Running, Pending, ContainerCreating, Terminating, Evicted...). */
  status: string
  ready: boolean
  readyContainers: number
  totalContainers: number
  restarts: number
  createdAt: string
  deletionTimestamp?: string
  /** When the Ready condition last became True (server-side time). */
  readySince?: string
  podIP?: string
  owner?: OwnerRef
  labels: Record<string, string>
  /** Why the scheduler could not place it, when PodScheduled=False. */
  unschedulableMessage?: string
  scheduling: PodScheduling
}

export interface Node {
  name: string
  uid: string
  labels: Record<string, string>
  ready: boolean
  unschedulable: boolean
  taints: Taint[]
  virtual: boolean
  /** liqo.io/remote-cluster-id, for virtual nodes. */
  remoteClusterId?: string
  deletionTimestamp?: string
  createdAt: string
  /** status.allocatable, when the node gives it. */
  allocatable?: ResourceAmounts
  /** When the Ready condition last changed (server-side time), while it is True. */
  readySince?: string
}

export interface PeeringCondition {
  type: string
  status: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

export interface ForeignCluster {
  name: string
  uid: string
  resourceVersion: string
  labels: Record<string, string>
  /** spec.clusterIdentity.clusterID (falls back to the discovery.liqo.io/cluster-id label). */
  clusterId: string
  /** spec.clusterIdentity.clusterName (may be empty). */
  clusterName: string
  /**
   * The switch of offloading to this cluster: "Yes" / "No" (v0: spec.outgoingPeeringEnabled, also
   * "Auto"; v1: every VirtualNode's spec.createNode true / false, "Partial" when they differ, "None"
   * when the peering has no VirtualNode).
   */
  outgoingEnabled: string
  incomingEnabled: string
  /**
   * Where offloading to the cluster stands, in the same words for every generation: Established,
   * Pending, Disconnecting, None (v0: the OutgoingPeering condition; v1: from the VirtualNodes and
   * their nodes).
   */
  outgoingPhase: string
  outgoingReason?: string
  incomingPhase: string
  conditions: PeeringCondition[]
  deletionTimestamp?: string
  finalizers: string[]
  createdAt: string
  /** Liqo v1: the peering's role and modules, as liqoctl info names them. */
  role?: string
  modules?: PeeringModules
  /** Liqo v1: the VirtualNodes offloading to this cluster goes through (one per ResourceSlice). */
  virtualNodes?: VirtualNodeSwitch[]
}

export interface ModuleStatus {
  enabled: boolean
  /** Healthy, Unhealthy or Disabled (liqoctl info's words), with the conditions that are not healthy. */
  status: string
  detail?: string
}

export interface PeeringModules {
  networking: ModuleStatus
  authentication: ModuleStatus
  offloading: ModuleStatus
}

/** A Liqo v1 VirtualNode: its node's name, and the switch that pauses or resumes offloading through it. */
export interface VirtualNodeSwitch {
  namespace: string
  name: string
  resourceVersion: string
  createNode: boolean
  /** The Node object exists (it is gone a while after createNode became false). */
  nodePresent: boolean
  nodeReady: boolean
  /** Holders of the cordons written in the VirtualNode's spec.taints (./cordon.ts). */
  cordons?: CordonHolder[]
  /** The rebalance runs' cordons among them, with their leases (./cordon.ts). */
  leases?: RebalanceLease[]
}

export interface RemoteNamespaceCondition {
  type: string
  status: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

/** The only NamespaceOffloading name Liqo acts on (one per namespace, in every Liqo generation). */
export const NAMESPACE_OFFLOADING_NAME = 'offloading'

export interface NamespaceOffloading {
  namespace: string
  name: string
  uid: string
  mappingStrategy: string
  podStrategy: string
  clusterSelector?: {nodeSelectorTerms: NodeSelectorTerm[]}
  phase?: string
  remoteNamespaceName?: string
  /** status.remoteNamespacesConditions, keyed by remote cluster ID. */
  remoteConditions: Record<string, RemoteNamespaceCondition[]>
  deletionTimestamp?: string
  finalizers: string[]
}

/** A pod owner whose replica counts tell whether it is satisfied. */
export interface Workload {
  kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet'
  namespace: string
  name: string
  uid: string
  desired: number
  ready: number
  available: number
  updated: number
  generation: number
  observedGeneration: number
  owner?: OwnerRef
  deletionTimestamp?: string
  /** Pod template's scheduling constraints (for "where can replacements go"). */
  scheduling?: PodScheduling
}

export interface Namespace {
  name: string
  phase: string
  labels: Record<string, string>
  deletionTimestamp?: string
  finalizers: string[]
  conditions: Array<{type: string; status: string; reason?: string; message?: string}>
}

/** Who put up a cordon of ours on a cluster's virtual nodes (./cordon.ts). */
export type CordonHolder = 'cordon' | 'disable' | 'rebalance'

/** A rebalance run's cordon as written: its key, its run, and the end of its lease (0: none, a run before leases). */
export interface RebalanceLease {
  key: string
  run: string
  untilS: number
}
