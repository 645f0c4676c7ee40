/**
 * The modules the start-up snapshot leaves out and loads from node_modules on first use in a run
 * (scripts/bundle.mjs makes the stand-ins): how oclif requires each. The snapshot's builder
 * resolves them (src/entry/snapshot-build.ts) in its own process, so that resolving them costs a
 * run nothing and leaves nothing in the snapshot's module caches.
 */
import {createRequire} from 'node:module'
import {join} from 'node:path'

export const LATE_SPECS = ['ansis', 'supports-color', './screen.js']

/** Spec → file, as oclif (installed beside the bundle in `dir`) resolves them. */
export function resolveLate(dir: string): Record<string, string> {
  const oclif = createRequire(createRequire(join(dir, 'run.js')).resolve('@oclif/core'))
  return Object.fromEntries(LATE_SPECS.map((spec) => [spec, oclif.resolve(spec)]))
}
