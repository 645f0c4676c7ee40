/**
 * Starts the lab's real control plane: one etcd (one key prefix per cluster), and per cluster a
 * kube-apiserver, a kube-controller-manager and (where the plan asks for one) a kube-scheduler.
 * Everything runs with TLS, token and client-certificate authentication, RBAC and an audit log.
 * API servers listen on 127.0.0.1 on free ports, or on the address and port a cluster's plan gives
 * (the real-Liqo lab gives each cluster its own address, reachable from its pods).
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Binaries} from './binaries.js'
import {ComponentSet, freePort, httpGet, type ControlPlane} from './components.js'
import {createServiceAccountKey, randomToken, type LabPki} from './pki.js'

export {freePort, type ControlPlane} from './components.js'

export interface ClusterPlan {
  name: string
  role: 'home' | 'remote'
  /** Address the API server binds to and advertises (default 127.0.0.1). */
  host?: string
  /** API server port (default: a free one). */
  port?: number
  /** Run a kube-scheduler for this cluster (default: only the home cluster). */
  scheduler?: boolean
}

export interface RunningCluster {
  name: string
  role: 'home' | 'remote'
  host: string
  apiPort: number
  server: string
  tokens: Record<string, string>
  /** Kubeconfig path for a given user of this cluster (components use their own). */
  kubeconfigFor(user: string): string
}

/** Users every lab cluster knows. Component users are in system:masters, like kubeadm's admin. */
export const LAB_USERS = {
  admin: 'system:masters',
  'liqo-emulator': 'system:masters',
  'lab-kubelet': 'system:masters',
  kwok: 'system:masters',
  'system:kube-controller-manager': 'system:masters',
  'system:kube-scheduler': 'system:masters',
  /** Read-only user for trying RBAC failures (bound to a read-only ClusterRole by the lab). */
  readonly: 'lab:readonly',
} as const

function kubeconfigJson(server: string, caFile: string, user: string, token: string, context: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: context, cluster: {server, 'certificate-authority': caFile}}],
      users: [{name: user, user: {token}}],
      contexts: [{name: context, context: {cluster: context, user}}],
      'current-context': context,
    },
    null,
    2,
  )
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  # What ends a convergence, server-side (benchmarks): the Deployments' and ReplicaSets' status the
  # controller manager writes, and the final deletion of a pod by its (virtual) kubelet.
  - level: Metadata
    users: ["system:kube-controller-manager"]
    verbs: ["update", "patch"]
    resources: [{group: "apps", resources: ["deployments/status", "replicasets/status"]}]
  - level: Metadata
    users: ["liqo-emulator"]
    verbs: ["delete"]
    resources: [{group: "", resources: ["pods"]}]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
    verbs: ["delete"]
    resources: [{group: "", resources: ["pods"]}]
  # Which pods Liqo's drain evicts (its releases differ on DaemonSet pods).
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
    verbs: ["create"]
    resources: [{group: "", resources: ["pods/eviction"]}]
  # Control-plane components stay out of the log.
  - level: None
    users: ["system:kube-controller-manager", "system:kube-scheduler", "system:apiserver", "lab-kubelet", "kwok"]
  # Pod status updates mark when a pod became Ready, server-side (benchmarks): the emulator's, and
  # those of Liqo's components (service accounts) in the real-Liqo lab.
  - level: Metadata
    users: ["liqo-emulator"]
    verbs: ["patch"]
    resources: [{group: "", resources: ["pods/status"]}]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
    verbs: ["patch", "update"]
    resources: [{group: "", resources: ["pods/status"]}]
  - level: None
    users: ["liqo-emulator"]
  - level: None
    userGroups: ["system:serviceaccounts", "system:nodes"]
  # Everything users and the CLI do (the benchmark counts the requests of a wait).
  - level: Metadata
`

export interface StartOptions {
  dir: string
  bins: Binaries
  pki: LabPki
  clusters: ClusterPlan[]
  onProgress: (msg: string) => void
  /** API QPS for controller-manager and scheduler (the scale scenario needs more than defaults). */
  componentQps?: number
}

interface Layout {
  logs: string
  run: string
  data: string
}

async function startEtcd(set: ComponentSet, o: StartOptions, l: Layout): Promise<number> {
  const etcdPort = await freePort()
  const peerPort = await freePort()
  o.onProgress('starting etcd')
  await set.launch({
    name: 'etcd',
    bin: o.bins.etcd,
    args: [
      '--name=lab',
      `--data-dir=${join(l.data, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=lab=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
      '--quota-backend-bytes=8589934592',
    ],
    log: join(l.logs, 'etcd.log'),
    port: etcdPort,
    probe: async () => (await httpGet(`http://127.0.0.1:${etcdPort}/health`)).body.includes('"health":"true"'),
    timeoutMs: 30_000,
  })
  return etcdPort
}

