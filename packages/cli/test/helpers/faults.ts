/** Fault injection for integration tests: a network partition proxy, extra bare API servers. */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'

import {freePort} from '@liqo-topology/lab/controlplane'
import {createServiceAccountKey, randomToken} from '@liqo-topology/lab/pki'
import {startProcess, stopProcess, type ManagedProcess} from '@liqo-topology/lab/process'
import {sleep} from '../../src/toolkit/clock.js'
import {lab, labState} from './lab.js'

/** A TCP proxy that can cut every connection and refuse new ones (a network partition). */
export interface PartitionProxy {
  port: number
  cut(): void
  heal(): void
  close(): Promise<void>
}

export async function partitionProxy(targetPort: number): Promise<PartitionProxy> {
  const sockets = new Set<net.Socket>()
  let partitioned = false
  const server = net.createServer((client) => {
    if (partitioned) return void client.destroy()
    const upstream = net.connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return {
    port,
    cut: () => {
      partitioned = true
      for (const s of sockets) s.destroy()
    },
    heal: () => {
      partitioned = false
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** A TCP server that accepts connections and never answers (a hung API server). */
export async function silentServer(): Promise<{port: number; close(): Promise<void>}> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return {
    port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

export interface BareCluster {
  kubeconfig: string
  server: string
  token: string
  stop(): Promise<void>
}

/**
 * One more real kube-apiserver on the lab's etcd (own key prefix), with no Liqo on it:
 * the "cluster without Liqo" and, after installing core.liqo.io CRDs, the "Liqo v1.x" cluster.
 */
export async function bareCluster(name: string): Promise<BareCluster> {
  const s = labState()
  const dir = join(lab!.dir, 'test-clusters', name)
  mkdirSync(dir, {recursive: true})
  const pki = join(lab!.dir, 'pki')
  const sa = createServiceAccountKey(dir, name)
  const token = randomToken()
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, {mode: 0o600})
  const port = await freePort()
  const proc: ManagedProcess = startProcess(
    `${name}/kube-apiserver`,
    join(s.binDir, 'kube-apiserver'),
    [
      `--etcd-servers=http://127.0.0.1:${s.etcdPort}`,
      `--etcd-prefix=/test-${name}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${join(pki, 'serving.crt')}`,
      `--tls-private-key-file=${join(pki, 'serving.key')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.pub}`,
      `--service-account-signing-key-file=${sa.key}`,
      '--authorization-mode=RBAC',
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--profiling=false',
    ],
    join(dir, 'kube-apiserver.log'),
  )
  const server = `https://127.0.0.1:${port}`
  const ca = readFileSync(join(pki, 'ca.crt'))
  const deadline = Date.now() + 60_000
  for (;;) {
    const ok = await fetchReady(server, token, ca)
    if (ok) break
    if (Date.now() > deadline || proc.exitCode !== undefined)
      throw new Error(`bare cluster ${name} did not start; see ${dir}/kube-apiserver.log`)
    await sleep(250)
  }
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name, cluster: {server, 'certificate-authority': join(pki, 'ca.crt')}}],
      users: [{name: 'admin', user: {token}}],
      contexts: [{name, context: {cluster: name, user: 'admin'}}],
      'current-context': name,
    }),
    {mode: 0o600},
  )
  return {kubeconfig, server, token, stop: () => stopProcess(proc)}
}

async function fetchReady(server: string, token: string, ca: Buffer): Promise<boolean> {
  const https = await import('node:https')
  return new Promise((resolve) => {
    const req = https.get(
      `${server}/readyz`,
      {ca, headers: {Authorization: `Bearer ${token}`}, timeout: 2000},
      (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      },
    )
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
  })
}

/** A copy of the lab kubeconfig whose cluster-1 goes through `port` (a proxy) instead. */
export function kubeconfigVia(port: number, extra: {as?: string} = {}): string {
  const doc = JSON.parse(readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/, ''))
  for (const c of doc.clusters) if (c.name === 'cluster-1') c.cluster.server = `https://127.0.0.1:${port}`
  if (extra.as) for (const u of doc.users) u.user.as = extra.as
  const file = join(lab!.dir, `kubeconfig-${port}-${extra.as ?? 'admin'}`)
  writeFileSync(file, JSON.stringify(doc), {mode: 0o600})
  return file
}

