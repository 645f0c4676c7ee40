/**
 * The records of a pod's containers on the lab's host kubelet (ContainerRun): made from the pod
 * spec, their restart and probe timers, their back-off and `lab stop` states, and what `lab` lists
 * of them (PodProcess). The runner (./pod-runner.ts) drives them.
 */
import type {Json} from 'liqo-topology/k8s/client'
import type {ContainerRun} from './container.js'
import {backoffMs, readProbe} from './pod-spec.js'

/** A container that ran this long without failing starts its back-off from the beginning again. */
const BACKOFF_RESET_MS = 60_000

export interface PodProcess {
  pod: string
  namespace: string
  container: string
  pid: number
  port: number
  log: string
  binary: string
  running: boolean
}

/** The pod's init containers then its containers, each waiting to start; `logName` says where each logs. */
export function containerRuns(raw: Json, logName: (c: Json) => string): ContainerRun[] {
  const make = (c: Json, init: boolean): ContainerRun => ({
    spec: c,
    init,
    log: logName(c),
    state: {waiting: {reason: init ? 'PodInitializing' : 'ContainerCreating'}},
    lastState: {},
    ready: false,
    started: false,
    restartCount: 0,
    failures: 0,
    held: false,
    timers: [],
    ...(init
      ? {}
      : {
          startup: readProbe(c, c.startupProbe, 'startup'),
          readiness: readProbe(c, c.readinessProbe, 'readiness'),
          liveness: readProbe(c, c.livenessProbe, 'liveness'),
        }),
  })
  return [
    ...((raw.spec?.initContainers ?? []) as Json[]).map((c) => make(c, true)),
    ...((raw.spec?.containers ?? []) as Json[]).map((c) => make(c, false)),
  ]
}

/** The Deployment (or other owner) of a pod, for component names; the pod's own name without one. */
export function ownerAppName(raw: Json): string {
  const owner = ((raw.metadata?.ownerReferences ?? []) as Json[]).find((o) => o.controller)
  const hash = raw.metadata?.labels?.['pod-template-hash']
  if (owner?.kind === 'ReplicaSet' && hash && String(owner.name).endsWith(`-${hash}`))
    return String(owner.name).slice(0, -hash.length - 1)
  return owner ? String(owner.name) : String(raw.metadata?.name)
}

/** The containers that run (or are held by `lab stop`), as `lab` lists them. */
export function podProcesses(namespace: string, pod: string, containers: ContainerRun[]): PodProcess[] {
  return containers
    .filter((c) => c.proc || c.held)
    .map((c) => ({
      pod,
      namespace,
      container: String(c.spec.name),
      pid: c.proc?.pid ?? 0,
      port: c.readiness?.port ?? Number(c.spec.ports?.[0]?.containerPort ?? 0),
      log: c.log,
      binary: c.binary ?? '',
      running: !!c.proc && c.proc.exitCode === undefined,
    }))
}

/** Runs `fn` after `ms` on one of the container's timers (cleared when it exits or the pod stops). */
export function later(c: ContainerRun, fn: () => void, ms: number): void {
  const t = setTimeout(() => {
    c.timers = c.timers.filter((x) => x !== t)
    fn()
  }, ms)
  t.unref()
  c.timers.push(t)
}

export function clearTimers(c: ContainerRun): void {
  c.timers.splice(0).forEach((t) => clearTimeout(t))
}

/** A main container that exited and will restart: its back-off (afresh after a long run) in its state; returns it. */
export function enterBackOff(c: ContainerRun, ended: Json, startedMs: number, podRef: string): number {
  if (Date.now() - startedMs > BACKOFF_RESET_MS) c.failures = 0
  const wait = backoffMs(++c.failures)
  c.lastState = ended
  c.state = {
    waiting: {
      reason: 'CrashLoopBackOff',
      message: `back-off ${Math.round(wait / 1000)}s restarting failed container=${c.spec.name} pod=${podRef}`,
    },
  }
  return wait
}

/** The state of a container that `lab stop` holds. */
export function heldState(cluster: string, app: string): Json {
  return {waiting: {reason: 'LabStopped', message: `stopped with "liqo-topology lab stop ${cluster}/${app}"`}}
}
