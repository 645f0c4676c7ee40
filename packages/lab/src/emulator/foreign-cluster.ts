/**
 * Liqo v0.3's ForeignCluster controller, as the emulator plays it: outgoing peering Pending →
 * Established (tenant namespace, virtual node, the remote side's incoming peering) when
 * spec.outgoingPeeringEnabled is "Yes", and Disconnecting → None otherwise (virtual node cordoned,
 * drained and deleted, remote namespaces torn down).
 */
import type {Reflector} from 'liqo-topology/k8s/reflector'
import {FOREIGN_CLUSTER, LABEL_DISCOVERY_TYPE, LABEL_FC_CLUSTER_ID, fcPath} from 'liqo-topology/liqo/constants'
import type {ForeignCluster, Node} from 'liqo-topology/model/types'
import {sleep} from 'liqo-topology/toolkit/clock'
import {ApiError} from 'liqo-topology/toolkit/errors'
import {ensureNode, type NodeCapacity} from '../core/nodes.js'
import {VIRTUAL_NODE_FINALIZER, cordonNotReady, removeFinalizer, virtualNodeBody, type EmulatedNode} from './kubelet.js'
import {
  IpPool,
  tenantNamespace,
  virtualNodeName,
  wantsPeering,
  withCondition,
  type Cond,
  type EmuCluster,
} from './model.js'
import type {NamespaceOffloadingController} from './namespace-offloading.js'
import type {VirtualKubelet} from './virtual-kubelet.js'

export interface PeeringContext {
  home: EmuCluster
  byId: Map<string, EmuCluster>
  fcs: Reflector<ForeignCluster>
  homeNodes: Reflector<Node>
  /** Nodes the emulator plays the kubelet for, by name. */
  nodes: Map<string, EmulatedNode>
  capacity: NodeCapacity
  delayMs: number
  signal: AbortSignal
  log: (msg: string) => void
  kubelet: VirtualKubelet
  offloading: NamespaceOffloadingController
}

export class ForeignClusterController {
  /** ForeignCluster name → cluster ID, to unpeer after a ForeignCluster is deleted. */
  private readonly fcIds = new Map<string, string>()

  constructor(private readonly c: PeeringContext) {}

  async reconcile(name: string): Promise<void | {requeueAfterMs: number}> {
    const fc = this.c.fcs.store.get(name)
    const id = fc?.clusterId ?? this.fcIds.get(name)
    if (!id) return
    const remote = this.c.byId.get(id)
    if (!remote || remote.role === 'home') {
      if (fc) this.c.log(`foreigncluster ${name}: cluster ${id} is not part of this lab; ignoring`)
      return
    }
    if (fc) this.fcIds.set(name, id)
    else this.fcIds.delete(name)
    return wantsPeering(fc) ? this.peer(fc!, remote) : this.unpeer(fc, remote)
  }

  /** The delay between two peering phases. */
  private delay(): Promise<void> {
    return sleep(this.c.delayMs, this.c.signal)
  }

  private virtualNode(remote: EmuCluster): EmulatedNode {
    return {
      name: virtualNodeName(remote),
      client: this.c.home.client!,
      kind: 'virtual',
      remote,
      ips: new IpPool(`10.${202 + (remote.index % 50)}`),
    }
  }