/** A copy of the lab kubeconfig where every user impersonates `user` (RBAC tests). */
export function kubeconfigAs(user: string): string {
  const doc = JSON.parse(readFileSync(lab!.kubeconfig, 'utf8').replace(/^#.*\n/, ''))
  for (const u of doc.users) u.user.as = user
  const file = join(lab!.dir, `kubeconfig-as-${user}`)
  writeFileSync(file, JSON.stringify(doc), {mode: 0o600})
  return file
}

export function apiPort(cluster = 'cluster-1'): number {
  return labState().processes.find((p) => p.name === `${cluster}/kube-apiserver`)!.port
}

export async function labCtl(action: 'stop' | 'start', component: string): Promise<void> {
  const {cli} = await import('./lab.js')
  const r = await cli(['lab', action, '--dir', lab!.dir, component])
  if (r.code !== 0) throw new Error(`lab ${action} ${component}: ${r.stderr}`)
}

/** Stops and starts one lab component (a real process: an API server, a controller, one of Liqo's). */
export async function restartComponent(component: string): Promise<void> {
  await labCtl('stop', component)
  await labCtl('start', component)
}

/** Whether a lab component's process runs (lab status). */
export async function componentRunning(component: string): Promise<boolean> {
  const {cli} = await import('./lab.js')
  const st = JSON.parse((await cli(['lab', 'status', '--dir', lab!.dir, '-o', 'json'])).stdout) as {
    components: Array<{name: string; running: boolean}>
  }
  return !!st.components.find((c) => c.name === component)?.running
}

/** Starts a component a test stopped, if it is stopped (for a finally: the lab as the test found it). */
export async function startIfStopped(component: string): Promise<void> {
  if (!(await componentRunning(component))) await labCtl('start', component)
}

export function stopApiServer(cluster: string): Promise<void> {
  return labCtl('stop', `${cluster}/kube-apiserver`)
}

/**
 * Starts a stopped API server again. Its controller manager (and scheduler) are restarted too:
 * after an API server outage they reconnect by themselves, but with client-go's backoff that can
 * take up to 30 s, which would only slow the tests that follow. Returns once the cluster is whole
 * (clusterWhole): its nodes Ready and Liqo's Services served. `answering` is called as soon as the
 * API server itself is back, before the rest is restarted and waited for.
 */
export async function startApiServer(cluster: string, o: {answering?: () => void} = {}): Promise<void> {
  const running = await componentRunning(`${cluster}/kube-apiserver`)
  if (!running) await labCtl('start', `${cluster}/kube-apiserver`)
  o.answering?.()
  if (running) return
  const others = [
    `${cluster}/kube-controller-manager`,
    ...(cluster === 'cluster-1' ? [`${cluster}/kube-scheduler`] : []),
  ]
  for (const c of others) await restartComponent(c)
  const {clusterWhole} = await import('./lab.js')
  await clusterWhole(cluster)
}

/**
 * Liqo v1 only: restarts the home cluster's Liqo controller manager, as an operator would after an
 * outage. Its VirtualNode deletion routine (deletion-routine.go: one worker, client-go's default
 * per-item rate limiter) retries a drain that failed, e.g. an eviction a PodDisruptionBudget refused
 * or a conflict, with a delay doubling up to 1000s, and only a success resets it. Every reconcile of
 * a paused VirtualNode (any update of it or of its virtual kubelet's Deployment) adds it again
 * rate-limited (EnsureNodeAbsence calls AddRateLimited), which doubles the delay as well. Files that hold
 * drains or stop a provider leave such delays behind: measured in CI, the next file's first
 * `createNode: false` went unanswered for over 180s. A restart starts from an empty queue (~4s).
 */
export async function restartLiqoControllerManager(): Promise<void> {
  await restartComponent('cluster-1/liqo-controller-manager')
}

/**
 * Liqo v1 only: restarts the home cluster's crd-replicator. While an identity Secret is being
 * deleted (liqoctl unpeer), it keeps the Secret's finalizer until it can stop reflecting towards
 * that cluster, and it refuses to stop while replicated objects are still listed locally or
 * remotely (internal/crdReplicator/reflection/reflector.go, stopForResource). Each refusal is
 * retried by controller-runtime with a delay doubling up to 1000s, so on a busy machine the
 * finalizer can outlast the teardown by minutes. A restarted crd-replicator has no reflector for
 * that cluster any more and releases the finalizer at once, as it would after an operator's
 * `kubectl -n liqo rollout restart deployment liqo-crd-replicator`.
 */
export async function restartLiqoCrdReplicator(): Promise<void> {
  await restartComponent('cluster-1/liqo-crd-replicator')
}
