// Builds dist/, the lab as an installable oclif plugin: its command registry (dist/commands.js) and
// the supervisor it starts (dist/daemon.js), each with what it takes from the product bundled in
// (the product's exports are its sources), and oclif.manifest.json, so that the CLI lists the lab's
// commands and reads their help without loading them.
import {build} from 'esbuild'
import {rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const out = 'dist'
rmSync(out, {recursive: true, force: true})
rmSync('oclif.manifest.json', {force: true})
await build({
  entryPoints: {commands: 'commands/index.ts', daemon: 'src/daemon.ts'},
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  splitting: true,
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The lab's own dependencies load from node_modules, as the CLI's oclif loads the plugin.
  external: ['@oclif/core', 'js-yaml'],
  banner: {
    js:
      "import {createRequire as __cr} from 'node:module'; import {fileURLToPath as __fu} from 'node:url'; const " +
      'require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __fu(new ' +
      "URL('.', import.meta.url));",
  },
})

// The manifest: command ids, flags and summaries, read by oclif instead of loading dist/commands.js.
const {Config} = await import('@oclif/core')
const root = fileURLToPath(new URL('..', import.meta.url))
const config = await Config.load({root})
const plugin = config.plugins.get(config.pjson.name)
writeFileSync('oclif.manifest.json', JSON.stringify(plugin.manifest))
console.log(`bundle: ${Object.keys(plugin.manifest.commands).length} lab commands in ${out}`)
