/**
 * The product's optional oclif plugins: the lab (@liqo-topology/lab, packages/lab) provides the
 * `lab` commands. package.json lists it in oclif.plugins; oclif loads a listed plugin only when it
 * is one of the package's dependencies too, and then warns on every run if it is missing. The lab
 * is not a dependency of the CLI (users of the CLI do not get it): it becomes one, for oclif, only
 * when it is installed beside the CLI (found from the CLI's root as Node finds a package).
 */
import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'

/** The lab plugin's npm name. */
export const LAB_PLUGIN = '@liqo-topology/lab'

export interface OclifPjson {
  dependencies?: Record<string, string>
  oclif: {plugins?: string[]}
}

/**
 * Whether package `name` is installed where Node would find it from `root`: a node_modules folder of
 * `root` or of a folder above it (a walk of existsSync: a resolve through createRequire would also
 * read and parse package.json files, on every run of the CLI).
 */
export function installed(name: string, root: string): boolean {
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true
    if (dirname(dir) === dir) return false
  }
}

/** The package.json oclif should load from `root`: the optional plugins that are installed become dependencies. */
export function withInstalledPlugins<T extends OclifPjson>(pjson: T, root: string): T {
  const optional = (pjson.oclif.plugins ?? []).filter((p) => p === LAB_PLUGIN && !pjson.dependencies?.[p])
  const present = optional.filter((p) => installed(p, root))
  if (!present.length) return pjson
  return {...pjson, dependencies: {...pjson.dependencies, ...Object.fromEntries(present.map((p) => [p, '*']))}}
}
