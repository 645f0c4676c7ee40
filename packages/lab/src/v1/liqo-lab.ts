/**
 * The real-Liqo lab (`lab up --liqo v1.0|v1.1|v1.2`): the same three clusters on the same real
 * control plane, running Liqo's own controllers of that release, unmodified, built from the Go
 * module proxy (what differs between releases: ./liqo-lines.ts). In named steps:
 * the host network, the control plane (each API server at its cluster's address on port 6443, a
 * scheduler per cluster), a host kubelet per cluster for Liqo's pods, kwok worker nodes on the
 * providers, `liqoctl install` from Liqo's chart with networking disabled, `liqoctl peer
 * --networking-disabled` from cluster-1 to cluster-2 and cluster-3, and the tutorial's state the
 * v1 way when asked (those two in ./peering.ts).
 *
 * What the lab adapts, all here and nowhere else (Liqo's behaviour is never changed):
 * - Pods run as host processes (./host-kubelet.ts) in their own network namespace on a host bridge:
 *   there is no container runtime. The container's image is mapped to the cached binary of the
 *   same name; anything else is reported ErrImagePull.
 * - There is no kube-proxy: KUBERNETES_SERVICE_HOST/PORT point at the API server itself, and API
 *   servers reach webhooks at their endpoints (--enable-aggregator-routing).
 * - Chart values (labValues): networking off (as the issue asks), Liqo's optional proxy and metric
 *   agent off (they need networking or images the lab does not build), and Liqo's pods go to the
 *   cluster's control-plane node (node selector and toleration), which is the host kubelet's: the
 *   providers' kwok worker nodes would only pretend to run them. cluster-1, where the virtual
 *   kubelets run, has no kwok node.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {lookupLiqo, pinnedVersions, type LiqoArtifacts} from '../binaries.js'
import {startControlPlane, type ClusterPlan, type RunningCluster, type StartedControlPlane} from '../controlplane.js'
import {controlPlaneBinaries} from '../core/control-plane.js'
import {installReadonlyRole} from '../core/rbac.js'
import {createPki, readPem} from '../pki.js'
import {
  LAB_CLUSTERS,
  connectKubeconfig,
  userKubeconfig,
  type ComponentInfo,
  type LabContext,
  type LabRuntime,
} from '../runtime.js'
import {HostKubelet, ipToNumber} from './host-kubelet.js'
import {startKwok} from './kwok.js'
import {DEFAULT_LIQO_V1_LINE, isLiqoV1Line, LIQO_LINE_SPECS, type LiqoV1Line} from './liqo-lines.js'
import {installArgs, liqoctl} from './liqoctl.js'
import {peerStep, setupTutorialV1} from './peering.js'
import {
  checkNetworkPrerequisites,
  clusterApiIp,
  clusterKwokCidr,
  clusterPodCidr,
  createNetwork,
  destroyNetwork,
  netFor,
  pickOctet,
  type LabNet,
} from './network.js'

export const API_PORT = 6443
export const SERVICE_CIDR = '10.96.0.0/16'
const CONTROL_PLANE_TOLERATION = {
  key: 'node-role.kubernetes.io/control-plane',
  operator: 'Exists',
  effect: 'NoSchedule',
}

/** The chart values the lab sets on top of Liqo's defaults (see the header). */
export function labValues(): Record<string, unknown> {
  return {
    networking: {enabled: false},
    proxy: {enabled: false},
    metricAgent: {enabled: false},
    common: {nodeSelector: {[CONTROL_PLANE_TOLERATION.key]: ''}, tolerations: [CONTROL_PLANE_TOLERATION]},
    virtualKubelet: {extra: {tolerations: [CONTROL_PLANE_TOLERATION]}},
  }
}

