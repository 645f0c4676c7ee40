/** Renderers for `lab status` and the summary `lab up` prints. */
import type {StatusReport} from '../src/lab.js'
import type {LabState} from '../src/state.js'
import {renderTable} from 'liqo-topology/command'

export function renderLabStatus(r: StatusReport): string {
  if (!r.state) return ''
  const s = r.state
  const clusters = renderTable(
    ['cluster', 'role', 'cluster-id', 'server', 'labels'],
    s.clusters.map((c) => [
      c.name,
      c.role,
      c.id,
      c.server,
      Object.entries(c.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]),
  )
  const components = renderTable(
    ['component', 'pid', 'port', 'state'],
    [
      [
        s.mode === 'liqo' ? 'supervisor' : 'supervisor (Liqo emulator)',
        s.supervisorPid,
        s.webhookPort || '-',
        r.supervisorRunning ? 'running' : 'stopped',
      ],
      ...r.components.map((c) => [c.name, c.pid, c.port, c.running ? 'running' : 'stopped']),
    ],
  )
  return `${modeLine(s)}\n\n${clusters}\n${components}`
}

/** What the lab runs: the v0.3 emulator, or Liqo's own controllers at a version. */
export function modeLine(s: LabState): string {
  return s.mode === 'liqo'
    ? `mode: Liqo ${s.liqoVersion ?? ''} (Liqo's own controllers, networking disabled), ` +
        `Kubernetes ${s.kubernetesVersion}`
    : `mode: Liqo v0.3 emulator, Kubernetes ${s.kubernetesVersion}`
}

export function labStatusDocument(r: StatusReport): Record<string, unknown> {
  const s = r.state
  return {
    dir: r.dir,
    status: s ? (r.supervisorRunning ? s.status : 'stopped') : 'absent',
    mode: s ? (s.mode ?? 'emulator') : null,
    liqoVersion: s?.liqoVersion ?? (s ? 'v0.3 (emulated)' : null),
    kubeconfig: s?.kubeconfig ?? null,
    kubernetesVersion: s?.kubernetesVersion ?? null,
    clusters: (s?.clusters ?? []).map((c) => ({
      name: c.name,
      role: c.role,
      clusterID: c.id,
      server: c.server,
      labels: c.labels,
    })),
    components: [
      ...(s ? [{name: 'supervisor', pid: s.supervisorPid, running: r.supervisorRunning}] : []),
      ...r.components.map((c) => ({
        name: c.name,
        pid: c.pid,
        port: c.port,
        running: c.running,
        ...(c.pod ? {pod: c.pod} : {}),
      })),
    ],
  }
}

export function renderLabReady(s: LabState, tookMs: number): string {
  const lines = [
    `Lab ready in ${(tookMs / 1000).toFixed(1)}s: ` +
      `Kubernetes ${s.kubernetesVersion}, ` +
      `${s.mode === 'liqo' ? `Liqo ${s.liqoVersion} (its own controllers)` : 'Liqo v0.3 emulated'}; contexts ` +
      `cluster-1 (home), cluster-2, cluster-3, cluster-1-readonly.`,
    `Kubeconfig: ${s.kubeconfig}`,
    ...(s.options.tutorial
      ? [
          `Tutorial state: namespace liqo-test offloaded ` +
            `(Remote${s.mode === 'liqo' ? ', liqoctl offload namespace' : ', EnforceSameName'}), ` +
            `nginx-deployment running on cluster-2 and cluster-3.`,
        ]
      : []),
    'Use it with:  eval "$(liqo-topology lab env)"',
  ]
  return `${lines.join('\n')}\n`
}
