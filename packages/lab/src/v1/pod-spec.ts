/**
 * Pure reading of a Pod spec for the real-Liqo lab's host kubelet: which cached binary an image
 * stands for, a container's environment (with Kubernetes' `$(VAR)` expansion), its command line
 * and its probes (where its volumes go: ./pod-mounts.ts). No I/O here: the runner (./pod-runner.ts) does that.
 */
import type {Json} from 'liqo-topology/k8s/client'

export interface ImageRule {
  /** Image repository prefix the lab can run, e.g. `ghcr.io/liqotech/`. */
  registry: string
  /** The only tag it can run, e.g. `v1.2.0`. */
  tag: string
  /** Binary names present in the cache. */
  binaries: string[]
}

export type Resolved<T> = {ok: true; value: T} | {ok: false; reason: string; message: string}

/**
 * The host binary for a container: the basename of its command (Liqo's images put the binary at
 * /usr/bin/<name>), or the image's last path element when the container has no command.
 */
export function binaryFor(container: Json, rule: ImageRule): Resolved<string> {
  const image = String(container.image ?? '')
  const at = image.lastIndexOf(':')
  const repo = at > image.lastIndexOf('/') ? image.slice(0, at) : image
  const tag = at > image.lastIndexOf('/') ? image.slice(at + 1) : 'latest'
  if (!repo.startsWith(rule.registry) || tag !== rule.tag) {
    return {
      ok: false,
      reason: 'ErrImagePull',
      message:
        `the lab's host kubelet runs only Liqo's own ${rule.tag} images (${rule.registry}*:${rule.tag}), built ` +
        `from the Go module proxy; ${image} is not one`,
    }
  }
  const cmd0 = Array.isArray(container.command) && container.command.length ? String(container.command[0]) : ''
  const name = cmd0 ? cmd0.slice(cmd0.lastIndexOf('/') + 1) : repo.slice(repo.lastIndexOf('/') + 1)
  if (!rule.binaries.includes(name)) {
    return {
      ok: false,
      reason: 'ErrImagePull',
      message: `${image}: the lab has no build of ${name} (it has ${rule.binaries.join(', ')})`,
    }
  }
  return {ok: true, value: name}
}

/** Kubernetes' `$(VAR)` expansion: `$$` escapes, unknown references stay as written. */
export function expand(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => {
    if (m === '$$') return '$'
    return vars.has(name!) ? vars.get(name!)! : m
  })
}

export interface PodFacts {
  podIp: string
  hostIp: string
  nodeName: string
  /** Node capacity, for resourceFieldRef without limits. */
  capacity: {cpu: string; memory: string}
}

/** Reads a downward-API field path of a pod (`metadata.labels['x']` included). */
export function fieldValue(pod: Json, path: string, facts: PodFacts): string | undefined {
  const md = pod.metadata ?? {}
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path)
  if (sub) return (md[sub[1]!] ?? {})[sub[2]!]
  switch (path) {
    case 'metadata.name':
      return md.name
    case 'metadata.namespace':
      return md.namespace
    case 'metadata.uid':
      return md.uid
    case 'spec.nodeName':
      return facts.nodeName
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default'
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIp
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIp
    default:
      return undefined
  }
}

const MEMORY_UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
}
function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(q)
  return m ? Number(m[1]) * (MEMORY_UNITS[m[2]!] ?? 1) : 0
}

/** A resourceFieldRef's value (limits, else the node's capacity), with its divisor. */
export function resourceValue(container: Json, ref: Json, facts: PodFacts): string {
  const [kind, res] = String(ref.resource ?? '').split('.') as [string, string]
  const given = container.resources?.[kind]?.[res]
  if (res === 'cpu') {
    const cores = given
      ? String(given).endsWith('m')
        ? Number(String(given).slice(0, -1)) / 1000
        : Number(given)
      : Number(facts.capacity.cpu)
    const divisor = ref.divisor === '1m' ? 0.001 : 1
    return String(Math.ceil(cores / divisor))
  }
  return String(
    Math.ceil(bytes(String(given ?? facts.capacity.memory)) / (ref.divisor ? bytes(String(ref.divisor)) || 1 : 1)),
  )
}

/** Looks up a key of a ConfigMap or Secret (Secrets' data is base64). */
export type KeyLookup = (kind: 'configMap' | 'secret', name: string) => Record<string, string> | undefined

/**
 * A container's environment, in Kubernetes' order: envFrom, then env (each value expanded with
 * what came before). `service` holds the variables the kubelet adds for the API server.
 */
export function containerEnv(
  pod: Json,
  container: Json,
  facts: PodFacts,
  lookup: KeyLookup,
  service: Record<string, string>,
): Resolved<Map<string, string>> {
  const vars = new Map<string, string>(Object.entries(service))
  for (const from of (container.envFrom ?? []) as Json[]) {
    const kind = from.configMapRef ? 'configMap' : 'secret'
    const ref = from.configMapRef ?? from.secretRef
    const data = lookup(kind, ref.name)
    if (!data) {
      if (ref.optional) continue
      return {ok: false, reason: 'CreateContainerConfigError', message: `${kind} "${ref.name}" not found`}
    }
    for (const [k, v] of Object.entries(data)) vars.set(`${from.prefix ?? ''}${k}`, v)
  }
  for (const e of (container.env ?? []) as Json[]) {
    if (e.valueFrom === undefined) {
      vars.set(e.name, expand(String(e.value ?? ''), vars))
      continue
    }
    const vf = e.valueFrom
    if (vf.fieldRef) {
      vars.set(e.name, fieldValue(pod, vf.fieldRef.fieldPath, facts) ?? '')
    } else if (vf.resourceFieldRef) {
      vars.set(e.name, resourceValue(container, vf.resourceFieldRef, facts))
    } else {
      const kind = vf.configMapKeyRef ? 'configMap' : 'secret'
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef
      const value = lookup(kind, ref.name)?.[ref.key]
      if (value === undefined) {
        if (ref.optional) continue
        return {
          ok: false,
          reason: 'CreateContainerConfigError',
          message:
            `couldn't find key ${ref.key} ` +
            `in ${kind === 'configMap' ? 'ConfigMap' : 'Secret'} ${pod.metadata?.namespace}/${ref.name}`,
        }
      }
      vars.set(e.name, value)
    }
  }
  return {ok: true, value: vars}
}

