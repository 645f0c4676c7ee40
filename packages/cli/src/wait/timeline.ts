/**
 * The timeline of a peering change, recorded from the changes the waits observe: what was evicted
 * from the cluster being left, where each replacement was scheduled and when it became Ready, the
 * peering's phases, the virtual node and the remote namespaces. Pure: it is fed changes with the
 * time they were seen (milliseconds since the patch) and names clusters through a function.
 */
import type {Change} from '../k8s/reflector.js'
import type {ForeignCluster, NamespaceOffloading, Node, Pod} from '../model/types.js'
import {byName} from '../toolkit/text.js'

export interface TimelineEvent {
  /** Milliseconds since the patch. */
  at: number
  kind:
    | 'patched'
    | 'peering'
    | 'evicted'
    | 'refused'
    | 'cordon'
    | 'deleted'
    | 'replacement-scheduled'
    | 'replacement-ready'
    | 'node'
    | 'remote-namespace'
    | 'converged'
  text: string
  pod?: string
  cluster?: string
}

export interface MovedPod {
  namespace: string
  pod: string
  from: string
  evictedAt?: number
  goneAt?: number
  replacement?: {pod: string; cluster: string; scheduledAt?: number; readyAt?: number; readySince?: string}
}

/** The peering a timeline follows. */
export interface PeeringTarget {
  fc: ForeignCluster
  /** How the cluster is named in the timeline. */
  cluster: {name: string}
}

/** Records each change of the peering's phase (or its reason). */
export class PeeringPhases {
  private last: string

  constructor(
    private readonly target: PeeringTarget,
    private readonly events: TimelineEvent[],
  ) {
    this.last = `${target.fc.outgoingPhase}/${target.fc.outgoingReason}`
  }

  /** The peering as it is now (after any change the wait saw). */
  observe(fc: ForeignCluster | undefined, at: number): void {
    if (!fc || `${fc.outgoingPhase}/${fc.outgoingReason}` === this.last) return
    this.last = `${fc.outgoingPhase}/${fc.outgoingReason}`
    const name = this.target.cluster.name
    this.events.push({
      at,
      kind: 'peering',
      text: `peering with ${name}: ${fc.outgoingPhase}${fc.outgoingReason ? ` (${fc.outgoingReason})` : ''}`,
      cluster: name,
    })
  }
}

interface Replacement {
  pod: Pod
  scheduledAt?: number
  readyAt?: number
}

/** After `peer disable`: the pods that leave the cluster, their replacements, the node's deletion. */
export class DisableTimeline {
  private readonly leaving = new Map<string, MovedPod>()
  /** Owner UID → keys of the leaving pods it owns (filled on first sight). */
  private readonly ownersOfLeaving = new Map<string, string[]>()
  private readonly replacements = new Map<string, Replacement>()
  private readonly existing: Set<string>
  private readonly phases: PeeringPhases

  constructor(
    private readonly target: PeeringTarget & {
      leaving: Array<{namespace: string; name: string}>
      existingPods: string[]
    },
    private readonly events: TimelineEvent[],
    /** The cluster a node belongs to, as the stores know it now. */
    private readonly clusterOf: (nodeName?: string) => string,
  ) {
    for (const p of target.leaving)
      this.leaving.set(`${p.namespace}/${p.name}`, {namespace: p.namespace, pod: p.name, from: target.cluster.name})
    this.existing = new Set(target.existingPods)
    this.phases = new PeeringPhases(target, events)
  }

  peering(fc: ForeignCluster | undefined, at: number): void {
    this.phases.observe(fc, at)
  }

  nodes(changes: Array<Change<Node>>, at: number): void {
    for (const c of changes) {
      if (c.type === 'DELETED' && c.obj.remoteClusterId === this.target.fc.clusterId) {
        this.events.push({
          at,
          kind: 'node',
          text: `virtual node ${c.obj.name} deleted`,
          cluster: this.target.cluster.name,
        })
      }
    }
  }

  pods(changes: Array<Change<Pod>>, at: number): void {
    for (const c of changes) {
      const moved = this.leaving.get(c.key)
      if (moved) this.leavingPod(c, moved, at)
      else if (!this.existing.has(c.key) && c.type !== 'DELETED') this.replacementPod(c, at)
    }
  }

