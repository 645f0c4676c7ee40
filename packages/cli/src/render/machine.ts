/** Machine-readable output: stable JSON (2-space indent) and YAML documents. */
import yaml from 'js-yaml'

/** A document of ours (liqo-topology/v1alpha1): its kind, then its fields. */
export function document(kind: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {apiVersion: 'liqo-topology/v1alpha1', kind, ...fields}
}

export function renderJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`
}

export function renderYaml(doc: unknown): string {
  return yaml.dump(doc, {noRefs: true, lineWidth: -1, sortKeys: false})
}

export type MachineFormat = 'json' | 'yaml'

export function isMachine(output: string): output is MachineFormat {
  return output === 'json' || output === 'yaml'
}

export function renderMachine(format: MachineFormat, doc: unknown): string {
  return format === 'json' ? renderJson(doc) : renderYaml(doc)
}
