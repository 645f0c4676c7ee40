/**
 * The seam between liqo-topology and one generation of Liqo's API. Everything that knows a Liqo
 * group, REST path or field name sits behind this interface, in one adapter per generation
 * (./v0.ts: Liqo v0.3–v0.10, discovery.liqo.io). Adding a generation is one file implementing it
 * plus one line in ./connect.ts.
 */
import type {AccessCheck} from '../k8s/access.js'
import type {KubeClient} from '../k8s/client.js'
import type {Kind} from '../k8s/kind.js'
import type {ForeignCluster, NamespaceOffloading} from '../model/types.js'
import type {LiqoLine} from './detect.js'

/** The outgoing-peering switch: 'No' turns the peering with a cluster off, 'Yes' on. */
export type OutgoingSetting = 'Yes' | 'No'

export interface LiqoAdapter {
  /** The API line this adapter speaks (see ./detect.ts). */
  readonly line: LiqoLine
  /** One object per peered cluster, mapped to the generation-neutral ForeignCluster. */
  readonly foreignClusters: Kind<ForeignCluster>
  /** The per-namespace offloading requests, mapped to the generation-neutral NamespaceOffloading. */
  readonly namespaceOffloadings: Kind<NamespaceOffloading>
  /**
   * Flips the outgoing peering with `fc`, guarded against concurrent writers; `changed` is false
   * when someone else set the same value first.
   */
  setOutgoing(client: KubeClient, fc: ForeignCluster, value: OutgoingSetting): Promise<{changed: boolean; attempts: number}>
  /** What setOutgoing did, in the words of this generation's API (for the timeline). */
  describeOutgoing(fc: ForeignCluster, value: OutgoingSetting): string
  /** The permission setOutgoing needs on the ForeignCluster `name`, for the preflight. */
  outgoingAccess(name: string): AccessCheck
}
