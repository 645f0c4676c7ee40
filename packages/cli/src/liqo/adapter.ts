/**
 * The seam between liqo-topology and one generation of Liqo's API. Everything that knows a Liqo
 * group, REST path or field name sits behind this interface, in one adapter per generation
 * (./v0.ts: Liqo v0.3–v0.10, discovery.liqo.io; ./v1.ts: Liqo v1.x, core.liqo.io). Adding a
 * generation is one file implementing it plus one line in ./connect.ts.
 *
 * A peering is read as the generation-neutral ForeignCluster of src/model/types.ts: its switch
 * (outgoingEnabled Yes / No) and where offloading stands (outgoingPhase Established, Pending,
 * Disconnecting, None), whatever objects the generation spreads them over.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import type {Kind, WatchPolicy} from '../k8s/kind.js'
import type {Reflector} from '../k8s/reflector.js'
import type {CordonHolder, CordonRef, RebalanceLease} from '../model/cordon.js'
import type {DrainBehaviour} from '../model/impact.js'
import type {ForeignCluster, NamespaceOffloading, Node} from '../model/types.js'
import type {LiqoLine} from './detect.js'

/** The switch of offloading to one cluster: 'No' pauses it, 'Yes' resumes it. */
export type OutgoingSetting = 'Yes' | 'No'

export interface PeeringList {
  items: ForeignCluster[]
  /** Of the ForeignCluster list (a watch of them may start from it). */
  resourceVersion: string
  /** The lists the peerings were joined from, for the same adapter's watch to start from (opaque). */
  sources?: unknown
}

/** The peerings, kept current by watches (run the reflectors, or hand them to a wait). */
export interface PeeringsWatch {
  readonly reflectors: Array<Reflector<unknown>>
  /** The peerings as the stores know them now. */
  current(): ForeignCluster[]
  get(name: string): ForeignCluster | undefined
  /** Every store the peerings are read from has had its first list (before that, current() is partial). */
  synced(): boolean
  /** Starts from a list listPeerings made, instead of listing again (where the generation can). */
  seed(list: PeeringList): void
}

/** How a change of the switch is told to people, in the generation's own terms. */
export interface SwitchWording {
  /** The writes, one per line, e.g. `patch spec.outgoingPeeringEnabled: "Yes" → "No"`. */
  writes: string[]
  /** What Liqo does then. */
  effect: string
  /** What a disable leaves in place (v1: the remote namespaces and the peering itself). */
  keeps?: string
  /** After a disable converged while the peering is still Disconnecting: what Liqo is still doing. */
  stillDoing: string
}

/** A Liqo object as unpeering handles it: enough to delete it and to say why it is still there. */
export interface LiqoObject {
  namespace?: string
  name: string
  finalizers: string[]
  deletionTimestamp?: string
  /** Identity: spec.type (ControlPlane or ResourceSlice). */
  type?: string
}

/** Which cluster of a peering an object of its teardown lives on. */
export type Side = 'home' | 'remote'

export interface UnpeerItem {
  side: Side
  kind: Kind<LiqoObject>
  obj: LiqoObject
}

/** What is left of one Liqo module of a peering, deleted and waited for together. */
export interface UnpeerStage {
  module: 'offloading' | 'authentication' | 'networking'
  items: UnpeerItem[]
}

/** The two ends of a peering to tear down, as clients and Liqo cluster IDs. */
export interface UnpeerTarget {
  home: KubeClient
  remote: KubeClient
  homeId: string
  remoteId: string
  /** The peering goes both ways (role ConsumerAndProvider): networking stays, as liqoctl does. */
  bidirectional: boolean
}

/** A generation's teardown of a peering, as `liqoctl unpeer` does it. */
export interface Unpeering {
  /** What is left of the peering now, by module, in liqoctl's order; empty stages are left out. */
  stages(t: UnpeerTarget): Promise<UnpeerStage[]>
  /** Why an object is still there (its finalizers), for a wait that ran out; `context`: its cluster's. */
  stillThere(i: UnpeerItem, context: string): string[]
  /** The permissions it needs on this (home) cluster and on the remote one, for the preflight. */
  access: {home: AccessCheck[]; remote: AccessCheck[]}
}

