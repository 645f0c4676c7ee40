/** Renderers for `version`: kubectl's lines, and the document. */
import type {VersionInfo} from '../services/version.js'
import {document} from './machine.js'

export function renderVersion(v: VersionInfo): string {
  const lines = [`Client Version: ${v.client.version} (Node.js ${v.client.node})`]
  if (v.server) {
    lines.push(`Server Version: ${v.server.kubernetes} (context "${v.server.context}")`)
    const l = v.server.liqo
    lines.push(
      `Liqo: ${l.line === 'none' ? 'not installed' : `${l.version ?? 'version not readable'}, ${l.description}`}`,
    )
  }
  return `${lines.join('\n')}\n`
}

export function versionDocument(v: VersionInfo): Record<string, unknown> {
  return document('Version', {client: v.client, ...(v.server ? {server: v.server} : {})})
}
