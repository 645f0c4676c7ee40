/**
 * The real-Liqo lab drives Liqo the way its users do: with Liqo's own `liqoctl` (built from the Go
 * module proxy at the lab's Liqo version). Install renders and applies Liqo's Helm chart from the
 * module (the Helm library inside liqoctl, `--local-chart-path`), peer and offload create the
 * peering and offloading objects, info reports. Output goes to a log; errors carry its last lines.
 */
import {spawn} from 'node:child_process'
import {createWriteStream} from 'node:fs'

export interface LiqoctlOptions {
  bin: string
  kubeconfig: string
  log: string
  timeoutMs?: number
  signal?: AbortSignal
}

export class LiqoctlError extends Error {}

/** Runs liqoctl; resolves with its stdout. Output of every run is appended to the log. */
export function liqoctl(o: LiqoctlOptions, args: string[]): Promise<string> {
  const out = createWriteStream(o.log, {flags: 'a'})
  out.write(`\n$ liqoctl ${args.join(' ')}\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin, [...args, '--kubeconfig', o.kubeconfig], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, KUBECONFIG: o.kubeconfig, NO_COLOR: '1', TERM: 'dumb'},
      ...(o.signal ? {signal: o.signal} : {}),
    })
    let stdout = ''
    let tail = ''
    const keep = (d: Buffer) => {
      const s = d.toString()
      out.write(s)
      tail = (tail + s).slice(-4000)
      return s
    }
    child.stdout.on('data', (d: Buffer) => (stdout += keep(d)))
    child.stderr.on('data', (d: Buffer) => keep(d))
    const timer = setTimeout(() => child.kill('SIGTERM'), o.timeoutMs ?? 600_000)
    child.on('error', (e) => {
      clearTimeout(timer)
      out.end()
      reject(new LiqoctlError(`liqoctl ${args[0]}: ${e.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      out.end()
      if (code === 0) resolve(stdout)
      else {
        const last = tail
          .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
          .trim()
          .split('\n')
          .slice(-6)
          .join('\n')
        reject(
          new LiqoctlError(
            `liqoctl ${args.slice(0, 2).join(' ')} failed (${signal ?? `exit ${code}`}); see ${o.log}:\n${last}`,
          ),
        )
      }
    })
  })
}

export interface InstallPlan {
  context: string
  clusterId: string
  chart: string
  version: string
  podCidr: string
  serviceCidr: string
  labels: Record<string, string>
  /** The lab's chart values (./liqo-lab.ts labValues). */
  valuesFile: string
}

/** `liqoctl install` with Liqo's chart from the module and networking disabled. */
export function installArgs(p: InstallPlan): string[] {
  return [
    'install',
    '--context',
    p.context,
    '--local-chart-path',
    p.chart,
    '--version',
    p.version,
    '--cluster-id',
    p.clusterId,
    '--cluster-labels',
    Object.entries(p.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    '--pod-cidr',
    p.podCidr,
    '--service-cidr',
    p.serviceCidr,
    '--disable-telemetry',
    '--disable-kernel-version-check',
    '--values',
    p.valuesFile,
    '--timeout',
    '10m',
  ]
}

/** `liqoctl peer` from the consumer (context) to a provider (remote context), without networking. */
export function peerArgs(kubeconfig: string, consumer: string, provider: string): string[] {
  return [
    'peer',
    '--context',
    consumer,
    '--remote-kubeconfig',
    kubeconfig,
    '--remote-context',
    provider,
    '--networking-disabled',
    '--timeout',
    '5m',
  ]
}

/** `liqoctl offload namespace` as the v1 tutorial does it. */
export function offloadArgs(context: string, namespace: string): string[] {
  return [
    'offload',
    'namespace',
    namespace,
    '--context',
    context,
    '--pod-offloading-strategy',
    'Remote',
    '--timeout',
    '2m',
  ]
}
