/**
 * The lab's supervisor process: owns the control-plane processes and runs the Liqo emulator.
 * Started (detached) by `lab up`, stopped by `lab down` with SIGTERM. Its children get a
 * parent-death signal, so they cannot outlive it; with a parent PID (test runs) it also stops
 * when that process is gone. Progress goes to the parent over IPC and to logs/supervisor.log.
 */
import {randomUUID} from 'node:crypto'
import {createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import {join} from 'node:path'

import {KubeClient} from '../k8s/client.js'
import {loadKubeconfig, resolveTarget} from '../k8s/kubeconfig.js'
import {LABEL_PROVIDER, LABEL_REGION} from '../liqo/constants.js'
import {lookupBinaries, pinnedVersions, type Binaries} from './binaries.js'
import {freePort, startControlPlane, type ControlPlane, type RunningCluster} from './controlplane.js'
import {addForeignCluster, installCrds, installLiqoNamespace, installReadonlyRole, installWebhook} from './emulator/bootstrap.js'
import {Emulator} from './emulator/emulator.js'
import type {EmuCluster} from './emulator/model.js'
import {createPki, readPem} from './pki.js'
import {labPaths, writeState, type LabClusterState, type LabOptions, type LabState} from './state.js'
import {populateScale} from './scale.js'
import {ensurePeerings, setupTutorial} from './tutorial.js'

export type SupervisorMessage = {type: 'progress'; message: string} | {type: 'ready'} | {type: 'failed'; error: string}

/** The tutorial's three clusters and their `--cluster-labels`. */
export const LAB_CLUSTERS = [
  {name: 'cluster-1', role: 'home' as const, labels: {[LABEL_PROVIDER]: 'provider-1', [LABEL_REGION]: 'eu-west'}},
  {name: 'cluster-2', role: 'remote' as const, labels: {[LABEL_PROVIDER]: 'provider-2', [LABEL_REGION]: 'us-west'}},
  {name: 'cluster-3', role: 'remote' as const, labels: {[LABEL_PROVIDER]: 'provider-3', [LABEL_REGION]: 'eu-east'}},
]

export function controlSocket(dir: string): string {
  return join(labPaths(dir).run, 'control.sock')
}

function userKubeconfig(clusters: RunningCluster[], caPem: string): string {
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
      ...clusters.map((c) => ({name: c.name, context: {cluster: c.name, user: `${c.name}-admin`, namespace: 'default'}})),
      {name: 'cluster-1-readonly', context: {cluster: clusters[0]!.name, user: 'cluster-1-readonly', namespace: 'default'}},
    ],
    'current-context': clusters[0]!.name,
  }
  return `# liqo-topology lab: contexts cluster-1 (home), cluster-2, cluster-3, and cluster-1-readonly\n${JSON.stringify(doc, null, 2)}\n`
}

async function connect(kubeconfig: string, context?: string): Promise<KubeClient> {
  return KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig}), context), {requestTimeoutMs: 30_000})
}

