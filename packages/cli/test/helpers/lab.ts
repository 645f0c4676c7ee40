/** Helpers for integration tests: run the CLI as a user would, kubectl, and direct API access. */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {expect, inject} from 'vitest'

import {KubeClient, type Json} from '../../src/k8s/client.js'
import {loadKubeconfig, resolveTarget} from '../../src/k8s/kubeconfig.js'
import {toPod} from '../../src/k8s/map.js'
import type {Node, Pod} from '../../src/model/types.js'
import {toNode} from '../../src/liqo/nodes.js'
import {sleep} from '../../src/toolkit/clock.js'
import {readState, type LabState} from '@liqo-topology/lab/state'
import {ensurePeerings, namespaceOffloadingBody, nginxDeploymentBody, untilWatched} from '@liqo-topology/lab/tutorial'
import {
  LABEL_NODE_TYPE,
  NAMESPACE_OFFLOADING,
  NAMESPACE_OFFLOADING_V1,
  VIRTUAL_NODE_TYPE,
} from '../../src/liqo/constants.js'

/** The CLI's package (packages/cli), and the workspace's node_modules, where npm puts its dependencies. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const NODE_MODULES = fileURLToPath(new URL('../../../../node_modules', import.meta.url))
const DEV = join(ROOT, 'bin', 'dev.js')
/**
 * What the tests run: the sources (bin/dev.js), or, with LIQO_TOPOLOGY_TEST_ENTRY=published, the
 * published launcher (dist/bundle/liqo-topology, packages/launcher: Node started from the start-up
 * snapshot when one is built, else the bundle). ENTRY_MARK is the script the CLI process runs.
 */
const PUBLISHED = process.env.LIQO_TOPOLOGY_TEST_ENTRY === 'published'
export const ENTRY: string[] = PUBLISHED ? [join(ROOT, 'dist', 'bundle', 'liqo-topology')] : [process.execPath, DEV]
const ENTRY_MARK = PUBLISHED ? join(ROOT, 'dist', 'bundle', 'run.js') : DEV

export const lab = inject('lab')
export const labSkipReason = inject('labSkipReason')
/** Title suffix so a skipped suite says why in the report. */
export const skipNote = lab ? '' : ` [SKIPPED: ${labSkipReason}]`
/** Which Liqo the suite's lab runs: the v0.3 emulator, or Liqo's own controllers of v1.0, v1.1 or v1.2. */
export const labLiqo = inject('labLiqo')
/** The lab runs Liqo's own v1 controllers (any of v1.0, v1.1, v1.2). */
export const isV1 = labLiqo !== 'v0.3'

/** The NamespaceOffloading of `namespace`: its REST path and a tutorial-like body, in the lab's API version. */
export function namespaceOffloading(
  namespace: string,
  name = 'offloading',
): {collection: string; path: string; body: Json} {
  const v = isV1 ? NAMESPACE_OFFLOADING_V1 : NAMESPACE_OFFLOADING
  const collection = `/apis/${v.group}/${v.version}/namespaces/${namespace}/${v.plural}`
  const body = namespaceOffloadingBody(namespace)
  body.apiVersion = `${v.group}/${v.version}`
  body.metadata.name = name
  // Liqo v1 selects no cluster without a clusterSelector; liqoctl offload sends an empty one (all clusters).
  if (isV1) body.spec.clusterSelector = {nodeSelectorTerms: []}
  return {collection, path: `${collection}/${name}`, body}
}

/** One event of an API server's audit log: the fields the tests read. */
export interface AuditEvent {
  verb: string
  user: {username: string}
  impersonatedUser?: unknown
  objectRef?: {resource?: string; subresource?: string; namespace?: string; name?: string}
  responseStatus?: {code?: number}
  stageTimestamp: string
  stage: string
}