  private async peer(fc: ForeignCluster, remote: EmuCluster): Promise<void | {requeueAfterMs: number}> {
    const nodeName = virtualNodeName(remote)
    const node = this.c.homeNodes.store.get(nodeName)
    if (node?.deletionTimestamp) return {requeueAfterMs: 250}
    // Liqo v0.3 leaves a cordon of its Ready node to the operator (its virtual kubelet writes the node's
    // status and labels only): only the emulator's own withdrawal, cordoned and NotReady, is undone.
    if (fc.outgoingPhase === 'Established' && node && node.ready) {
      if (!this.c.nodes.has(nodeName)) this.c.nodes.set(nodeName, this.virtualNode(remote))
      return
    }
    const home = this.c.home.client!
    if (fc.outgoingPhase !== 'Pending' && fc.outgoingPhase !== 'Established') {
      await this.setPeering(
        fc.name,
        'Pending',
        'ResourceRequestPending',
        'The ResourceRequest has been sent to the remote cluster',
      )
      await this.delay()
    }
    const tenant = tenantNamespace(remote.id)
    if (!(await home.getOrNull(`/api/v1/namespaces/${tenant}`))) {
      await home
        .create('/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {name: tenant, labels: {'liqo.io/tenant-namespace': 'true', [LABEL_FC_CLUSTER_ID]: remote.id}},
        })
        .catch(ignoreConflict)
    }
    if (fc.outgoingPhase !== 'Established') {
      await this.setPeering(
        fc.name,
        'Pending',
        'KubeletPending',
        'The remote cluster accepted the ResourceRequest; the virtual kubelet is starting',
      )
      await this.delay()
    }
    this.c.nodes.set(nodeName, this.virtualNode(remote))
    await ensureNode(
      home,
      virtualNodeBody(remote),
      'virtual',
      this.c.capacity,
      `10.200.${remote.index % 250}.1`,
      'withdrawal',
    )
    await this.setPeering(
      fc.name,
      'Established',
      'ResourceRequestAccepted',
      'The ResourceRequest has been accepted by the remote cluster',
    )
    await this.setIncomingOnRemote(remote, 'Established')
    this.c.offloading.requeueAll()
  }

  private async unpeer(fc: ForeignCluster | undefined, remote: EmuCluster): Promise<void | {requeueAfterMs: number}> {
    const home = this.c.home.client!
    const nodeName = virtualNodeName(remote)
    const node = this.c.homeNodes.store.get(nodeName)
    if ((!fc || fc.outgoingPhase === 'None') && !node && !this.c.offloading.offloadsTo(remote.id)) return
    if (fc && fc.outgoingPhase !== 'None' && fc.outgoingPhase !== 'Disconnecting') {
      await this.setPeering(
        fc.name,
        'Disconnecting',
        'ResourceRequestDeleting',
        'The ResourceRequest is being withdrawn',
      )
      await this.delay()
    }
    if (node && !node.deletionTimestamp) {
      const played = this.c.nodes.get(nodeName)
      if (played) played.withdrawn = true
      await cordonNotReady(home, nodeName)
      const wantedAgain = () => !!fc && wantsPeering(this.c.fcs.store.get(fc.name))
      if ((await this.c.kubelet.drain(nodeName, wantedAgain)) === 'aborted') {
        this.c.log(`node ${nodeName}: drain aborted, the peering is wanted again`)
        return
      }
      await home.delete(`/api/v1/nodes/${nodeName}`)
    }
    // Deleting the node's NamespaceMap tears down the remote namespaces; then the node finalizer goes.
    await this.c.offloading.detachRemoteNamespaces(remote)
    if (node) await removeFinalizer(home, `/api/v1/nodes/${nodeName}`, VIRTUAL_NODE_FINALIZER)
    this.c.nodes.delete(nodeName)
    if (fc && fc.outgoingPhase !== 'None') {
      await this.delay()
      await this.setPeering(fc.name, 'None', 'NoResourceRequest', 'No ResourceRequest has been created')
    }
    await this.setIncomingOnRemote(remote, 'None')
  }

  /** Writes the OutgoingPeering condition (and the ones v0.3 keeps beside it) on the home cluster's ForeignCluster. */
  private async setPeering(fcName: string, status: string, reason: string, message: string): Promise<void> {
    const home = this.c.home.client!
    const raw = await home.getOrNull(fcPath(fcName))
    if (!raw) return
    let conds: Cond[] = raw.status?.peeringConditions ?? []
    conds = withCondition(conds, {type: 'OutgoingPeering', status, reason, message})
    const established = status === 'Established'
    // The tutorial's peerings are one-way: nothing peers back into the home cluster.
    if (!conds.some((c) => c.type === 'IncomingPeering')) {
      conds = withCondition(conds, {
        type: 'IncomingPeering',
        status: 'None',
        reason: 'NoResourceRequest',
        message: 'No ResourceRequest has been received',
      })
    }
    conds = withCondition(conds, {
      type: 'AuthenticationStatus',
      status: 'Established',
      reason: 'IdentityAccepted',
      message: 'The identity has been accepted by the remote cluster',
    })
    if (status !== 'Pending' && status !== 'Disconnecting') {
      conds = withCondition(conds, {
        type: 'NetworkStatus',
        status: established ? 'Established' : 'None',
        reason: established ? 'TunnelEndpointAvailable' : 'NetworkConfigNotFound',
        message: established ? 'The tunnel to the remote cluster is up' : 'No network configuration for this cluster',
      })
    }
    const remoteId = raw.spec?.clusterIdentity?.clusterID
    const tenantNamespaces = {local: tenantNamespace(remoteId), remote: tenantNamespace(this.c.home.id)}
    await home.patch(
      `${fcPath(fcName)}/status`,
      {status: {peeringConditions: conds, tenantNamespace: tenantNamespaces}},
      'merge',
    )
    this.c.log(`foreigncluster ${fcName}: OutgoingPeering ${status} (${reason})`)
  }

  /** The remote side's ForeignCluster for the home cluster (created by the incoming peering). */
  private async setIncomingOnRemote(remote: EmuCluster, status: 'Established' | 'None'): Promise<void> {
    const client = remote.client
    if (!client) return
    const home = this.c.home
    const path = fcPath(home.id)
    if (!(await client.getOrNull(path))) {
      if (status === 'None') return
      await client.create(fcPath(), {
        apiVersion: `${FOREIGN_CLUSTER.group}/${FOREIGN_CLUSTER.version}`,
        kind: FOREIGN_CLUSTER.kind,
        metadata: {name: home.id, labels: {[LABEL_FC_CLUSTER_ID]: home.id, [LABEL_DISCOVERY_TYPE]: 'IncomingPeering'}},
        spec: {clusterIdentity: {clusterID: home.id, clusterName: home.name}, foreignAuthUrl: home.authUrl},
      })
    }
    const raw = await client.get(path)
    let conds: Cond[] = raw.status?.peeringConditions ?? []
    const est = status === 'Established'
    conds = withCondition(conds, {
      type: 'IncomingPeering',
      status,
      reason: est ? 'ResourceRequestAccepted' : 'NoResourceRequest',
      message: est ? 'The ResourceRequest has been accepted' : 'No ResourceRequest has been received',
    })
    conds = withCondition(conds, {
      type: 'AuthenticationStatus',
      status: 'Established',
      reason: 'IdentityAccepted',
      message: 'The identity has been accepted',
    })
    await client.patch(
      `${path}/status`,
      {
        status: {
          peeringConditions: conds,
          tenantNamespace: {local: tenantNamespace(home.id), remote: tenantNamespace(remote.id)},
        },
      },
      'merge',
    )
  }
}

function ignoreConflict(e: unknown): void {
  if (e instanceof ApiError && e.code === 409) return
  throw e
}