  private leavingPod(c: Change<Pod>, moved: MovedPod, at: number): void {
    const owner = c.obj.owner?.uid
    if (owner)
      this.ownersOfLeaving.set(owner, [...(this.ownersOfLeaving.get(owner) ?? []).filter((x) => x !== c.key), c.key])
    if (c.obj.deletionTimestamp && moved.evictedAt === undefined) {
      moved.evictedAt = at
      this.events.push({
        at,
        kind: 'evicted',
        text: `pod ${c.obj.name} evicted from ${moved.from}`,
        pod: c.obj.name,
        cluster: moved.from,
      })
    }
    if (c.type === 'DELETED' && moved.goneAt === undefined) moved.goneAt = at
  }

  private replacementPod(c: Change<Pod>, at: number): void {
    const rep = this.replacements.get(c.key) ?? {pod: c.obj}
    rep.pod = c.obj
    if (c.obj.nodeName && rep.scheduledAt === undefined) {
      rep.scheduledAt = at
      const cluster = this.clusterOf(c.obj.nodeName)
      this.events.push({
        at,
        kind: 'replacement-scheduled',
        text: `pod ${c.obj.name} scheduled on ${cluster}`,
        pod: c.obj.name,
        cluster,
      })
    }
    if (c.obj.ready && rep.readyAt === undefined) {
      rep.readyAt = at
      const cluster = this.clusterOf(c.obj.nodeName)
      this.events.push({
        at,
        kind: 'replacement-ready',
        text: `pod ${c.obj.name} Ready on ${cluster}`,
        pod: c.obj.name,
        cluster,
      })
    }
    this.replacements.set(c.key, rep)
  }

  /** Pairs each pod that left with a replacement of the same owner, in order, and sorts the events. */
  finish(): MovedPod[] {
    const reps = [...this.replacements.values()].sort(
      (a, b) => byName(a.pod.createdAt, b.pod.createdAt) || byName(a.pod.name, b.pod.name),
    )
    const used = new Set<string>()
    const moved: MovedPod[] = []
    for (const m of [...this.leaving.values()].sort((a, b) => (a.evictedAt ?? 0) - (b.evictedAt ?? 0))) {
      const ownerUid = [...this.ownersOfLeaving.entries()].find(([, keys]) =>
        keys.includes(`${m.namespace}/${m.pod}`),
      )?.[0]
      const rep = reps.find(
        (x) => !used.has(x.pod.name) && x.pod.namespace === m.namespace && x.pod.owner?.uid === ownerUid,
      )
      if (rep) {
        used.add(rep.pod.name)
        m.replacement = {
          pod: rep.pod.name,
          cluster: this.clusterOf(rep.pod.nodeName),
          ...(rep.scheduledAt !== undefined ? {scheduledAt: rep.scheduledAt} : {}),
          ...(rep.readyAt !== undefined ? {readyAt: rep.readyAt} : {}),
          ...(rep.pod.readySince ? {readySince: rep.pod.readySince} : {}),
        }
      }
      moved.push(m)
    }
    this.events.sort((a, b) => a.at - b.at)
    return moved
  }
}

/** After `peer enable`: the peering's phases, the virtual node Ready, the remote namespaces Ready. */
export class EnableTimeline {
  private nodeReady = false
  private readonly readyNs = new Set<string>()
  private readonly phases: PeeringPhases

  constructor(
    private readonly target: PeeringTarget,
    private readonly events: TimelineEvent[],
  ) {
    this.phases = new PeeringPhases(target, events)
  }

  peering(fc: ForeignCluster | undefined, at: number): void {
    this.phases.observe(fc, at)
  }

  nodes(changes: Array<Change<Node>>, at: number): void {
    const n = changes.find((c) => c.obj.remoteClusterId === this.target.fc.clusterId && c.type !== 'DELETED')?.obj
    if (n && n.ready && !n.unschedulable && !this.nodeReady) {
      this.nodeReady = true
      this.events.push({at, kind: 'node', text: `virtual node ${n.name} Ready`, cluster: this.target.cluster.name})
    }
  }

  offloadings(changes: Array<Change<NamespaceOffloading>>, at: number): void {
    for (const c of changes) {
      const ok = (c.obj.remoteConditions[this.target.fc.clusterId] ?? []).some(
        (x) => x.type === 'Ready' && x.status === 'True',
      )
      if (ok && !this.readyNs.has(c.obj.namespace)) {
        this.readyNs.add(c.obj.namespace)
        this.events.push({
          at,
          kind: 'remote-namespace',
          text: `remote namespace for ${c.obj.namespace} Ready on ${this.target.cluster.name}`,
          cluster: this.target.cluster.name,
        })
      }
    }
  }

  finish(): void {
    this.events.sort((a, b) => a.at - b.at)
  }
}
