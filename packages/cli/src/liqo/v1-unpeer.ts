/**
 * What `liqoctl unpeer` removes, for one Liqo v1 peering, found the way its code finds it
 * (pkg/liqoctl/unpeer, unauthenticate, network at v1.2.0) and grouped in its order:
 *   1. offloading: the consumer's ResourceSlices for the provider (their VirtualNodes drain and go
 *      with them) and any VirtualNode left for it;
 *   2. authentication: the consumer's control-plane Identity for the provider, and the provider's
 *      Tenant for the consumer;
 *   3. networking, unless the peering goes both ways: the GatewayClient, GatewayServer and
 *      Configuration each side keeps for the other (none when networking was never enabled).
 * Tenant namespaces stay, as liqoctl's default. Only what exists is listed, so a run that stopped
 * half-way resumes with what is left.
 */
import type {Json, KubeClient} from '../k8s/client.js'
import {Kind} from '../k8s/kind.js'
import {ApiError} from '../toolkit/errors.js'
import type {LiqoObject, Side, UnpeerItem, UnpeerStage, UnpeerTarget, Unpeering} from './adapter.js'
import {LABEL_REMOTE_CLUSTER_ID, VIRTUAL_NODE_V1} from './constants.js'

function toLiqoObject(raw: Json): LiqoObject {
  const md = raw.metadata ?? {}
  return {
    ...(md.namespace ? {namespace: md.namespace} : {}),
    name: md.name ?? '',
    finalizers: [...(md.finalizers ?? [])],
    ...(md.deletionTimestamp ? {deletionTimestamp: md.deletionTimestamp} : {}),
    ...(raw.spec?.type ? {type: raw.spec.type} : {}),
  }
}

const kind = (group: string, plural: string, k: string) =>
  new Kind({group, version: 'v1beta1', plural, kind: k}, toLiqoObject)
export const RESOURCE_SLICES = kind('authentication.liqo.io', 'resourceslices', 'ResourceSlice')
export const IDENTITIES = kind('authentication.liqo.io', 'identities', 'Identity')
export const TENANTS = kind('authentication.liqo.io', 'tenants', 'Tenant')
export const GATEWAY_CLIENTS = kind('networking.liqo.io', 'gatewayclients', 'GatewayClient')
export const GATEWAY_SERVERS = kind('networking.liqo.io', 'gatewayservers', 'GatewayServer')
export const CONFIGURATIONS = kind('networking.liqo.io', 'configurations', 'Configuration')
const VIRTUAL_NODE_OBJECTS = new Kind(VIRTUAL_NODE_V1, toLiqoObject)

/** Labels the replicated ResourceSlices carry (pkg/consts/replication.go). */
const REPLICATION = 'liqo.io/replication'
const REPLICATION_DESTINATION = 'liqo.io/remoteID'

/** Lists `kind` with a label selector; a kind the server does not serve (404) has nothing. */
async function listOrNone(client: KubeClient, k: Kind<LiqoObject>, labelSelector: string): Promise<LiqoObject[]> {
  try {
    return (await k.list(client, {labelSelector})).items
  } catch (e) {
    if (e instanceof ApiError && e.isNotFound) return []
    throw e
  }
}

/** What is left of the peering, by module, in liqoctl unpeer's order; empty stages are left out. */
async function unpeerStages(t: UnpeerTarget): Promise<UnpeerStage[]> {
  const toRemote = `${LABEL_REMOTE_CLUSTER_ID}=${t.remoteId}`
  const toHome = `${LABEL_REMOTE_CLUSTER_ID}=${t.homeId}`
  const items = (side: Side, k: Kind<LiqoObject>, objs: LiqoObject[]) =>
    objs.map((obj): UnpeerItem => ({side, kind: k, obj}))
  const [slices, vns, identities, tenants] = await Promise.all([
    listOrNone(t.home, RESOURCE_SLICES, `${REPLICATION}=true,${REPLICATION_DESTINATION}=${t.remoteId}`),
    listOrNone(t.home, VIRTUAL_NODE_OBJECTS, toRemote),
    listOrNone(t.home, IDENTITIES, toRemote),
    listOrNone(t.remote, TENANTS, toHome),
  ])
  const stages: UnpeerStage[] = [
    {
      module: 'offloading',
      items: [...items('home', RESOURCE_SLICES, slices), ...items('home', VIRTUAL_NODE_OBJECTS, vns)],
    },
    {
      module: 'authentication',
      items: [
        ...items(
          'home',
          IDENTITIES,
          identities.filter((i) => i.type === 'ControlPlane'),
        ),
        ...items('remote', TENANTS, tenants),
      ],
    },
  ]
  if (!t.bidirectional) {
    const net: UnpeerItem[] = []
    for (const [side, client, selector] of [
      ['home', t.home, toRemote],
      ['remote', t.remote, toHome],
    ] as const) {
      for (const k of [GATEWAY_CLIENTS, GATEWAY_SERVERS, CONFIGURATIONS])
        net.push(...items(side, k, await listOrNone(client, k, selector)))
    }
    stages.push({module: 'networking', items: net})
  }
  return stages.filter((s) => s.items.length)
}

/** Why an object is still there: its finalizers (never removed by this tool). */
function stillThere(i: UnpeerItem, context: string): string[] {
  const where = i.obj.namespace ? `${i.obj.namespace}/${i.obj.name}` : i.obj.name
  return [
    `${i.kind.resource.kind.toLowerCase()} ${where} on context ` +
      `"${context}"` +
      (i.obj.finalizers.length ? ` still has finalizer(s) ${i.obj.finalizers.join(', ')}` : ' is still being deleted'),
  ]
}

/** The deletions unpeering makes, as preflight checks. */
const UNPEER_ACCESS = {
  home: [RESOURCE_SLICES, VIRTUAL_NODE_OBJECTS, IDENTITIES, GATEWAY_CLIENTS, GATEWAY_SERVERS, CONFIGURATIONS].map((k) =>
    k.access('delete'),
  ),
  remote: [TENANTS, GATEWAY_CLIENTS, GATEWAY_SERVERS, CONFIGURATIONS].map((k) => k.access('delete')),
}

/** Liqo v1's unpeering, for its adapter (./v1.ts). */
export const unpeeringV1: Unpeering = {stages: unpeerStages, stillThere, access: UNPEER_ACCESS}