/** The real-Liqo lab's artifacts for a line, or an error saying how to get them. */
export function liqoArtifacts(line: LiqoV1Line = DEFAULT_LIQO_V1_LINE): LiqoArtifacts {
  const {found, missing} = lookupLiqo(process.env, line)
  if (!found)
    throw new Error(
      `the real-Liqo lab's build of Liqo ${line} is missing ${missing.join(', ')} ` +
        `(run: npm run lab:build:liqo -- ${line})`,
    )
  return found
}

function networkStep(ctx: LabContext): LabNet {
  checkNetworkPrerequisites()
  const net = netFor(pickOctet())
  ctx.progress(`creating the lab network (bridge ${net.bridge}, 10.${net.octet}.0.0/16)`)
  createNetwork(net, LAB_CLUSTERS.length)
  ctx.state.network = {octet: net.octet, bridge: net.bridge}
  ctx.save()
  ctx.onStop(() => void destroyNetwork(net))
  return net
}

async function controlPlaneStep(ctx: LabContext, net: LabNet): Promise<StartedControlPlane> {
  const bins = controlPlaneBinaries()
  ctx.state.binDir = join(bins['kube-apiserver'], '..')
  ctx.state.kubernetesVersion = pinnedVersions().kubernetes
  ctx.progress('creating certificates')
  const pki = createPki(
    ctx.paths.pki,
    LAB_CLUSTERS.map((_, i) => clusterApiIp(net, i + 1)),
  )
  const plans: ClusterPlan[] = LAB_CLUSTERS.map(({name, role}, i) => ({
    name,
    role,
    host: clusterApiIp(net, i + 1),
    port: API_PORT,
    scheduler: true,
  }))
  const cp = await startControlPlane({dir: ctx.dir, bins, pki, clusters: plans, onProgress: (m) => ctx.progress(m)})
  ctx.onStop(() => cp.stop())
  writeFileSync(ctx.paths.kubeconfig, userKubeconfig(cp.clusters, readPem(pki.caCert)), {mode: 0o600})
  ctx.state.etcdPort = cp.etcdPort
  ctx.state.clusters = LAB_CLUSTERS.map((spec) => {
    const rc = cp.clusters.find((c) => c.name === spec.name)!
    return {
      name: spec.name,
      id: spec.name,
      role: spec.role,
      labels: spec.labels,
      server: rc.server,
      tokens: rc.tokens,
      nodeName: `${spec.name}-control-plane`,
    }
  })
  ctx.save()
  return cp
}

async function kubeletsStep(
  ctx: LabContext,
  net: LabNet,
  cp: {clusters: RunningCluster[]},
  art: LiqoArtifacts,
  changed: () => void,
): Promise<HostKubelet[]> {
  ctx.progress("starting the host kubelets (they run Liqo's pods)")
  const kubelets = await Promise.all(
    cp.clusters.map(async (rc, i) => {
      const c = i + 1
      const base = ipToNumber(clusterPodCidr(net, c).split('/')[0]!)
      const k = new HostKubelet({
        client: await connectKubeconfig(rc.kubeconfigFor('lab-kubelet')),
        cluster: rc.name,
        nodeName: `${rc.name}-control-plane`,
        nodeIp: clusterApiIp(net, c),
        net,
        api: {host: clusterApiIp(net, c), port: API_PORT},
        binaries: art.bins,
        imageRule: {registry: 'ghcr.io/liqotech/', tag: art.version},
        // The virtual kubelets run on the home cluster's node: tainted only where they tolerate it.
        tainted: LIQO_LINE_SPECS[art.line].virtualKubeletTolerations || LAB_CLUSTERS[i]!.role !== 'home',
        // The first /21 of the cluster's pod CIDR (kwok's pods take the second).
        ipRange: [base + 2, base + 8 * 256 - 2],
        dir: join(ctx.paths.run, 'pods', rc.name),
        logs: join(ctx.paths.logs, 'pods'),
        log: ctx.log,
        changed,
      })
      await k.start()
      ctx.onStop(() => k.stop())
      return k
    }),
  )
  return kubelets
}

