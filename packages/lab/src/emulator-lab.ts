/**
 * The default lab mode: the real control plane with the emulator of Liqo v0.3 (./emulator/), for
 * the seed's v0.3 tutorial (no v0.x Liqo is served by the Go module proxy). Brings it up in named
 * steps: control plane, identities and kubeconfig, Liqo's CRDs and webhook, worker nodes,
 * peerings (as `liqoctl add cluster` makes them), and the tutorial's state when asked.
 */
import {randomUUID} from 'node:crypto'
import {createWriteStream, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {pinnedVersions} from './binaries.js'
import {freePort, startControlPlane, type StartedControlPlane} from './controlplane.js'
import {addForeignCluster, installCrds, installLiqoNamespace, installWebhook} from './emulator/bootstrap.js'
import {controlPlaneBinaries} from './core/control-plane.js'
import {installReadonlyRole} from './core/rbac.js'
import {Emulator} from './emulator/emulator.js'
import type {EmuCluster} from './emulator/model.js'
import {createPki, readPem} from './pki.js'
import {LAB_CLUSTERS, connectKubeconfig, userKubeconfig, type LabContext, type LabRuntime} from './runtime.js'
import {populateScale} from './scale.js'
import type {LabClusterState} from './state.js'
import {ensurePeerings, setupTutorial} from './tutorial.js'

async function controlPlaneStep(ctx: LabContext) {
  const bins = controlPlaneBinaries()
  ctx.state.binDir = join(bins['kube-apiserver'], '..')
  ctx.state.kubernetesVersion = pinnedVersions().kubernetes
  ctx.state.liqoVersion = 'v0.3 (emulated)'
  ctx.progress('creating certificates')
  const pki = createPki(ctx.paths.pki)
  const cp = await startControlPlane({
    dir: ctx.dir,
    bins,
    pki,
    clusters: LAB_CLUSTERS.map(({name, role}) => ({name, role})),
    onProgress: (m) => ctx.progress(m),
  })
  ctx.onStop(() => cp.stop())
  ctx.state.processes = cp.infos
  ctx.state.etcdPort = cp.etcdPort
  ctx.save()
  return {cp, pki}
}

/** The three clusters as the emulator sees them (Liqo v0.3 identities: UUIDs), recorded in the state. */
async function emulatedClusters(ctx: LabContext, cp: StartedControlPlane): Promise<EmuCluster[]> {
  const emu: EmuCluster[] = []
  for (const [i, spec] of LAB_CLUSTERS.entries()) {
    const rc = cp.clusters.find((c) => c.name === spec.name)!
    emu.push({
      name: spec.name,
      id: randomUUID(),
      role: spec.role,
      labels: spec.labels,
      client: await connectKubeconfig(rc.kubeconfigFor('liqo-emulator')),
      nodeName: `${spec.name}-control-plane`,
      index: i + 1,
      authUrl: rc.server,
    })
  }
  ctx.state.clusters = emu.map((c): LabClusterState => ({
    name: c.name,
    id: c.id,
    role: c.role === 'home' ? 'home' : 'remote',
    labels: c.labels,
    server: c.authUrl,
    tokens: cp.clusters.find((x) => x.name === c.name)!.tokens,
    nodeName: c.nodeName,
  }))
  ctx.save()
  return emu
}

export async function startEmulatorLab(ctx: LabContext): Promise<LabRuntime> {
  const {cp, pki} = await controlPlaneStep(ctx)
  const caPem = readPem(pki.caCert)
  writeFileSync(ctx.paths.kubeconfig, userKubeconfig(cp.clusters, caPem), {mode: 0o600})
  const emu = await emulatedClusters(ctx, cp)

  ctx.progress('installing Liqo (CRDs, cluster identity, webhook)')
  const [home, ...remotes] = emu as [EmuCluster, ...EmuCluster[]]
  await Promise.all(
    emu.map(async (c) => {
      await installCrds(c.client!)
      await installReadonlyRole(c.client!)
    }),
  )
  const webhookPort = await freePort()
  ctx.state.webhookPort = webhookPort
  const emuLog = createWriteStream(join(ctx.paths.logs, 'emulator.log'), {flags: 'a'})
  const emulator = new Emulator({
    home,
    remotes,
    delayMs: ctx.options.delayMs,
    capacity: {cpu: '8', memory: '32Gi', pods: '250'},
    webhook: {port: webhookPort, certFile: pki.servingCert, keyFile: pki.servingKey},
    log: (m) => emuLog.write(`${new Date().toISOString()} ${m}\n`),
  })
  ctx.onStop(async () => {
    await emulator.stop()
    emuLog.end()
  })
  await emulator.start()
  await installWebhook(home.client!, webhookPort, caPem)
  for (const c of emu) {
    await emulator.addWorkerNode(c)
    await installLiqoNamespace(c)
  }

  ctx.progress('peering cluster-1 with cluster-2 and cluster-3 (liqoctl add cluster)')
  for (const r of remotes) await addForeignCluster(home.client!, r)
  await ensurePeerings(
    home.client!,
    remotes.map((r) => r.id),
  )
  if (ctx.options.tutorial)
    await setupTutorial(
      home.client!,
      remotes.map((r) => r.id),
      (m) => ctx.progress(m),
    )

  return {
    components: () =>
      cp.infos.map((i) => ({...i, running: cp.processes.some((p) => p.pid === i.pid && p.exitCode === undefined)})),
    stopComponent: (name) => cp.stopComponent(name),
    startComponent: async (name) => {
      await cp.startComponent(name)
      ctx.state.processes = cp.infos
      ctx.save()
    },
    requests: {
      scale: (q) =>
        populateScale(
          emulator,
          home,
          remotes,
          {
            clusters: Number(q.get('clusters') ?? 100),
            pods: Number(q.get('pods') ?? 10_000),
            namespace: q.get('namespace') ?? 'scale',
            perDeployment: Number(q.get('perDeployment') ?? 500),
          },
          (m) => ctx.log(`scale: ${m}`),
        ),
    },
  }
}
