/** The lab's directory layout and its state file (ports, PIDs, cluster identities). */
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

export type LabStatus = 'starting' | 'ready' | 'stopping' | 'failed'
export type LabMode = 'emulator' | 'liqo'

export interface ProcessInfo {
  name: string
  pid: number
  port: number
  log: string
  binary: string
  /** For a pod's container run by the real-Liqo lab's host kubelet: namespace/name of the pod. */
  pod?: string
}

export interface LabClusterState {
  name: string
  id: string
  role: 'home' | 'remote'
  labels: Record<string, string>
  server: string
  /** Bearer tokens of the cluster's users (the file is 0600; never printed). */
  tokens: Record<string, string>
  /** The emulated worker node of this cluster. */
  nodeName: string
}

export interface LabState {
  version: 1
  dir: string
  status: LabStatus
  /** emulator: Liqo v0.3 emulated; liqo: Liqo's own v1 controllers. Absent in older state files. */
  mode?: LabMode
  /** e.g. "v0.3 (emulated)" or "v1.2.0". */
  liqoVersion?: string
  /** The real-Liqo lab's host network (bridge and pod namespaces), removed by `lab down`. */
  network?: {octet: number; bridge: string}
  error?: string
  createdAt: string
  readyAt?: string
  supervisorPid: number
  kubeconfig: string
  binDir: string
  kubernetesVersion: string
  processes: ProcessInfo[]
  clusters: LabClusterState[]
  webhookPort: number
  etcdPort: number
  options: LabOptions
}

export interface LabOptions {
  /** Delay between Liqo phases (ms). */
  delayMs: number
  tutorial: boolean
  /** Run Liqo's own controllers at this version line (e.g. "v1.2") instead of the v0.3 emulator. */
  liqo?: string
  /** Stop when this PID is gone (test runs). */
  parentPid?: number
}

export function defaultLabDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIQO_TOPOLOGY_LAB_DIR) return resolve(env.LIQO_TOPOLOGY_LAB_DIR)
  const state = env.XDG_STATE_HOME ?? join(env.HOME ?? homedir(), '.local', 'state')
  return join(state, 'liqo-topology', 'lab')
}

export const labPaths = (dir: string) => ({
  state: join(dir, 'state.json'),
  kubeconfig: join(dir, 'kubeconfig'),
  pki: join(dir, 'pki'),
  logs: join(dir, 'logs'),
  data: join(dir, 'data'),
  run: join(dir, 'run'),
  supervisorLog: join(dir, 'logs', 'supervisor.log'),
})

export function readState(dir: string): LabState | undefined {
  const p = labPaths(dir).state
  if (!existsSync(p)) return undefined
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabState
  } catch {
    return undefined
  }
}

export function writeState(state: LabState): void {
  const p = labPaths(state.dir).state
  mkdirSync(state.dir, {recursive: true})
  const tmp = `${p}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(state, null, 2), {mode: 0o600})
  renameSync(tmp, p)
}
