/**
 * Worker nodes for the real-Liqo lab's clusters, from kwok (sigs.k8s.io/kwok, built from the Go
 * module proxy): one kwok process per cluster keeps its worker Nodes alive (Lease heartbeats) and
 * plays their kubelet for the pods scheduled there (Running and Ready, a pod IP from the cluster's
 * kwok range, graceful deletion), with kwok's own stages. Pods that Liqo's virtual kubelet reflects
 * onto a provider land on these nodes.
 */
import {join} from 'node:path'

import {ApiError} from 'liqo-topology/toolkit/errors'
import type {Json, KubeClient} from 'liqo-topology/k8s/client'
import {freePort, httpGet, type ComponentSet} from '../components.js'

export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node'

export interface KwokOptions {
  set: ComponentSet
  cluster: string
  client: KubeClient
  kubeconfig: string
  bin: string
  stages: string
  /** Pod IPs of kwok's nodes, e.g. 10.200.40.0/21. */
  cidr: string
  /** Names of the worker nodes to create. */
  nodes: string[]
  logs: string
  onProgress(m: string): void
}

export function kwokNodeBody(name: string, cluster: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: {[KWOK_ANNOTATION]: 'fake'},
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/worker': '',
        type: 'kwok',
        'lab.liqo-topology.io/cluster': cluster,
      },
    },
    spec: {},
    status: {
      allocatable: {cpu: '16', memory: '64Gi', pods: '250'},
      capacity: {cpu: '16', memory: '64Gi', pods: '250'},
    },
  }
}

/** Starts kwok for one cluster and creates its worker nodes (idempotent). */
export async function startKwok(o: KwokOptions): Promise<void> {
  const port = await freePort()
  o.onProgress(`starting kwok (worker nodes) of ${o.cluster}`)
  await o.set.launch({
    name: `${o.cluster}/kwok`,
    bin: o.bin,
    args: [
      `--kubeconfig=${o.kubeconfig}`,
      `--config=${o.stages}`,
      `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      `--cidr=${o.cidr}`,
      `--server-address=127.0.0.1:${port}`,
      '--node-lease-duration-seconds=40',
    ],
    log: join(o.logs, `${o.cluster}-kwok.log`),
    port,
    probe: async () => (await httpGet(`http://127.0.0.1:${port}/healthz`)).status === 200,
    timeoutMs: 60_000,
  })
  for (const name of o.nodes) {
    try {
      await o.client.create('/api/v1/nodes', kwokNodeBody(name, o.cluster))
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e
    }
  }
}
