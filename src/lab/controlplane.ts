/**
 * Starts the lab's real control plane: one etcd (one key prefix per cluster), a kube-apiserver and
 * a kube-controller-manager per cluster, and a kube-scheduler for the home cluster. Everything
 * listens on 127.0.0.1 on free ports, with TLS, token authentication, RBAC and an audit log.
 */
import http from 'node:http'
import https from 'node:https'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'

import type {Binaries} from './binaries.js'
import {createServiceAccountKey, randomToken, type LabPki} from './pki.js'
import {startProcess, stopProcess, tailLog, type ManagedProcess} from './process.js'
import type {ProcessInfo} from './state.js'

export interface ClusterPlan {
  name: string
  role: 'home' | 'remote'
}

export interface RunningCluster {
  name: string
  role: 'home' | 'remote'
  apiPort: number
  server: string
  tokens: Record<string, string>
  /** Kubeconfig path for a given user of this cluster (components use their own). */
  kubeconfigFor(user: string): string
}

export interface ControlPlane {
  clusters: RunningCluster[]
  etcdPort: number
  processes: ManagedProcess[]
  infos: ProcessInfo[]
  stop(): Promise<void>
  /** Stops one component (fault injection: "the API server went away"). */
  stopComponent(name: string): Promise<void>
  /** Starts a stopped component again with the same flags and port, and waits until it is ready. */
  startComponent(name: string): Promise<void>
}

interface Component {
  name: string
  bin: string
  args: string[]
  log: string
  port: number
  probe: () => Promise<boolean>
  timeoutMs: number
  proc: ManagedProcess
}

/** Users every lab cluster knows. Component users are in system:masters, like kubeadm's admin. */
export const LAB_USERS = {
  admin: 'system:masters',
  'liqo-emulator': 'system:masters',
  'system:kube-controller-manager': 'system:masters',
  'system:kube-scheduler': 'system:masters',
  /** Read-only user for trying RBAC failures (bound to a read-only ClusterRole by the lab). */
  readonly: 'lab:readonly',
} as const

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

function get(url: string, opts: https.RequestOptions = {}): Promise<{status: number; body: string}> {
  return new Promise((resolve) => {
    const lib = url.startsWith('https:') ? https : http
    const req = lib.get(url, {...opts, timeout: 2000}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve({status: 0, body: ''}))
  })
}

