/**
 * What the lab's two modes share: the three clusters of the tutorial, the kubeconfig users get,
 * and the shape of a running lab as the supervisor drives it (./supervisor.ts). Each mode brings
 * its lab up with one function: ./emulator-lab.ts (Liqo v0.3, emulated) and ./v1/liqo-lab.ts
 * (Liqo v1.2, Liqo's own controllers).
 */
import {KubeClient} from 'liqo-topology/k8s/client'
import {loadKubeconfig, resolveTarget} from 'liqo-topology/k8s/kubeconfig'
import {LABEL_PROVIDER, LABEL_REGION} from 'liqo-topology/liqo/constants'
import type {RunningCluster} from './controlplane.js'
import type {labPaths, LabOptions, LabState, ProcessInfo} from './state.js'

/** The tutorial's three clusters and their `--cluster-labels`. */
export const LAB_CLUSTERS = [
  {name: 'cluster-1', role: 'home' as const, labels: {[LABEL_PROVIDER]: 'provider-1', [LABEL_REGION]: 'eu-west'}},
  {name: 'cluster-2', role: 'remote' as const, labels: {[LABEL_PROVIDER]: 'provider-2', [LABEL_REGION]: 'us-west'}},
  {name: 'cluster-3', role: 'remote' as const, labels: {[LABEL_PROVIDER]: 'provider-3', [LABEL_REGION]: 'eu-east'}},
]

/** What a mode's bring-up function gets from the supervisor. */
export interface LabContext {
  dir: string
  paths: ReturnType<typeof labPaths>
  options: LabOptions
  /** The state file's content; call save() after changing it. */
  state: LabState
  save(): void
  progress(message: string): void
  log(message: string): void
  /** Registers a step of the teardown; they run in reverse order (also when start-up fails). */
  onStop(step: () => Promise<void> | void): void
}

export type ComponentInfo = ProcessInfo & {running: boolean}

/** A lab that is up: its processes by name, and what else its control socket offers. */
export interface LabRuntime {
  components(): ComponentInfo[]
  stopComponent(name: string): Promise<void>
  startComponent(name: string): Promise<void>
  /** Mode-specific control requests (e.g. `scale` for the emulator). */
  requests?: Record<string, (q: URLSearchParams) => Promise<unknown>>
}

export function userKubeconfig(clusters: RunningCluster[], caPem: string): string {
  const caData = Buffer.from(caPem).toString('base64')
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: clusters.map((c) => ({name: c.name, cluster: {server: c.server, 'certificate-authority-data': caData}})),
    users: [
      ...clusters.map((c) => ({name: `${c.name}-admin`, user: {token: c.tokens.admin}})),
      {name: 'cluster-1-readonly', user: {token: clusters[0]!.tokens.readonly}},
    ],
    contexts: [
      ...clusters.map((c) => ({
        name: c.name,
        context: {cluster: c.name, user: `${c.name}-admin`, namespace: 'default'},
      })),
      {
        name: 'cluster-1-readonly',
        context: {cluster: clusters[0]!.name, user: 'cluster-1-readonly', namespace: 'default'},
      },
    ],
    'current-context': clusters[0]!.name,
  }
  return (
    `# liqo-topology lab: contexts cluster-1 (home), cluster-2, cluster-3, and ` +
    `cluster-1-readonly\n${JSON.stringify(doc, null, 2)}\n`
  )
}

export async function connectKubeconfig(kubeconfig: string, context?: string): Promise<KubeClient> {
  return KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig}), context), {requestTimeoutMs: 30_000})
}
