/** `version`: this tool's, and what it sees on the cluster (Kubernetes, and which Liqo). */
import type {Json, KubeClient} from '../k8s/client.js'
import {detectLiqo, type LiqoLine} from '../liqo/detect.js'

export interface VersionInfo {
  client: {version: string; node: string}
  server?: {context: string; kubernetes: string; liqo: {line: LiqoLine; description: string; version?: string}}
}

export function clientVersion(version: string): VersionInfo['client'] {
  return {version, node: process.version}
}

export async function serverVersions(client: KubeClient): Promise<NonNullable<VersionInfo['server']>> {
  const [kube, liqo] = await Promise.all([client.get<Json>('/version'), detectLiqo(client, {exactVersion: true})])
  return {
    context: client.context,
    kubernetes: String(kube.gitVersion ?? 'unknown'),
    liqo: {line: liqo.line, description: liqo.description, ...(liqo.version ? {version: liqo.version} : {})},
  }
}