/** The argv after the binary: the image's entrypoint args replaced by command[1..] and args. */
export function containerArgv(container: Json, vars: Map<string, string>): string[] {
  const cmd = Array.isArray(container.command) ? (container.command as string[]).slice(1) : []
  const args = Array.isArray(container.args) ? (container.args as string[]) : []
  return [...cmd, ...args].map((a) => expand(String(a), vars))
}

export interface Probe {
  kind: 'http' | 'tcp' | 'exec'
  scheme: 'HTTP' | 'HTTPS'
  port: number
  path: string
  command: string[]
  initialDelayMs: number
  periodMs: number
  /** The period until the probe first passes (see readProbe). */
  firstPeriodMs: number
  timeoutMs: number
  failureThreshold: number
  successThreshold: number
}

/** A container port by number or name. */
export function resolvePort(container: Json, port: unknown): number {
  if (typeof port === 'number') return port
  const named = ((container.ports ?? []) as Json[]).find((p) => p.name === port)
  return named ? Number(named.containerPort) : Number(port)
}

/**
 * A probe as the runner runs it, with the kubelet's defaults (period 10 s, timeout 1 s, failure
 * threshold 3, success threshold 1). `firstPeriodMs`: how often a readiness probe runs until it
 * first passes; the kubelet triggers extra readiness runs while a started container is not yet
 * Ready, so a pod is seen Ready soon after it is; once Ready, the spec's period holds.
 */
export function readProbe(
  container: Json,
  spec: Json | undefined,
  kind: 'readiness' | 'liveness' | 'startup',
): Probe | undefined {
  if (!spec) return undefined
  const period = Number(spec.periodSeconds ?? 10) * 1000
  const base = {
    initialDelayMs: Number(spec.initialDelaySeconds ?? 0) * 1000,
    periodMs: period,
    firstPeriodMs: kind === 'readiness' ? Math.min(period, 2000) : period,
    timeoutMs: Number(spec.timeoutSeconds ?? 1) * 1000,
    failureThreshold: Number(spec.failureThreshold ?? 3),
    successThreshold: kind === 'readiness' ? Number(spec.successThreshold ?? 1) : 1,
  }
  if (spec.httpGet) {
    return {
      ...base,
      kind: 'http',
      scheme: spec.httpGet.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP',
      port: resolvePort(container, spec.httpGet.port),
      path: String(spec.httpGet.path ?? '/'),
      command: [],
    }
  }
  if (spec.tcpSocket)
    return {
      ...base,
      kind: 'tcp',
      scheme: 'HTTP',
      port: resolvePort(container, spec.tcpSocket.port),
      path: '',
      command: [],
    }
  if (spec.exec)
    return {...base, kind: 'exec', scheme: 'HTTP', port: 0, path: '', command: (spec.exec.command ?? []) as string[]}
  return undefined
}

/** Restart back-off as the kubelet does it: 10 s doubling to 5 min; the lab starts at 1 s. */
export function backoffMs(restarts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, restarts - 1), 60_000)
}

/** The variables the kubelet gives every container for the API server (the `kubernetes` Service). */
export function kubernetesServiceEnv(host: string, port: number): Record<string, string> {
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: `tcp://${host}:${port}`,
    KUBERNETES_PORT_443_TCP: `tcp://${host}:${port}`,
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: String(port),
    KUBERNETES_PORT_443_TCP_ADDR: host,
  }
}

/**
 * The identity a container runs with, as util-linux `setpriv` arguments (empty: stay root):
 * runAsUser/runAsGroup (container over pod), fsGroup and supplementalGroups as supplementary
 * groups, no_new_privs when allowPrivilegeEscalation is false. The parent-death signal is set
 * again after the identity change (the kernel clears it when credentials change), so the process
 * still dies with the lab.
 */
export function identityArgs(pod: Json, container: Json): string[] {
  const psc = pod.spec?.securityContext ?? {}
  const csc = container.securityContext ?? {}
  const uid = csc.runAsUser ?? psc.runAsUser
  const gid = csc.runAsGroup ?? psc.runAsGroup ?? uid
  if (uid === undefined || uid === 0) return []
  const groups = [
    ...new Set(
      [psc.fsGroup, ...((psc.supplementalGroups ?? []) as number[])].filter((g): g is number => typeof g === 'number'),
    ),
  ]
  return [
    'setpriv',
    `--reuid=${uid}`,
    `--regid=${gid}`,
    ...(groups.length ? [`--groups=${groups.join(',')}`] : ['--clear-groups']),
    ...(csc.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []),
    '--',
    'setpriv',
    '--pdeathsig',
    'SIGKILL',
    '--',
  ]
}