async function waitReady(p: ManagedProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (p.exitCode !== undefined) {
      throw new Error(`${p.name} exited with code ${p.exitCode} while starting; last lines of ${p.log}:\n${tailLog(p.log)}`)
    }
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${p.name} was not ready within ${timeoutMs / 1000}s; last lines of ${p.log}:\n${tailLog(p.log)}`)
}

function kubeconfigYaml(server: string, caFile: string, user: string, token: string, context: string): string {
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
  # Control-plane components stay out of the log.
  - level: None
    users: ["system:kube-controller-manager", "system:kube-scheduler", "system:apiserver"]
  # The emulator's pod status updates mark when a pod became Ready, server-side (benchmarks).
  - level: Metadata
    users: ["liqo-emulator"]
    verbs: ["patch"]
    resources: [{group: "", resources: ["pods/status"]}]
  - level: None
    users: ["liqo-emulator"]
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

export async function startControlPlane(o: StartOptions): Promise<ControlPlane> {
  const logs = join(o.dir, 'logs')
  const run = join(o.dir, 'run')
  const data = join(o.dir, 'data')
  for (const d of [logs, run, data]) mkdirSync(d, {recursive: true})
  const components: Component[] = []
  const processes: ManagedProcess[] = []
  const infos: ProcessInfo[] = []
  /** Starts a component, records it, and waits for its readiness probe. */
  const launch = async (name: string, bin: string, args: string[], log: string, port: number, probe: () => Promise<boolean>, timeoutMs: number) => {
    const proc = startProcess(name, bin, args, log)
    const c: Component = {name, bin, args, log, port, probe, timeoutMs, proc}
    components.push(c)
    processes.push(proc)
    infos.push({name, pid: proc.pid, port, log, binary: bin})
    await waitReady(proc, probe, timeoutMs)
  }
  const stop = async () => {
    for (const c of [...components].reverse()) await stopProcess(c.proc)
  }
  const find = (name: string) => {
    const c = components.find((x) => x.name === name)
    if (!c) throw new Error(`no lab component named ${name} (known: ${components.map((x) => x.name).join(', ')})`)
    return c
  }
  const stopComponent = async (name: string) => stopProcess(find(name).proc)
  const startComponent = async (name: string) => {
    const c = find(name)
    if (c.proc.exitCode === undefined) return
    c.proc = startProcess(c.name, c.bin, c.args, c.log)
    const i = infos.findIndex((x) => x.name === name)
    if (i >= 0) infos[i] = {...infos[i]!, pid: c.proc.pid}
    processes.push(c.proc)
    await waitReady(c.proc, c.probe, c.timeoutMs)
  }
  const qps = String(o.componentQps ?? 300)

  try {
    // etcd
    const etcdPort = await freePort()
    const peerPort = await freePort()
    o.onProgress('starting etcd')
    await launch(
      'etcd',
      o.bins.etcd,
      [
        '--name=lab',
        `--data-dir=${join(data, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=lab=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
        '--quota-backend-bytes=8589934592',
      ],
      join(logs, 'etcd.log'),
      etcdPort,
      async () => (await get(`http://127.0.0.1:${etcdPort}/health`)).body.includes('"health":"true"'),
      30_000,
    )

    // API servers, in parallel
    const caFile = o.pki.caCert
    const ca = readFileSync(caFile)
    writeFileSync(join(run, 'audit-policy.yaml'), AUDIT_POLICY)
    const clusters: RunningCluster[] = []
    await Promise.all(
      o.clusters.map(async (plan) => {
        const apiPort = await freePort()
        const tokens: Record<string, string> = {}
        const lines: string[] = []
        for (const [user, group] of Object.entries(LAB_USERS)) {
          tokens[user] = randomToken()
          lines.push(`${tokens[user]},${user},${user},"${group}"`)
        }
        const tokenFile = join(run, `${plan.name}-tokens.csv`)
        writeFileSync(tokenFile, lines.join('\n') + '\n', {mode: 0o600})
        const sa = createServiceAccountKey(o.pki.dir, plan.name)
        const server = `https://127.0.0.1:${apiPort}`
        o.onProgress(`starting kube-apiserver of ${plan.name}`)
        await launch(
          `${plan.name}/kube-apiserver`,
          o.bins['kube-apiserver'],
          [
            `--etcd-servers=http://127.0.0.1:${etcdPort}`,
            `--etcd-prefix=/${plan.name}`,
            '--bind-address=127.0.0.1',
            `--secure-port=${apiPort}`,
            '--advertise-address=127.0.0.1',
            '--endpoint-reconciler-type=none',
            `--tls-cert-file=${o.pki.servingCert}`,
            `--tls-private-key-file=${o.pki.servingKey}`,
            '--service-cluster-ip-range=10.96.0.0/16',
            '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
            `--service-account-key-file=${sa.pub}`,
            `--service-account-signing-key-file=${sa.key}`,
            '--authorization-mode=RBAC',
            `--token-auth-file=${tokenFile}`,
            '--allow-privileged=true',
            '--profiling=false',
            `--audit-policy-file=${join(run, 'audit-policy.yaml')}`,
            `--audit-log-path=${join(logs, `${plan.name}-audit.log`)}`,
            '--audit-log-maxsize=100',
            '--audit-log-maxbackup=1',
          ],
          join(logs, `${plan.name}-kube-apiserver.log`),
          apiPort,
          async () => (await get(`${server}/readyz`, {ca, headers: {Authorization: `Bearer ${tokens.admin}`}})).status === 200,
          90_000,
        )
        const kubeconfigFor = (user: string) => {
          const file = join(run, `${plan.name}-${user.replace(/[^a-z0-9-]/gi, '_')}.kubeconfig`)
          writeFileSync(file, kubeconfigYaml(server, caFile, user, tokens[user]!, plan.name), {mode: 0o600})
          return file
        }
        clusters.push({name: plan.name, role: plan.role, apiPort, server, tokens, kubeconfigFor})
      }),
    )
    clusters.sort((a, b) => o.clusters.findIndex((c) => c.name === a.name) - o.clusters.findIndex((c) => c.name === b.name))

    // Controller managers (every cluster) and the scheduler (home only), in parallel
    const healthz = (port: number) => async () => (await get(`https://127.0.0.1:${port}/healthz`, {rejectUnauthorized: false})).status === 200
    await Promise.all(
      clusters.flatMap((c) => {
        const jobs: Array<Promise<void>> = []
        jobs.push(
          (async () => {
            const port = await freePort()
            const certDir = join(run, `${c.name}-kcm`)
            mkdirSync(certDir, {recursive: true})
            o.onProgress(`starting kube-controller-manager of ${c.name}`)
            await launch(
              `${c.name}/kube-controller-manager`,
              o.bins['kube-controller-manager'],
              [
                `--kubeconfig=${c.kubeconfigFor('system:kube-controller-manager')}`,
                '--leader-elect=false',
                '--bind-address=127.0.0.1',
                `--secure-port=${port}`,
                `--cert-dir=${certDir}`,
                `--service-account-private-key-file=${join(o.pki.dir, `${c.name}-sa.key`)}`,
                `--root-ca-file=${caFile}`,
                `--cluster-signing-cert-file=${o.pki.caCert}`,
                `--cluster-signing-key-file=${o.pki.caKey}`,
                `--kube-api-qps=${qps}`,
                `--kube-api-burst=${Number(qps) * 2}`,
                '--concurrent-deployment-syncs=10',
                '--concurrent-replicaset-syncs=10',
                '--concurrent-namespace-syncs=10',
                '--concurrent-gc-syncs=30',
                '--profiling=false',
              ],
              join(logs, `${c.name}-kube-controller-manager.log`),
              port,
              healthz(port),
              60_000,
            )
          })(),
        )
        if (c.role === 'home') {
          jobs.push(
            (async () => {
              const port = await freePort()
              const certDir = join(run, `${c.name}-scheduler`)
              mkdirSync(certDir, {recursive: true})
              o.onProgress(`starting kube-scheduler of ${c.name}`)
              await launch(
                `${c.name}/kube-scheduler`,
                o.bins['kube-scheduler'],
                [
                  `--kubeconfig=${c.kubeconfigFor('system:kube-scheduler')}`,
                  '--leader-elect=false',
                  '--bind-address=127.0.0.1',
                  `--secure-port=${port}`,
                  `--cert-dir=${certDir}`,
                  `--kube-api-qps=${qps}`,
                  `--kube-api-burst=${Number(qps) * 2}`,
                  '--profiling=false',
                ],
                join(logs, `${c.name}-kube-scheduler.log`),
                port,
                healthz(port),
                60_000,
              )
            })(),
          )
        }
        return jobs
      }),
    )
    return {clusters, etcdPort, processes, infos, stop, stopComponent, startComponent}
  } catch (e) {
    await stop()
    throw e
  }
}
