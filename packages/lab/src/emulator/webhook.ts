/**
 * Liqo's pod mutating admission webhook (v0.3 `pkg/mutate`), served over TLS by the lab and
 * registered with a MutatingWebhookConfiguration on the home cluster. For pods created in a
 * namespace with `liqo.io/scheduling-enabled=true` it adds the virtual-node toleration and the
 * required node affinity that the NamespaceOffloading's strategy and clusterSelector call for.
 */
import https from 'node:https'
import {readFileSync} from 'node:fs'

import type {Json} from 'liqo-topology/k8s/client'
import {LABEL_NODE_TYPE, VIRTUAL_NODE_TAINT, VIRTUAL_NODE_TYPE} from 'liqo-topology/liqo/constants'
import {crossTerms} from 'liqo-topology/model/scheduling'
import type {NamespaceOffloading, NodeSelectorTerm} from 'liqo-topology/model/types'

const IS_VIRTUAL: NodeSelectorTerm = {
  matchExpressions: [{key: LABEL_NODE_TYPE, operator: 'In', values: [VIRTUAL_NODE_TYPE]}],
}
const IS_LOCAL: NodeSelectorTerm = {
  matchExpressions: [{key: LABEL_NODE_TYPE, operator: 'NotIn', values: [VIRTUAL_NODE_TYPE]}],
}

/** The terms the offloading strategy imposes (before merging with the pod's own affinity). */
export function offloadingTerms(
  nso: Pick<NamespaceOffloading, 'podStrategy' | 'clusterSelector'>,
): NodeSelectorTerm[] | undefined {
  const selector = nso.clusterSelector?.nodeSelectorTerms ?? []
  switch (nso.podStrategy) {
    case 'Local':
      return undefined
    case 'Remote':
      // every clusterSelector term ANDed with "is a virtual node"
      return selector.length ? crossTerms(selector, [IS_VIRTUAL]) : [IS_VIRTUAL]
    case 'LocalAndRemote':
    default:
      // the selected remote clusters, OR any local node
      return [...(selector.length ? selector : [IS_VIRTUAL]), IS_LOCAL]
  }
}

/** JSON Patch operations for a pod, or [] when nothing changes. */
export function mutatePod(pod: Json, nso: Pick<NamespaceOffloading, 'podStrategy' | 'clusterSelector'>): Json[] {
  const terms = offloadingTerms(nso)
  if (!terms) return []
  const spec = pod.spec ?? {}
  const ops: Json[] = []
  const toleration = {key: VIRTUAL_NODE_TAINT.key, operator: 'Exists', effect: VIRTUAL_NODE_TAINT.effect}
  const tolerations: Json[] = spec.tolerations ?? []
  if (!tolerations.some((t) => t.key === toleration.key && t.operator === 'Exists')) {
    if (spec.tolerations) ops.push({op: 'add', path: '/spec/tolerations/-', value: toleration})
    else ops.push({op: 'add', path: '/spec/tolerations', value: [toleration]})
  }
  const existing: NodeSelectorTerm[] =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
  const required = {nodeSelectorTerms: crossTerms(existing, terms)}
  if (!spec.affinity) {
    ops.push({
      op: 'add',
      path: '/spec/affinity',
      value: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: required}},
    })
  } else if (!spec.affinity.nodeAffinity) {
    ops.push({
      op: 'add',
      path: '/spec/affinity/nodeAffinity',
      value: {requiredDuringSchedulingIgnoredDuringExecution: required},
    })
  } else {
    ops.push({
      op: 'add',
      path: '/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution',
      value: required,
    })
  }
  return ops
}

export interface WebhookServer {
  port: number
  close(): Promise<void>
}

/** Serves /mutate-pod. `lookup` returns the namespace's NamespaceOffloading (named "offloading"). */
export async function startWebhook(
  port: number,
  certFile: string,
  keyFile: string,
  lookup: (namespace: string) => NamespaceOffloading | undefined,
  log: (msg: string) => void,
): Promise<WebhookServer> {
  const server = https.createServer({cert: readFileSync(certFile), key: readFileSync(keyFile)}, (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/mutate-pod')) {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let review: Json
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        res.writeHead(400).end()
        return
      }
      const request = review.request ?? {}
      const response: Json = {uid: request.uid, allowed: true}
      try {
        const pod = request.object ?? {}
        const ns = request.namespace ?? pod.metadata?.namespace
        const nso = ns ? lookup(ns) : undefined
        if (nso && !nso.deletionTimestamp) {
          const ops = mutatePod(pod, nso)
          if (ops.length) {
            response.patchType = 'JSONPatch'
            response.patch = Buffer.from(JSON.stringify(ops)).toString('base64')
          }
        }
      } catch (e) {
        log(`webhook: cannot mutate pod: ${e instanceof Error ? e.message : String(e)}`)
      }
      res.writeHead(200, {'Content-Type': 'application/json'})
      res.end(JSON.stringify({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response}))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
