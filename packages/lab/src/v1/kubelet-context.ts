/**
 * What every pod of one host kubelet shares (./host-kubelet.ts makes it, ./pod-runner.ts uses it).
 */
import type {KubeClient} from 'liqo-topology/k8s/client'
import type {LabNet} from './network.js'
import type {ImageRule} from './pod-spec.js'

/** What the host kubelet of one node is given. */
export interface NodeSetting {
  client: KubeClient
  cluster: string
  nodeName: string
  nodeIp: string
  net: LabNet
  /** Where pods reach their API server (the lab has no kube-proxy for the `kubernetes` Service). */
  api: {host: string; port: number}
  /** Binary name → path of the cached build. */
  binaries: Map<string, string>
  imageRule: Omit<ImageRule, 'binaries'>
  /** Register the node with the control-plane taint (default), or without it. */
  tainted?: boolean
  /** Pods' folders (volumes). */
  dir: string
  /** Containers' logs. */
  logs: string
  log(message: string): void
  /** The set of running processes changed (the lab's state file lists them). */
  changed(): void
}

export interface KubeletContext extends NodeSetting {
  capacity: {cpu: string; memory: string}
  allocateIp(): string
  releaseIp(ip: string): void
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}