async function installStep(ctx: LabContext, net: LabNet, art: LiqoArtifacts): Promise<void> {
  const valuesFile = join(ctx.paths.run, 'liqo-values.yaml')
  writeFileSync(valuesFile, JSON.stringify(labValues(), null, 2))
  ctx.progress(`installing Liqo ${art.version} on the three clusters (liqoctl install, networking disabled)`)
  const tool = {
    bin: art.bins.get('liqoctl')!,
    kubeconfig: ctx.paths.kubeconfig,
    log: join(ctx.paths.logs, 'liqoctl.log'),
  }
  await Promise.all(
    LAB_CLUSTERS.map((spec, i) =>
      liqoctl(
        {...tool, log: join(ctx.paths.logs, `liqoctl-install-${spec.name}.log`)},
        installArgs({
          context: spec.name,
          clusterId: spec.name,
          chart: art.chart,
          version: art.version,
          podCidr: clusterPodCidr(net, i + 1),
          serviceCidr: SERVICE_CIDR,
          labels: spec.labels,
          valuesFile,
        }),
      ).then(() => ctx.progress(`Liqo ${art.version} installed on ${spec.name}`)),
    ),
  )
}

export async function startLiqoLab(ctx: LabContext): Promise<LabRuntime> {
  const line = isLiqoV1Line(ctx.options.liqo) ? ctx.options.liqo : DEFAULT_LIQO_V1_LINE
  const art = liqoArtifacts(line)
  ctx.state.liqoVersion = art.version
  const net = networkStep(ctx)
  const cp = await controlPlaneStep(ctx, net)
  const clients = await Promise.all(cp.clusters.map((rc) => connectKubeconfig(ctx.paths.kubeconfig, rc.name)))
  ctx.onStop(() => clients.forEach((c) => c.close()))
  await Promise.all(clients.map((c) => installReadonlyRole(c)))

  let kubelets: HostKubelet[] = []
  const components = (): ComponentInfo[] => [
    ...cp.infos.map((i) => ({...i, running: cp.processes.some((p) => p.pid === i.pid && p.exitCode === undefined)})),
    ...kubelets.flatMap((k) => k.components()),
  ]
  let saving: NodeJS.Timeout | undefined
  const changed = () => {
    saving ??= setTimeout(() => {
      saving = undefined
      ctx.state.processes = components().map(({running: _running, ...info}) => info)
      ctx.save()
    }, 200)
  }
  kubelets = await kubeletsStep(ctx, net, cp, art, changed)
  for (const [i, rc] of cp.clusters.entries()) {
    if (LAB_CLUSTERS[i]!.role !== 'remote') continue
    await startKwok({
      set: cp.set,
      cluster: rc.name,
      client: clients[i]!,
      kubeconfig: rc.kubeconfigFor('kwok'),
      bin: art.kwok,
      stages: art.stages,
      cidr: clusterKwokCidr(net, i + 1),
      nodes: [`${rc.name}-worker`],
      logs: ctx.paths.logs,
      onProgress: (m) => ctx.progress(m),
    })
  }
  changed()
  await installStep(ctx, net, art)
  await peerStep(ctx, art)
  if (ctx.options.tutorial)
    await setupTutorialV1(ctx.paths.kubeconfig, art.bins.get('liqoctl')!, ctx.paths.logs, (m) => ctx.progress(m))

  const kubeletOf = (name: string) => kubelets.find((k) => k.has(name))
  return {
    components,
    stopComponent: async (name) => {
      const k = kubeletOf(name)
      await (k ? k.stopComponent(name) : cp.stopComponent(name))
      changed()
    },
    startComponent: async (name) => {
      const k = kubeletOf(name)
      await (k ? k.startComponent(name) : cp.startComponent(name))
      changed()
    },
    requests: {
      tutorial: async () => {
        await setupTutorialV1(ctx.paths.kubeconfig, art.bins.get('liqoctl')!, ctx.paths.logs, (m) => ctx.log(m))
        return {tutorial: true}
      },
    },
  }
}
