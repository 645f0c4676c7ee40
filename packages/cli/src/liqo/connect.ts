/**
 * Which adapter drives a cluster: the Liqo API line it serves (./detect.ts) picks one of the
 * adapters registered here. A new Liqo generation registers its adapter in ADAPTERS.
 */
import {readCached, writeCached} from '../toolkit/cache.js'
import {ApiError, UserError} from '../toolkit/errors.js'
import type {KubeClient} from '../k8s/client.js'
import type {ForeignCluster, Node} from '../model/types.js'
import type {LiqoAdapter} from './adapter.js'
import {FOREIGN_CLUSTER, FOREIGN_CLUSTER_V1} from './constants.js'
import {detectLiqo, type LiqoInfo, type LiqoLine} from './detect.js'
import {liqoV0} from './v0.js'
import {liqoV1} from './v1.js'

const ADAPTERS: Partial<Record<LiqoLine, LiqoAdapter>> = {v0: liqoV0, v1: liqoV1}

/** The adapter tried first on a server not seen before: the line operators run today. */
const FIRST_GUESS = liqoV1

/**
 * The cache file of the line each API server served last (a guess that saves round trips, never trusted for writes).
 */
const LINES_FILE = 'liqo-lines.json'
const LINES_KEPT = 50

/** The cache's map of API server URL → Liqo line ({} when absent or not a map). */
function cachedLines(): Record<string, unknown> {
  const read = readCached(LINES_FILE)
  return read && typeof read === 'object' ? {...(read as Record<string, unknown>)} : {}
}

/** The adapter of the line this API server served last time, or the first guess. */
function guessFor(server: string): LiqoAdapter {
  const line = cachedLines()[server]
  return (typeof line === 'string' && ADAPTERS[line as LiqoLine]) || FIRST_GUESS
}

function rememberLine(server: string, line: LiqoLine): void {
  const lines = cachedLines()
  if (lines[server] === line) return
  delete lines[server]
  lines[server] = line
  writeCached(LINES_FILE, Object.fromEntries(Object.entries(lines).slice(-LINES_KEPT)))
}

/** The Liqo lines liqo-topology drives, for messages. */
export const SUPPORTED = 'Liqo v0.3–v0.10 and v1.x'

/** The adapter for the cluster's Liqo API; a clear error when liqo-topology cannot drive it. */
export function adapterFor(info: LiqoInfo, context: string): LiqoAdapter {
  const adapter = ADAPTERS[info.line]
  if (adapter) return adapter
  if (info.line === 'none') {
    throw new UserError(
      `the cluster of context "${context}" does not serve the Liqo API (no ${FOREIGN_CLUSTER.group} ` +
        `or ${FOREIGN_CLUSTER_V1.group} group)`,
      `is Liqo installed there? liqo-topology supports ${SUPPORTED}; to try it locally: liqo-topology lab up ` +
        `--tutorial`,
    )
  }
  throw new UserError(
    `the cluster of context "${context}" runs the ${info.description}, which liqo-topology does not drive`,
    `liqo-topology supports ${SUPPORTED}; upgrade Liqo to a release`,
  )
}

/** Detects the cluster's Liqo API (one discovery request) and returns its adapter. */
export async function connectLiqo(client: KubeClient): Promise<LiqoAdapter> {
  return adapterFor(await detectLiqo(client), client.context)
}

export interface PeeringsOrWarning {
  fcs: ForeignCluster[]
  liqo: LiqoLine
  /** Watches of the peerings go through this adapter; absent when there are none to watch. */
  adapter?: LiqoAdapter
  warnings: string[]
}

/**
 * For read-only views: the peerings, or none with a warning when the cluster serves no Liqo API
 * liqo-topology can read. Lists with the adapter of the line this API server served last time
 * (the cache's liqo-lines.json; Liqo v1 for a server not seen yet) and detects only when the
 * server does not serve that kind, so the usual case is one round trip on either generation. `nodes`,
 * when the caller has them or is reading them already, saves a list.
 */
export async function peeringsOrWarning(
  client: KubeClient,
  nodes?: Node[] | Promise<Node[]>,
): Promise<PeeringsOrWarning> {
  const guess = guessFor(client.server)
  try {
    return {
      fcs: (await guess.listPeerings(client, nodes ? {nodes} : {})).items,
      liqo: guess.line,
      adapter: guess,
      warnings: [],
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.isNotFound)) throw e
  }
  const info = await detectLiqo(client)
  const adapter = ADAPTERS[info.line]
  if (adapter) {
    rememberLine(client.server, info.line)
    return {
      fcs: (await adapter.listPeerings(client, nodes ? {nodes} : {})).items,
      liqo: info.line,
      adapter,
      warnings: [],
    }
  }
  const warnings =
    info.line === 'none'
      ? [`no Liqo API on context "${client.context}": every scheduled pod is shown as local`]
      : [`${info.description} on context "${client.context}": remote clusters are shown by cluster ID`]
  return {fcs: [], liqo: info.line, warnings}
}