/** The home API server's (cluster-1's) audit events of stages that ended at or after `since` (ms since the epoch). */
export function auditEvents(since = 0): AuditEvent[] {
  return readFileSync(join(lab!.dir, 'logs', 'cluster-1-audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => Date.parse(e.stageTimestamp) >= since)
}

/** The logs of what drains a virtual node of cluster-1: the emulator, or Liqo's controller manager (one per pod). */
function drainerLogs(): string[] {
  const logs = join(lab!.dir, 'logs')
  if (!isV1) return [join(logs, 'emulator.log')]
  const pods = join(logs, 'pods')
  return existsSync(pods)
    ? readdirSync(pods)
        .filter((f) => /^cluster-1_liqo_liqo-controller-manager/.test(f))
        .map((f) => join(pods, f))
    : []
}

/**
 * From now on: whether the drainer (drainerLogs) has logged that a PodDisruptionBudget refused the
 * eviction of a pod (of `namespace`, where its log names it: the emulator's does, Liqo's does not).
 * Proof that a drain is held, rather than not started yet.
 */
export function evictionRefusal(namespace: string): () => Promise<boolean> {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '')
  const before = new Map(drainerLogs().map((f) => [f, read(f).length]))
  const refused = isV1 ? /violate the pod's disruption budget/ : new RegExp(`eviction of ${namespace}/\\S+ refused`)
  return async () => drainerLogs().some((f) => refused.test(read(f).slice(before.get(f) ?? 0)))
}

export function labState(): LabState {
  return readState(lab!.dir)!
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  /** Use this kubeconfig instead of the lab's (null: no KUBECONFIG at all). */
  kubeconfig?: string | null
  timeoutMs?: number
}

function cliEnv(o: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', ...o.env}
  delete env.KUBECONFIG
  if (o.kubeconfig !== null) env.KUBECONFIG = o.kubeconfig ?? lab!.kubeconfig
  delete env.NODE_OPTIONS
  delete env.VITEST
  delete env.NODE_ENV
  return env
}

/** Starts `liqo-topology <args>` (see ENTRY), stdin not a terminal. */
export function startCli(args: string[], o: RunOptions = {}): ChildProcess {
  return spawn(ENTRY[0]!, [...ENTRY.slice(1), ...args], {env: cliEnv(o), stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT})
}

export function collect(child: ChildProcess, o: RunOptions = {}): Promise<RunResult> {
  const started = Date.now()
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  if (o.input !== undefined) child.stdin!.end(o.input)
  else child.stdin!.end()
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 110_000)
    child.on('close', (code) => {
      clearTimeout(t)
      resolve({code, stdout, stderr, ms: Date.now() - started})
    })
  })
}

export function cli(args: string[], o: RunOptions = {}): Promise<RunResult> {
  return collect(startCli(args, o), o)
}

export interface TtyRun {
  child: ChildProcess
  /** What the terminal showed so far (stdout and stderr share it). */
  output(): string
  /** Sends `signal` to the CLI itself (not to `script`, which would only pass it on). */
  signal(signal: NodeJS.Signals): void
  /** Whether the CLI's terminal is in raw mode (no line editing): a prompt is reading keys. */
  readingKeys(): boolean
  done: Promise<RunResult>
}

/** Starts the CLI on a pseudo-terminal (util-linux `script`): a person at a terminal. */
export function startCliOnTty(args: string[], o: RunOptions = {}): TtyRun {
  const cmd = [...ENTRY, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  // A person at a terminal: no CI variable (the CLI never prompts under CI).
  const env: NodeJS.ProcessEnv = {...cliEnv(o), TERM: 'xterm'}
  delete env.CI
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT})
  const started = Date.now()
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  const done = new Promise<RunResult>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000)
    child.on('close', (code) => {
      clearTimeout(t)
      resolve({code, stdout, stderr: '', ms: Date.now() - started})
    })
  })
  /** The pid of the CLI itself under `script`, if it runs. */
  const cliPid = (): number | undefined => {
    const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], {encoding: 'utf8'}).stdout
    const rows = ps
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((r) => r.length >= 3)
    const under = new Set([child.pid])
    for (let grew = true; grew;) {
      grew = false
      for (const r of rows)
        if (under.has(Number(r[1])) && !under.has(Number(r[0]))) {
          under.add(Number(r[0]))
          grew = true
        }
    }
    // The launcher hands Node the script's path as it found it (e.g. <root>/bin/../dist/bundle/run.js).
    const isCli = (args: string[]) => args.some((a) => a.endsWith('.js') && resolve(a) === ENTRY_MARK)
    const pid = rows.find((r) => under.has(Number(r[0])) && Number(r[0]) !== child.pid && isCli(r.slice(2)))?.[0]
    return pid ? Number(pid) : undefined
  }
  const signal = (sig: NodeJS.Signals) => {
    const pid = cliPid()
    if (!pid) throw new Error('the CLI process under script was not found')
    process.kill(pid, sig)
  }
  const readingKeys = () => {
    const pid = cliPid()
    if (!pid) return false
    let tty: string
    try {
      tty = readlinkSync(`/proc/${pid}/fd/0`)
    } catch {
      return false // exited meanwhile
    }
    // `script` leaves the pseudo-terminal in line mode (its own stdin is a pipe): raw mode is the CLI's.
    const settings = spawnSync('stty', ['-F', tty, '-a'], {encoding: 'utf8'}).stdout
    return /(^|\s)-icanon(\s|$)/.test(settings)
  }
  return {child, output: () => stdout, signal, readingKeys, done}
}

