// The snapshot's stand-ins (an esbuild plugin for the build of snapshot.cjs, scripts/build.mjs).
// Modules that decide at load time from the terminal and the environment (colour support, the
// terminal's width): in the snapshot they would decide once, when it is built. There they are
// stand-ins: their code is in the snapshot, but it runs on first use in a run, not before (the
// snapshot's start-up, src/snapshot.ts, allows it). Each is matched by how oclif requires it.
import {resolve as resolvePath} from 'node:path'

/** How many modules have a stand-in: ansis, supports-color and oclif's screen. */
const EXPECTED = 3

export const late = {
  name: 'late',
  setup(b) {
    b.onResolve({filter: /^(ansis|supports-color|(\.\.?\/)+screen)$/}, async (a) => {
      if (a.pluginData === 'real') return undefined
      const real = await b.resolve(a.path, {
        kind: a.kind,
        importer: a.importer,
        resolveDir: a.resolveDir,
        pluginData: 'real',
      })
      if (real.errors.length) return {errors: real.errors}
      // oclif's lib/screen.js, however deep the requiring file is; another package's "screen" is not ours to touch.
      if (a.path.endsWith('screen') && !/[\\/]@oclif[\\/]core[\\/]lib[\\/]screen\.js$/.test(real.path)) return undefined
      return {path: real.path, namespace: 'late'}
    })
    b.onLoad({filter: /.*/, namespace: 'late'}, (a) => ({
      // Used while the snapshot is built (a library probing for colour support at load, in a
      // try block), it throws, as the module would be missing: nothing decides at build time.
      contents:
        `let real
const load = () => {
  if (!globalThis.__liqoTopologyRun) throw new Error('not loaded while the snapshot is built: ' + ` +
        `${JSON.stringify(a.path)})
  return (real ??= require(${JSON.stringify(a.path)}))
}
module.exports = new Proxy({}, {get: (_, k) => (k === '__esModule' ? undefined : Reflect.get(load(), k, load())), ` +
        `has: (_, k) => k in load()})`,
      resolveDir: process.cwd(),
      loader: 'js',
    }))
  },
}

/**
 * Each late module is required by its stand-in only: a file that reached it another way (a new
 * relative path, another package) would run it while the snapshot is built. Throws if one did, or
 * if a stand-in went missing (`metafile`: esbuild's, of the snapshot's build).
 */
export function checkStandIns(metafile) {
  const stand = Object.keys(metafile.inputs).filter((f) => f.startsWith('late:'))
  const lateFiles = new Set(stand.map((f) => f.slice('late:'.length)))
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (file.startsWith('late:')) continue
    const direct = input.imports.filter((i) => !i.path.startsWith('late:') && lateFiles.has(resolvePath(i.path)))
    if (direct.length)
      throw new Error(
        `launcher: ${file} requires ${direct.map((i) => i.path).join(', ')} directly, not through its stand-in ` +
          `(packages/launcher/scripts/late.mjs)`,
      )
  }
  if (stand.length !== EXPECTED)
    throw new Error(
      `launcher: expected ${EXPECTED} late modules (ansis, supports-color, oclif's screen), found ` +
        `${stand.join(', ') || 'none'}`,
    )
}
