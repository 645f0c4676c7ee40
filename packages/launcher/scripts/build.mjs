// The launcher's part of the CLI's build: packages/cli/scripts/bundle.mjs calls buildLauncher() once
// the bundle, its package.json and its oclif manifest are in `outdir` (dist/bundle), and this adds
// what starts the CLI from a V8 start-up snapshot (docs/architecture.md, "Start-up"):
// - liqo-topology: the shell launcher (src/liqo-topology), the CLI package's "bin";
// - snapshot-build.js: the builder of a blob (src/snapshot-build.ts), which the launcher starts;
// - snapshot.cjs: the snapshot's entry (src/snapshot.ts) with the CLI's commands and oclif, one
//   CommonJS file as V8's snapshot builder needs, with the stand-ins of scripts/late.mjs;
// - snapshot.key: the hash that names a blob, so that one is used only with the bundle it was built from.
// It is a function the CLI's build calls, not a build of its own whose output the CLI copies: the
// snapshot holds the CLI's code, so it is built from the same sources in the same step, never stale.
import {build} from 'esbuild'
import {createHash} from 'node:crypto'
import {chmodSync, copyFileSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {checkStandIns, late} from './late.mjs'

const own = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))

/**
 * `options`: the esbuild options of the CLI's bundle (target, minification, externals, aliases);
 * `plugins`: its esbuild plugins, which the snapshot's copy of the same code takes too; `onDemand`:
 * the libraries the CLI loads on demand (toolkit/lazy.ts), which stay out of the snapshot, in
 * node_modules. Returns the files it wrote, relative to `outdir`.
 */
export async function buildLauncher({outdir, options, plugins = [], onDemand = []}) {
  const common = {...options, outdir}
  await build({...common, entryPoints: {'snapshot-build': own('src/snapshot-build.ts')}, format: 'esm'})
  const snapshot = await build({
    ...common,
    plugins: [late, ...plugins],
    entryPoints: {snapshot: own('src/snapshot.ts')},
    outExtension: {'.js': '.cjs'},
    format: 'cjs',
    external: [...(options.external ?? []), ...onDemand],
    metafile: true,
  })
  checkStandIns(snapshot.metafile)
  copyFileSync(own('src/liqo-topology'), join(outdir, 'liqo-topology'))
  chmodSync(join(outdir, 'liqo-topology'), 0o755)
  const hash = createHash('sha256')
  for (const f of ['snapshot.cjs', 'package.json', 'oclif.manifest.json']) hash.update(readFileSync(join(outdir, f)))
  writeFileSync(join(outdir, 'snapshot.key'), `${hash.digest('hex').slice(0, 16)}\n`)
  return ['liqo-topology', 'snapshot-build.js', 'snapshot.cjs', 'snapshot.key']
}
