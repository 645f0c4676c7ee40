// Builds dist/bundle/: the CLI (oclif included) as a few ESM files, so that start-up reads a handful
// of files instead of hundreds. Heavy, rarely needed libraries (@kubernetes/client-node for
// credential plugins, ora, @inquirer/prompts) stay in lazily loaded chunks.
import {build} from 'esbuild'
import {rmSync} from 'node:fs'

rmSync('dist/bundle', {recursive: true, force: true})
await build({
  entryPoints: {run: 'src/cli/run-bundle.ts', commands: 'commands/index.ts', daemon: 'src/lab/daemon.ts'},
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // oclif loads its help and autocomplete plugins from node_modules at run time.
  // oclif reads tsconfig.json with TypeScript only when running from sources (never in a bundle).
  external: ['@oclif/plugin-help', '@oclif/plugin-autocomplete', 'typescript', 'tsx', 'ts-node'],
  banner: {
    js: "import {createRequire as __cr} from 'node:module'; import {fileURLToPath as __fu} from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __fu(new URL('.', import.meta.url));",
  },
})
