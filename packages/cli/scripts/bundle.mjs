// Builds dist/bundle/, the CLI as a self-contained oclif root: a few ESM files (oclif included)
// instead of hundreds of modules, its own package.json, and an oclif manifest so that --help and
// command lookup need no command code. Heavy, rarely needed libraries (@kubernetes/client-node for
// credential plugins, the proxy agents, ora, @inquirer/prompts) stay in chunks loaded on demand.
import {build} from 'esbuild'
import {createHash} from 'node:crypto'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {resolve as resolvePath} from 'node:path'
import {fileURLToPath} from 'node:url'

const out = 'dist/bundle'
rmSync(out, {recursive: true, force: true})
// oclif renders every string of a help text (each flag's description, each summary, each example)
// as an EJS template: ejs.render compiles each one to a function (new Function), dozens of them for
// one command's help. A string with no tag renders as itself, so it is returned as it is; a
// string with a tag ("<%" or "%>") goes to EJS as before.
const ejsText = {
  name: 'ejs-text',
  setup(b) {
    b.onResolve({filter: /^ejs$/}, (a) =>
      a.namespace === 'ejs-text' ? undefined : {path: 'ejs', namespace: 'ejs-text'},
    )
    b.onLoad({filter: /.*/, namespace: 'ejs-text'}, () => ({
      contents:
        `const ejs = require('ejs')
const render = (template, ...rest) => (typeof template === 'string' && !template.includes('<%') ` +
        `&& !template.includes('%>') ? template : ejs.render(template, ...rest))
module.exports = {...ejs, render}`,
      resolveDir: process.cwd(),
      loader: 'js',
    }))
  },
}
/** What both builds (the bundle and the snapshot's script) share. */
const common = {
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // oclif loads its help plugin from node_modules at run time, and reads
  // tsconfig.json with TypeScript only when running from sources (never from a bundle).
  // react-devtools-core: Ink loads it only under DEV=true, and it is not installed.
  external: ['@oclif/plugin-help', 'typescript', 'tsx', 'ts-node', 'react-devtools-core'],
  // tr46 (under @kubernetes/client-node's node-fetch) requires Node's own punycode, which Node 22 and
  // later warn about (DEP0040) on stderr when code outside node_modules loads it, as the bundle is
  // in a checkout: the userland copy instead, the same code.
  alias: {punycode: 'punycode/'},
}
await build({
  entryPoints: {
    run: 'src/cli/run-bundle.ts',
    commands: 'commands/index.ts',
    'not-found': 'src/cli/not-found.ts',
    'snapshot-build': 'src/entry/snapshot-build.ts',
  },
  ...common,
  plugins: [ejsText],
  splitting: true,
  format: 'esm',
  banner: {
    js:
      "import {createRequire as __cr} from 'node:module'; import {fileURLToPath as __fu} from 'node:url'; const " +
      'require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __fu(new ' +
      "URL('.', import.meta.url));",
  },
})

// Modules that decide at load time from the terminal and the environment (colour support, the
// terminal's width): in the snapshot they would decide once, when it is built. There they are
// stand-ins: their code is in the snapshot, but it runs on first use in a run, not before. Each
// is matched by how oclif requires it.
const late = {
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

// The start-up snapshot's script (src/entry/snapshot.ts): one CommonJS file, as V8's snapshot
// builder needs; what loads on demand stays in node_modules.
const snapshot = await build({
  plugins: [late, ejsText],
  entryPoints: {snapshot: 'src/entry/snapshot.ts'},
  ...common,
  outExtension: {'.js': '.cjs'},
  format: 'cjs',
  external: [
    ...common.external,
    'ink',
    'react',
    'ora',
    '@inquirer/prompts',
    '@kubernetes/client-node',
    'https-proxy-agent',
    'http-proxy-agent',
    'socks-proxy-agent',
  ],
  metafile: true,
})
// Each late module is required by its stand-in only: a file that reached it another way (a new
// relative path, another package) would run it while the snapshot is built.
const stand = Object.keys(snapshot.metafile.inputs).filter((f) => f.startsWith('late:'))
const lateFiles = new Set(stand.map((f) => f.slice('late:'.length)))
for (const [file, input] of Object.entries(snapshot.metafile.inputs)) {
  if (file.startsWith('late:')) continue
  const direct = input.imports.filter((i) => !i.path.startsWith('late:') && lateFiles.has(resolvePath(i.path)))
  if (direct.length)
    throw new Error(
      `bundle: ${file} requires ${direct.map((i) => i.path).join(', ')} directly, not through its stand-in ` +
        `(scripts/bundle.mjs, "late")`,
    )
}
if (stand.length !== 3)
  throw new Error(
    `bundle: expected 3 late modules (ansis, supports-color, oclif's screen), found ${stand.join(', ') || 'none'}`,
  )

// The bundle is its own oclif root: package.json with the command registry next to it.
const pjson = JSON.parse(readFileSync('package.json', 'utf8'))
pjson.oclif.commands = {...pjson.oclif.commands, target: './commands.js'}
pjson.oclif.hooks = {command_not_found: './not-found.js'}
delete pjson.scripts
delete pjson.devDependencies
// The product's exports name its sources, for the lab's build (packages/lab); a bundle has none.
delete pjson.exports
writeFileSync(`${out}/package.json`, JSON.stringify(pjson, null, 2))

// The manifest: command ids, flags and summaries, read by oclif instead of loading commands.js.
const {Config} = await import('@oclif/core')
const root = fileURLToPath(new URL(`../${out}/`, import.meta.url))
const config = await Config.load({root})
const plugin = config.plugins.get(pjson.name)
writeFileSync(`${out}/oclif.manifest.json`, JSON.stringify(plugin.manifest))
// The snapshot's key: a blob is used only with the bundle it was built from (bin/liqo-topology).
const hash = createHash('sha256')
for (const f of ['snapshot.cjs', 'package.json', 'oclif.manifest.json']) hash.update(readFileSync(`${out}/${f}`))
writeFileSync(`${out}/snapshot.key`, `${hash.digest('hex').slice(0, 16)}\n`)
console.log(`bundle: ${Object.keys(plugin.manifest.commands).length} commands in ${out}`)