/**
 * Runs the CLI on a pseudo-terminal, typing `input` once the prompt is on screen and reading keys
 * (the terminal in raw mode: keys typed earlier would be taken as a line, or by no one).
 */
export function cliOnTty(args: string[], input: string, o: RunOptions = {}): Promise<RunResult> {
  const run = startCliOnTty(args, o)
  void (async () => {
    for (let i = 0; i < 200 && !(/\?|›/.test(run.output()) && run.readingKeys()); i++) await sleep(100)
    run.child.stdin!.write(input)
  })()
  return run.done
}

export function kubectl(args: string[], context = 'cluster-1'): Promise<RunResult> {
  const bin = join(labState().binDir, 'kubectl')
  const child = spawn(bin, ['--context', context, ...args], {
    env: {...process.env, KUBECONFIG: lab!.kubeconfig},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  return collect(child)
}

/**
 * Waits until a cluster is whole again after one of its components was stopped: every node of its
 * own Ready (a virtual node stands for another cluster, which may be down on purpose),
 * and every Service of Liqo's namespace (when there is one) with a ready endpoint. An API server
 * outage that outlives a node's heartbeat grace makes the node controller mark the node and its
 * pods not Ready, which takes their endpoints away, Liqo's webhook's included; the EndpointSlice
 * controller restores them only once its informers have caught up. A test that stopped something
 * leaves the lab as it found it: the next one would otherwise meet "no endpoints available for
 * service liqo-webhook".
 */
export async function clusterWhole(context: string): Promise<void> {
  const c = await admin(context)
  type Conds = Array<{type: string; status: string}>
  const ready = (conds: Conds = []) => conds.some((x) => x.type === 'Ready' && x.status === 'True')
  let missing = ''
  // Watched, not polled: one list and one watch of each, every change checked as it arrives.
  await untilWatched(
    c,
    ['/api/v1/nodes', '/api/v1/namespaces/liqo/services', '/apis/discovery.k8s.io/v1/namespaces/liqo/endpointslices'],
    `${context} whole again`,
    180_000,
    ([nodes, services, slices]) => {
      // Both labs' kubelets (the v1.2 lab's host kubelet, the v0.3 emulator's) post Ready again after
      // the node controller marked a node Unknown, as a real kubelet does.
      const own = nodes!.filter((n) => n.metadata?.labels?.[LABEL_NODE_TYPE] !== VIRTUAL_NODE_TYPE)
      const notReady = own.filter((n) => !ready(n.status?.conditions)).map((n) => `node ${n.metadata?.name}`)
      const served = (svc: string) =>
        slices!.some(
          (sl) =>
            sl.metadata?.labels?.['kubernetes.io/service-name'] === svc &&
            ((sl.endpoints ?? []) as Array<{conditions?: {ready?: boolean}}>).some((e) => e.conditions?.ready),
        )
      const unserved = services!
        .filter((svc) => svc.spec?.selector && !served(svc.metadata?.name))
        .map((svc) => `service liqo/${svc.metadata?.name}`)
      missing = [...notReady, ...unserved].join(', ')
      return !missing
    },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; still not ready: ${missing}`)
  })
}

const clients = new Map<string, KubeClient>()
export async function admin(context = 'cluster-1'): Promise<KubeClient> {
  let c = clients.get(context)
  if (!c) {
    // Its own User-Agent: the audit log tells the tests' requests apart from the CLI's (./lab-load.ts).
    c = await KubeClient.connect(resolveTarget(loadKubeconfig({kubeconfig: lab!.kubeconfig}), context), {
      userAgent: 'liqo-topology-tests',
    })
    clients.set(context, c)
  }
  return c
}

export function clusterId(name: string): string {
  return labState().clusters.find((c) => c.name === name)!.id
}

export function remoteIds(): string[] {
  return labState()
    .clusters.filter((c) => c.role === 'remote')
    .map((c) => c.id)
}

/** Every peering back to Established (tests that change peerings call this afterwards). */
export async function restorePeerings(): Promise<void> {
  await ensurePeerings(await admin(), remoteIds(), 90_000)
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 7)}`
}

/**
 * Until `check` gives a value: asked again every 200 ms. For conditions with nothing to watch (a
 * process's output, a file such as the audit log, a store in memory); what an API server holds is
 * watched instead (untilWatched, untilPlaced), and a process's end is awaited.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | false | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await check()
    if (r) return r
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
    await sleep(200)
  }
}

/**
 * Until the kube-controller-manager's disruption controller has seen the PodDisruptionBudget at
 * `path` and counts `expectedPods` pods under it. Under CI load, with Liqo v1.2 running too, that
 * took over 20 s once; the error shows the last status seen.
 */
async function pdbObserved(path: string, expectedPods: number): Promise<void> {
  const c = await admin()
  const slash = path.lastIndexOf('/')
  const [collection, name] = [path.slice(0, slash), path.slice(slash + 1)]
  let last: unknown
  try {
    // Watched, not polled: the status changes a few times, each seen as it is written.
    await untilWatched(
      c,
      [collection],
      `PodDisruptionBudget ${path} observed with ${expectedPods} pods`,
      90_000,
      ([pdbs]) => {
        const pdb = pdbs!.find((p) => p.metadata?.name === name)
        last = pdb?.status
        return (
          !!pdb &&
          (pdb.status?.observedGeneration ?? 0) >= (pdb.metadata.generation ?? 1) &&
          pdb.status?.expectedPods === expectedPods
        )
      },
    )
  } catch (e) {
    throw new Error(`${(e as Error).message} (last status: ${JSON.stringify(last)})`, {cause: e})
  }
}

/** A PodDisruptionBudget a test made: its path, and its removal (for a finally; fine if it is gone already). */
export interface Budget {
  path: string
  remove(): Promise<void>
}

/**
 * Creates PodDisruptionBudget `name` in `namespace` (minAvailable `minAvailable`, over the tutorial
 * nginx's pods, label app=liqo-test) and waits until the disruption controller has observed it with
 * `expectedPods` pods (pdbObserved): only then does it refuse evictions. Removed again if that wait
 * fails, so a caller's try/finally starts after it.
 */
export async function budget(
  namespace: string,
  name: string,
  minAvailable: number,
  expectedPods = minAvailable,
): Promise<Budget> {
  const c = await admin()
  const collection = `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`
  const path = `${collection}/${name}`
  await c.create(collection, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {name},
    spec: {minAvailable, selector: {matchLabels: {app: 'liqo-test'}}},
  })
  const remove = async () => void (await c.delete(path))
  try {
    await pdbObserved(path, expectedPods)
  } catch (e) {
    await remove()
    throw e
  }
  return {path, remove}
}

export interface OffloadedNamespace {
  name: string
  remove(): Promise<void>
}

/**
 * A namespace offloaded like the tutorial's (Remote, EnforceSameName, or `spec` given), with an
 * nginx Deployment of `replicas` Running on remote clusters. Its waits watch what they wait for
 * (one list and one watch each) instead of asking the API server again every 200 ms.
 */
export async function offloadedNamespace(
  prefix: string,
  o: {replicas?: number; spec?: Json} = {},
): Promise<OffloadedNamespace> {
  const c = await admin()
  const name = uniqueName(prefix)
  await c.create('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})
  const nso = namespaceOffloading(name)
  if (o.spec) nso.body.spec = o.spec
  await c.create(nso.collection, nso.body)
  await untilWatched(
    c,
    ['/api/v1/namespaces', nso.collection],
    `namespace ${name} offloaded`,
    60_000,
    ([nss, nsos]) => {
      const ns = nss!.find((n) => n.metadata?.name === name)
      const got = nsos!.find((n) => n.metadata?.name === nso.body.metadata.name)
      return ns?.metadata?.labels?.['liqo.io/scheduling-enabled'] === 'true' && !!got?.status?.offloadingPhase
    },
  )
  const replicas = o.replicas ?? 3
  if (replicas > 0) {
    await c.create(`/apis/apps/v1/namespaces/${name}/deployments`, nginxDeploymentBody(name, replicas))
    await untilWatched(c, [`/api/v1/namespaces/${name}/pods`], `${replicas} pods ready in ${name}`, 60_000, ([raw]) => {
      const pods = raw!.map(toPod)
      return pods.filter((p) => p.ready && !p.deletionTimestamp).length === replicas
    })
  }
  return {
    name,
    remove: async () => {
      await c.delete(nso.path)
      await c.delete(`/api/v1/namespaces/${name}`)
      await untilWatched(
        c,
        ['/api/v1/namespaces'],
        `namespace ${name} gone`,
        90_000,
        ([nss]) => !nss!.some((n) => n.metadata?.name === name),
      )
    },
  }
}

/** Where a pod runs, by cluster name ('local' for the home cluster's own nodes, '<none>' if unscheduled). */
export interface PodPlace {
  pod: string
  cluster: string
  ready: boolean
  phase: string
}

function placeOf(pods: Pod[], nodeList: Node[]): PodPlace[] {
  const nodes = new Map(nodeList.map((n) => [n.name, n]))
  const byId = new Map(labState().clusters.map((x) => [x.id, x.name]))
  return pods.map((p) => {
    const n = p.nodeName ? nodes.get(p.nodeName) : undefined
    return {
      pod: p.name,
      cluster: !p.nodeName
        ? '<none>'
        : n?.remoteClusterId
          ? (byId.get(n.remoteClusterId) ?? n.remoteClusterId)
          : 'local',
      ready: p.ready,
      phase: p.phase,
    }
  })
}

/** Cluster name of every pod of a namespace, from the API (not from the CLI under test). */
export async function podClusters(namespace: string): Promise<PodPlace[]> {
  const c = await admin()
  const pods = (await c.list(`/api/v1/namespaces/${namespace}/pods`, {}, toPod)).items
  return placeOf(pods, (await c.list('/api/v1/nodes', {}, toNode)).items)
}

/**
 * Until the pods of `namespace`, placed as podClusters places them, satisfy `check`: watched (one
 * list and one watch of the namespace's pods and of the nodes), each change checked as it arrives.
 * On a timeout the error gives the placement seen last.
 */
export async function untilPlaced(
  namespace: string,
  what: string,
  timeoutMs: number,
  check: (pods: PodPlace[]) => boolean,
): Promise<void> {
  let last: PodPlace[] = []
  await untilWatched(
    await admin(),
    [`/api/v1/namespaces/${namespace}/pods`, '/api/v1/nodes'],
    what,
    timeoutMs,
    ([pods, nodes]) => check((last = placeOf(pods!.map(toPod), nodes!.map(toNode)))),
  ).catch((e: Error) => {
    throw new Error(`${e.message}; pods last seen: ${JSON.stringify(last)}`, {cause: e})
  })
}

/**
 * What a wait that converged promises, checked right after it: every live pod of the namespace
 * (not Succeeded or Failed, as for kubectl rollout status) is Ready on `cluster`, and there is one.
 * A finished pod may linger on the node it ran on until Kubernetes collects it; it is not counted.
 * On failure the message lists every pod with its cluster, phase and readiness.
 */
export async function expectAllReadyOn(namespace: string, cluster: string): Promise<void> {
  const pods = await podClusters(namespace)
  const live = pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed')
  const seen = pods.map((p) => `${p.pod} ${p.cluster} ${p.phase}${p.ready ? ' ready' : ''}`).join('; ')
  expect(live.length > 0 && live.every((p) => p.cluster === cluster && p.ready), `pods of ${namespace}: ${seen}`).toBe(
    true,
  )
}

/**
 * Gets at least one ready pod of the namespace onto `cluster` (deleting pods elsewhere so that
 * their replacements get another chance), for tests that need something to move. Watched (one list
 * and one watch of the namespace's pods and of the nodes), each change checked as it arrives; a pod
 * is deleted only while every pod is Ready and none is terminating, so that one deletion is seen
 * through (its replacement placed and Ready) before the next.
 */
export async function podOn(namespace: string, cluster: string): Promise<void> {
  const c = await admin()
  // Up to 3 minutes: 60 s ran out once on Liqo v1.2 right after cluster-3 was re-enabled. On a
  // timeout the error gives the placement seen last, to tell a slow cluster from a stuck one.
  let last: PodPlace[] = []
  /** How many pods not being deleted there were at the last deletion: its replacement is in once they are again. */
  let before = 0
  await untilWatched(
    c,
    [`/api/v1/namespaces/${namespace}/pods`, '/api/v1/nodes'],
    `a pod of ${namespace} on ${cluster}`,
    180_000,
    async ([raw, nodes]) => {
      const pods = raw!.map(toPod)
      const now = (last = placeOf(pods, nodes!.map(toNode)))
      const ready = now.filter((p) => p.ready)
      if (ready.length !== now.length) return false
      if (ready.some((p) => p.cluster === cluster)) return true
      // The deleted pod may take its grace period to go (tens of seconds through a virtual kubelet);
      // its replacement, placed and Ready, is what the next deletion waits for.
      const live = pods.filter((p) => !p.deletionTimestamp)
      const other = ready.find((p) => p.cluster !== cluster && live.some((l) => l.name === p.pod))
      if (other && live.length >= before) {
        before = live.length
        await c.delete(`/api/v1/namespaces/${namespace}/pods/${other.pod}`)
      }
      return false
    },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; pods last seen: ${JSON.stringify(last)}`, {cause: e})
  })
}
