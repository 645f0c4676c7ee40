/**
 * Resource amounts as the scheduler's NodeResourcesFit counts them: Kubernetes quantities parsed
 * to numbers, what a pod asks for, and what a node still has room for (allocatable minus the
 * requests of the pods bound to it that have not finished). Pure.
 */
import type {Pod, ResourceAmounts} from './types.js'

const BINARY: Record<string, number> = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60}
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
}

/** A Kubernetes quantity ("100m", "1.5Gi", "2e3") as a number of base units; NaN when it is not one. */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return NaN
  if (typeof q === 'number') return q
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim())
  if (!m) return NaN
  const n = Number(m[1])
  if (m[2]) return n * 10 ** Number(m[2].slice(1))
  const suffix = m[3] ?? ''
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? NaN)
}

/** CPU in millicores, rounded up as the scheduler does (MilliValue). */
export function cpuMilli(q: string | number | undefined): number {
  const v = parseQuantity(q)
  return Number.isFinite(v) ? Math.ceil(Math.round(v * 1e9) / 1e6) : 0
}

export function bytes(q: string | number | undefined): number {
  const v = parseQuantity(q)
  return Number.isFinite(v) ? Math.ceil(v) : 0
}

export const NO_RESOURCES: ResourceAmounts = {cpuMilli: 0, memoryBytes: 0, pods: 0}

export function addAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return {cpuMilli: a.cpuMilli + b.cpuMilli, memoryBytes: a.memoryBytes + b.memoryBytes, pods: a.pods + b.pods}
}

/** What a pod counts for on its node: its requests and one pod. */
export function podUsage(p: Pick<Pod, 'scheduling'>): ResourceAmounts {
  const r = p.scheduling.requests ?? NO_RESOURCES
  return {cpuMilli: r.cpuMilli, memoryBytes: r.memoryBytes, pods: 1}
}

/** allocatable minus what the pods bound to the node use (callers pass the pods that have not finished). */
export function room(allocatable: ResourceAmounts, pods: Array<Pick<Pod, 'scheduling'>>): ResourceAmounts {
  const used = pods.map(podUsage).reduce(addAmounts, NO_RESOURCES)
  return {
    cpuMilli: allocatable.cpuMilli - used.cpuMilli,
    memoryBytes: allocatable.memoryBytes - used.memoryBytes,
    pods: allocatable.pods - used.pods,
  }
}

/**
 * NodeResourcesFit's failures for a pod asking `want` on a node with `free` left, in the
 * scheduler's words and order: "Too many pods" first, then each resource the pod asks for and
 * does not get. Empty when it fits.
 */
export function insufficient(want: ResourceAmounts, free: ResourceAmounts): string[] {
  const out: string[] = []
  if (free.pods < 1) out.push('Too many pods')
  if (want.cpuMilli > 0 && want.cpuMilli > free.cpuMilli) out.push('Insufficient cpu')
  if (want.memoryBytes > 0 && want.memoryBytes > free.memoryBytes) out.push('Insufficient memory')
  return out
}

/** "1.5" CPUs or "250m", as kubectl prints quantities. */
export function formatCpu(milli: number): string {
  if (milli % 1000 === 0) return String(milli / 1000)
  return `${milli}m`
}

/** Memory with the largest binary unit that keeps one decimal, e.g. "31.5Gi", "512Mi". */
export function formatMemory(n: number): string {
  const units: Array<[string, number]> = [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ]
  const sign = n < 0 ? '-' : ''
  const a = Math.abs(n)
  for (const [u, f] of units) if (a >= f) return `${sign}${Number((a / f).toFixed(1))}${u}`
  return String(n)
}

export function formatAmounts(r: ResourceAmounts): string {
  return `cpu ${formatCpu(r.cpuMilli)}, memory ${formatMemory(r.memoryBytes)}, pods ${r.pods}`
}