async function startApiServer(
  set: ComponentSet,
  o: StartOptions,
  l: Layout,
  plan: ClusterPlan,
  etcdPort: number,
): Promise<RunningCluster> {
  const host = plan.host ?? '127.0.0.1'
  const apiPort = plan.port ?? (await freePort())
  const tokens: Record<string, string> = {}
  const lines: string[] = []
  for (const [user, group] of Object.entries(LAB_USERS)) {
    tokens[user] = randomToken()
    lines.push(`${tokens[user]},${user},${user},"${group}"`)
  }
  const tokenFile = join(l.run, `${plan.name}-tokens.csv`)
  writeFileSync(tokenFile, lines.join('\n') + '\n', {mode: 0o600})
  const sa = createServiceAccountKey(o.pki.dir, plan.name)
  const server = `https://${host}:${apiPort}`
  const ca = readFileSync(o.pki.caCert)
  o.onProgress(`starting kube-apiserver of ${plan.name}`)
  await set.launch({
    name: `${plan.name}/kube-apiserver`,
    bin: o.bins['kube-apiserver'],
    args: [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--etcd-prefix=/${plan.name}`,
      `--bind-address=${host}`,
      `--secure-port=${apiPort}`,
      `--advertise-address=${host}`,
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${o.pki.servingCert}`,
      `--tls-private-key-file=${o.pki.servingKey}`,
      `--client-ca-file=${o.pki.caCert}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      // Admission webhooks and aggregated APIs are called at their endpoints' pod IPs: the lab
      // has no kube-proxy, so Service cluster IPs lead nowhere.
      '--enable-aggregator-routing=true',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.pub}`,
      `--service-account-signing-key-file=${sa.key}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokenFile}`,
      '--allow-privileged=true',
      '--profiling=false',
      `--audit-policy-file=${join(l.run, 'audit-policy.yaml')}`,
      `--audit-log-path=${join(l.logs, `${plan.name}-audit.log`)}`,
      '--audit-log-maxsize=100',
      '--audit-log-maxbackup=1',
    ],
    log: join(l.logs, `${plan.name}-kube-apiserver.log`),
    port: apiPort,
    probe: async () =>
      (await httpGet(`${server}/readyz`, {ca, headers: {Authorization: `Bearer ${tokens.admin}`}})).status === 200,
    timeoutMs: 90_000,
  })
  const kubeconfigFor = (user: string) => {
    const file = join(l.run, `${plan.name}-${user.replace(/[^a-z0-9-]/gi, '_')}.kubeconfig`)
    writeFileSync(file, kubeconfigJson(server, o.pki.caCert, user, tokens[user]!, plan.name), {mode: 0o600})
    return file
  }
  return {name: plan.name, role: plan.role, host, apiPort, server, tokens, kubeconfigFor}
}

const healthz = (port: number) => async () =>
  (await httpGet(`https://127.0.0.1:${port}/healthz`, {rejectUnauthorized: false})).status === 200

/**
 * A control-plane component that talks to one cluster's API server as its own user and serves
 * /healthz on a free port: kube-controller-manager or kube-scheduler, with `extra` flags.
 */
async function startClusterComponent(
  set: ComponentSet,
  o: StartOptions,
  l: Layout,
  c: RunningCluster,
  component: 'kube-controller-manager' | 'kube-scheduler',
  extra: string[],
): Promise<void> {
  const port = await freePort()
  const qps = o.componentQps ?? 300
  const certDir = join(l.run, `${c.name}-${component}`)
  mkdirSync(certDir, {recursive: true})
  o.onProgress(`starting ${component} of ${c.name}`)
  await set.launch({
    name: `${c.name}/${component}`,
    bin: o.bins[component],
    args: [
      `--kubeconfig=${c.kubeconfigFor(`system:${component}`)}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${certDir}`,
      `--kube-api-qps=${qps}`,
      `--kube-api-burst=${qps * 2}`,
      '--profiling=false',
      ...extra,
    ],
    log: join(l.logs, `${c.name}-${component}.log`),
    port,
    probe: healthz(port),
    timeoutMs: 60_000,
  })
}

function startControllerManager(set: ComponentSet, o: StartOptions, l: Layout, c: RunningCluster): Promise<void> {
  return startClusterComponent(set, o, l, c, 'kube-controller-manager', [
    `--service-account-private-key-file=${join(o.pki.dir, `${c.name}-sa.key`)}`,
    `--root-ca-file=${o.pki.caCert}`,
    `--cluster-signing-cert-file=${o.pki.caCert}`,
    `--cluster-signing-key-file=${o.pki.caKey}`,
    '--concurrent-deployment-syncs=10',
    '--concurrent-replicaset-syncs=10',
    '--concurrent-namespace-syncs=10',
    '--concurrent-gc-syncs=30',
  ])
}

function startScheduler(set: ComponentSet, o: StartOptions, l: Layout, c: RunningCluster): Promise<void> {
  return startClusterComponent(set, o, l, c, 'kube-scheduler', [])
}

export interface StartedControlPlane extends ControlPlane {
  clusters: RunningCluster[]
  etcdPort: number
  /** The processes, where a lab mode adds its own host components (e.g. kwok). */
  set: ComponentSet
}

export async function startControlPlane(o: StartOptions): Promise<StartedControlPlane> {
  const l: Layout = {logs: join(o.dir, 'logs'), run: join(o.dir, 'run'), data: join(o.dir, 'data')}
  for (const d of Object.values(l)) mkdirSync(d, {recursive: true})
  const set = new ComponentSet()
  try {
    const etcdPort = await startEtcd(set, o, l)
    writeFileSync(join(l.run, 'audit-policy.yaml'), AUDIT_POLICY)
    const clusters = await Promise.all(o.clusters.map((plan) => startApiServer(set, o, l, plan, etcdPort)))
    await Promise.all(
      clusters.flatMap((c, i) => {
        const wantsScheduler = o.clusters[i]!.scheduler ?? c.role === 'home'
        return [startControllerManager(set, o, l, c), ...(wantsScheduler ? [startScheduler(set, o, l, c)] : [])]
      }),
    )
    return Object.assign(set.asControlPlane(), {clusters, etcdPort, set})
  } catch (e) {
    await set.stop()
    throw e
  }
}