export async function supervise(dir: string, options: LabOptions): Promise<void> {
  const paths = labPaths(dir)
  mkdirSync(paths.logs, {recursive: true})
  mkdirSync(paths.run, {recursive: true})
  const supLog = createWriteStream(paths.supervisorLog, {flags: 'a'})
  const emuLog = createWriteStream(join(paths.logs, 'emulator.log'), {flags: 'a'})
  const stamp = () => new Date().toISOString()
  const log = (m: string) => supLog.write(`${stamp()} ${m}\n`)
  const send = (m: SupervisorMessage) => {
    if (process.connected) process.send?.(m)
  }
  const progress = (m: string) => {
    log(m)
    send({type: 'progress', message: m})
  }

  const state: LabState = {
    version: 1,
    dir,
    status: 'starting',
    createdAt: new Date().toISOString(),
    supervisorPid: process.pid,
    kubeconfig: paths.kubeconfig,
    binDir: '',
    kubernetesVersion: '',
    processes: [],
    clusters: [],
    webhookPort: 0,
    etcdPort: 0,
    options,
  }
  writeState(state)

  let cp: Awaited<ReturnType<typeof startControlPlane>> | undefined
  let emulator: Emulator | undefined
  let control: http.Server | undefined
  let stopping = false
  const shutdown = async (code: number, why: string) => {
    if (stopping) return
    stopping = true
    log(`stopping (${why})`)
    state.status = 'stopping'
    writeState(state)
    control?.close()
    await emulator?.stop().catch((e) => log(`emulator stop: ${String(e)}`))
    await cp?.stop().catch((e) => log(`control plane stop: ${String(e)}`))
    rmSync(controlSocket(dir), {force: true})
    log('stopped')
    supLog.end()
    emuLog.end()
    setTimeout(() => process.exit(code), 50)
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void shutdown(0, sig))
  process.on('uncaughtException', (e) => {
    log(`uncaught: ${e.stack ?? String(e)}`)
    void shutdown(1, 'uncaught exception')
  })
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`))
  process.on('disconnect', () => log('parent disconnected'))

  try {
    const {found, missing} = lookupBinaries()
    if (missing.length) throw new Error(`missing control-plane binaries: ${missing.join(', ')} (run: npm run lab:build)`)
    const bins = found as Binaries
    state.binDir = join(bins['kube-apiserver'], '..')
    state.kubernetesVersion = pinnedVersions().kubernetes
    progress('creating certificates')
    const pki = createPki(paths.pki)
    cp = await startControlPlane({dir, bins, pki, clusters: LAB_CLUSTERS.map(({name, role}) => ({name, role})), onProgress: progress})
    state.processes = cp.infos
    state.etcdPort = cp.etcdPort
    writeState(state)

    const caPem = readPem(pki.caCert)
    writeFileSync(paths.kubeconfig, userKubeconfig(cp.clusters, caPem), {mode: 0o600})
    const emu: EmuCluster[] = []
    for (const [i, spec] of LAB_CLUSTERS.entries()) {
      const rc = cp.clusters.find((c) => c.name === spec.name)!
      emu.push({
        name: spec.name,
        id: randomUUID(),
        role: spec.role,
        labels: spec.labels,
        client: await connect(rc.kubeconfigFor('liqo-emulator')),
        nodeName: `${spec.name}-control-plane`,
        index: i + 1,
        authUrl: rc.server,
      })
    }
    state.clusters = emu.map(
      (c): LabClusterState => ({
        name: c.name,
        id: c.id,
        role: c.role === 'home' ? 'home' : 'remote',
        labels: c.labels,
        server: c.authUrl,
        tokens: cp!.clusters.find((x) => x.name === c.name)!.tokens,
        nodeName: c.nodeName,
      }),
    )
    writeState(state)

    progress('installing Liqo (CRDs, cluster identity, webhook)')
    const [home, ...remotes] = emu as [EmuCluster, ...EmuCluster[]]
    await Promise.all(emu.map(async (c) => {
      await installCrds(c.client!)
      await installReadonlyRole(c.client!)
    }))
    const webhookPort = await freePort()
    state.webhookPort = webhookPort
    emulator = new Emulator({
      home,
      remotes,
      delayMs: options.delayMs,
      capacity: {cpu: '8', memory: '32Gi', pods: '250'},
      webhook: {port: webhookPort, certFile: pki.servingCert, keyFile: pki.servingKey},
      log: (m) => emuLog.write(`${stamp()} ${m}\n`),
    })
    await emulator.start()
    await installWebhook(home.client!, webhookPort, caPem)
    for (const c of emu) {
      await emulator.addWorkerNode(c)
      await installLiqoNamespace(c)
    }

    progress('peering cluster-1 with cluster-2 and cluster-3 (liqoctl add cluster)')
    for (const r of remotes) await addForeignCluster(home.client!, r)
    await ensurePeerings(home.client!, remotes.map((r) => r.id))

    if (options.tutorial) {
      await setupTutorial(home.client!, remotes.map((r) => r.id), progress)
    }

    const scale = async (q: URLSearchParams) =>
      populateScale(emulator!, home, remotes, {clusters: Number(q.get('clusters') ?? 100), pods: Number(q.get('pods') ?? 10_000), namespace: q.get('namespace') ?? 'scale', perDeployment: Number(q.get('perDeployment') ?? 500)}, (m) => log(`scale: ${m}`))
    control = await serveControl(dir, cp, log, scale, () => {
      state.processes = cp!.infos
      writeState(state)
    })
    if (options.parentPid) watchParent(options.parentPid, () => void shutdown(0, `parent ${options.parentPid} exited`))
    state.status = 'ready'
    state.readyAt = new Date().toISOString()
    state.processes = cp.infos
    writeState(state)
    log('ready')
    send({type: 'ready'})
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    log(`failed: ${e instanceof Error ? (e.stack ?? msg) : msg}`)
    state.status = 'failed'
    state.error = msg
    writeState(state)
    send({type: 'failed', error: msg})
    await shutdown(1, 'start-up failed')
  }
}

function watchParent(pid: number, onGone: () => void): void {
  const t = setInterval(() => {
    try {
      process.kill(pid, 0)
    } catch {
      clearInterval(t)
      onGone()
    }
  }, 1_000)
}

/**
 * A tiny control API on a unix socket in the lab directory (mode 0600 directory): stop and start
 * individual components, for fault-injection tests and for trying failures by hand.
 */
async function serveControl(dir: string, cp: ControlPlane, log: (m: string) => void, scale: (q: URLSearchParams) => Promise<{ms: number}>, onChange: () => void): Promise<http.Server> {
  const sock = controlSocket(dir)
  if (existsSync(sock)) rmSync(sock)
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab')
    const name = url.searchParams.get('name') ?? ''
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, {'Content-Type': 'application/json'})
      res.end(JSON.stringify(body))
    }
    const act = async () => {
      if (req.method === 'GET' && url.pathname === '/components') {
        return reply(200, cp.infos.map((i) => ({...i, running: cp.processes.some((p) => p.pid === i.pid && p.exitCode === undefined)})))
      }
      if (req.method === 'POST' && url.pathname === '/stop') {
        log(`control: stop ${name}`)
        await cp.stopComponent(name)
        return reply(200, {stopped: name})
      }
      if (req.method === 'POST' && url.pathname === '/start') {
        log(`control: start ${name}`)
        await cp.startComponent(name)
        onChange()
        return reply(200, {started: name})
      }
      if (req.method === 'POST' && url.pathname === '/scale') {
        log(`control: scale ${url.search}`)
        return reply(200, await scale(url.searchParams))
      }
      return reply(404, {error: `unknown request ${req.method} ${url.pathname}`})
    }
    act().catch((e) => reply(400, {error: e instanceof Error ? e.message : String(e)}))
  })
  await new Promise<void>((resolve) => server.listen(sock, () => resolve()))
  return server
}

/** Reads the log of the supervisor (for errors shown by `lab up`). */
export function supervisorLogTail(dir: string, lines = 15): string {
  try {
    return readFileSync(labPaths(dir).supervisorLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}
