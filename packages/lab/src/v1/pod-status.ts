/**
 * What the host kubelet says of a pod, as the kubelet says it: the pod's conditions (with their
 * transition times kept while they hold), IPs, phase and its containers' states, sent as a patch
 * of the status subresource, one at a time and always the latest.
 */
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {ApiError} from 'liqo-topology/toolkit/errors'
import {containerStatus, type ContainerRun} from './container.js'
import {nowIso} from './kubelet-context.js'

export interface PodView {
  phase: string
  /** The pod's network namespace exists. */
  networkReady: boolean
  initialized: boolean
  hostIp: string
  podIp: string
  startTime: string
  qosClass: string
  containers: ContainerRun[]
}

/** How soon a status the API server did not take is sent again (the kubelet's status sync period). */
export const STATUS_RETRY_MS = 10_000

export class PodStatusReporter {
  private readonly transitions = new Map<string, {status: string; at: string}>()
  private patching: Promise<void> = Promise.resolve()
  private retry?: NodeJS.Timeout
  /** The pod object is gone: nothing more to report. */
  gone = false

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
    private readonly log: (message: string) => void,
  ) {}

  private condition(type: string, ok: boolean): Json {
    const status = ok ? 'True' : 'False'
    const prev = this.transitions.get(type)
    const at = prev && prev.status === status ? prev.at : nowIso()
    this.transitions.set(type, {status, at})
    return {type, status, lastProbeTime: null, lastTransitionTime: at}
  }

  body(v: PodView): Json {
    const mains = v.containers.filter((c) => !c.init)
    const ready = mains.length > 0 && mains.every((c) => c.ready)
    return {
      status: {
        phase: v.phase,
        conditions: [
          this.condition('PodReadyToStartContainers', v.networkReady),
          this.condition('Initialized', v.initialized),
          this.condition('Ready', ready),
          this.condition('ContainersReady', ready),
          this.condition('PodScheduled', true),
        ],
        hostIP: v.hostIp,
        hostIPs: [{ip: v.hostIp}],
        ...(v.podIp ? {podIP: v.podIp, podIPs: [{ip: v.podIp}]} : {}),
        startTime: v.startTime,
        qosClass: v.qosClass,
        initContainerStatuses: v.containers.filter((c) => c.init).map(containerStatus),
        containerStatuses: mains.map(containerStatus),
      },
    }
  }

  /**
   * Reports the pod as `view()` tells it when the patch goes out. A patch the API server did not
   * take (a timeout under load, a restart) is sent again later with the state of that moment, as
   * the kubelet's status manager does: otherwise the API would keep an old readiness (and a
   * Service its old endpoints) until something else about the pod changed.
   */
  report(view: () => PodView): Promise<void> {
    clearTimeout(this.retry)
    this.retry = undefined
    this.patching = this.patching.then(async () => {
      if (this.gone) return
      try {
        await this.client.patch(
          `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.name)}/status`,
          this.body(view()),
          'merge',
        )
      } catch (e) {
        if (e instanceof ApiError && e.isNotFound) {
          this.gone = true
          return
        }
        this.log(
          `${this.namespace}/${this.name}: status update: ${String(e)}; sending it again in ${STATUS_RETRY_MS / 1000}s`,
        )
        clearTimeout(this.retry)
        this.retry = setTimeout(() => void this.report(view), STATUS_RETRY_MS)
        this.retry.unref()
      }
    })
    return this.patching
  }

  /** No more reports (the pod's runner is done with it). */
  close(): void {
    clearTimeout(this.retry)
    this.gone = true
  }
}
