// Builds dist/bundle/, the CLI as a self-contained oclif root: a few ESM files (oclif included)
// instead of hundreds of modules, its own package.json, and an oclif manifest so that --help and
// command lookup need no command code. Heavy, rarely needed libraries (@kubernetes/client-node for
// credential plugins, the proxy agents, ora, @inquirer/prompts) stay in chunks loaded on demand.
// Then the launcher's build (@liqo-topology/launcher, packages/launcher) adds the launcher, the
// package's "bin", and the start-up snapshot's script and builder: bundled in by design, so that the
// published package depends on nothing of ours at run time.
import {buildLauncher} from '@liqo-topology/launcher/build'
import {build} from 'esbuild'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
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
/** What both builds (the bundle, and the snapshot's script in the launcher's build) share. */
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

// The bundle is its own oclif root: package.json with the command registry next to it.
const pjson = JSON.parse(readFileSync('package.json', 'utf8'))
pjson.oclif.commands = {...pjson.oclif.commands, target: './commands.js'}
pjson.oclif.hooks = {command_not_found: './not-found.js'}
delete pjson.scripts
delete pjson.devDependencies
// The product's exports name its sources, for the lab's build and the launcher's (packages/lab, packages/launcher);
// a bundle has none.
delete pjson.exports
writeFileSync(`${out}/package.json`, JSON.stringify(pjson, null, 2))

// The manifest: command ids, flags and summaries, read by oclif instead of loading commands.js.
const {Config} = await import('@oclif/core')
const root = fileURLToPath(new URL(`../${out}/`, import.meta.url))
const config = await Config.load({root})
const plugin = config.plugins.get(pjson.name)
writeFileSync(`${out}/oclif.manifest.json`, JSON.stringify(plugin.manifest))
// The launcher and the start-up snapshot (packages/launcher/scripts/build.mjs). What the CLI loads on
// demand (toolkit/lazy.ts) stays out of the snapshot, in node_modules.
await buildLauncher({
  outdir: out,
  options: common,
  plugins: [ejsText],
  onDemand: [
    'ink',
    'react',
    'ora',
    '@inquirer/prompts',
    '@kubernetes/client-node',
    'https-proxy-agent',
    'http-proxy-agent',
    'socks-proxy-agent',
  ],
})
console.log(`bundle: ${Object.keys(plugin.manifest.commands).length} commands in ${out}`)