export interface CordonAdapter {
  /**
   * Puts up (`on`; a taint given is renewed when its value differs) or lifts a cordon on every virtual node
   * of `fc` (`nodes`: the Nodes, as read); idempotent, `changed` false when every one already was so.
   */
  set(
    client: KubeClient,
    fc: ForeignCluster,
    nodes: Node[],
    cordon: CordonRef,
    on: boolean,
  ): Promise<{changed: boolean}>
  /** The holders of the cordons written for `fc` (those Liqo keeps applying), from a peering read and the Nodes. */
  holders(fc: ForeignCluster, nodes: Node[]): CordonHolder[]
  /** The rebalance runs' cordons written for `fc`, one per run (the latest lease of its objects). */
  leases(fc: ForeignCluster, nodes: Node[]): RebalanceLease[]
  /** The objects set() writes, as kubectl names them (for the plan); empty when there is nothing to cordon. */
  targets(fc: ForeignCluster, nodes: Node[]): string[]
  /** The permissions set() needs, for the preflight. */
  access(fc: ForeignCluster, nodes: Node[]): AccessCheck[]
  /** How the cordon lasts in this generation, for people (one sentence, no final full stop). */
  readonly lasting: string
  /** When a cordon is written but a Node does not show it: why, and what makes it (a sentence, no final full stop). */
  readonly stalledAdvice?: string
}

export interface LiqoAdapter {
  /** The API line this adapter speaks (see ./detect.ts). */
  readonly line: LiqoLine
  /** The generation, for people: "Liqo v0.3–v0.10", "Liqo v1.x". */
  readonly generation: string
  /**
   * When Liqo has not started or not finished a disable's drain although its controller manager may
   * be running: what else may hold it back and how to make it act now (a sentence that names the
   * component, without a final full stop).
   */
  readonly stalledDrainAdvice?: string
  /** How this cluster's Liqo release drains a virtual node (generations whose releases differ there). */
  drainBehaviour?(client: KubeClient): Promise<DrainBehaviour>
  /** Every peering. `nodes`, when the caller has them or is reading them already, saves a list. */
  listPeerings(client: KubeClient, o?: {nodes?: Node[] | Promise<Node[]>}): Promise<PeeringList>
  /** One peering by its ForeignCluster name, or undefined. */
  getPeering(client: KubeClient, name: string): Promise<ForeignCluster | undefined>
  /** Watches the peerings (`name`: only that one); `nodes` is the caller's node reflector, which it runs. */
  watchPeerings(client: KubeClient, policy: WatchPolicy, nodes: Reflector<Node>, o?: {name?: string}): PeeringsWatch
  /** kubectl's name of a peering's ForeignCluster, e.g. `foreigncluster.core.liqo.io/cluster-3`. */
  peeringRef(name: string): string
  /** The per-namespace offloading requests, mapped to the generation-neutral NamespaceOffloading. */
  readonly namespaceOffloadings: Kind<NamespaceOffloading>
  /**
   * Flips the switch of offloading to `fc`, guarded against concurrent writers; `changed` is false
   * when someone else set the same value first.
   */
  setOutgoing(
    client: KubeClient,
    fc: ForeignCluster,
    value: OutgoingSetting,
  ): Promise<{changed: boolean; attempts: number}>
  /** What setOutgoing did, in the words of this generation's API (for the timeline). */
  describeOutgoing(fc: ForeignCluster, value: OutgoingSetting): string
  /** The permissions setOutgoing needs, for the preflight. */
  outgoingAccess(fc: ForeignCluster): AccessCheck[]
  /** The plan's words for setting the switch of `fc` to `value`. */
  switchWording(
    fc: ForeignCluster,
    value: OutgoingSetting,
    o: {cluster: string; virtualNodes: string[]; namespaces: string[]},
  ): SwitchWording
  /**
   * Cordons of the cluster's virtual nodes (../model/cordon.ts: a NoSchedule taint per holder; new
   * pods stay off, running ones stay), written where this generation's Liqo keeps them on the Node.
   * Whether they are in force is read on the Nodes (cordonInForce).
   */
  readonly cordons: CordonAdapter
  /**
   * What `liqoctl unpeer` removes of a peering, what is left of it now, in its order. Absent in a
   * generation without that teardown (v0.x: disabling the outgoing peering is the teardown).
   */
  readonly unpeer?: Unpeering
}
