#!/usr/bin/env node
// Runs the CLI straight from the TypeScript sources (no build): tsx compiles on the fly and the
// command registry is read from commands/index.ts instead of dist/. The lab plugin, when it is in
// the workspace (packages/lab), runs from its sources too: its registry (dist/commands.js once
// built) is its commands/index.ts here.
import {readFileSync} from 'node:fs'
import {registerHooks} from 'node:module'
import {fileURLToPath} from 'node:url'
import {register} from 'tsx/esm/api'

register()
const {execute, settings} = await import('@oclif/core')
const {withInstalledPlugins} = await import('../src/cli/plugins.ts')
settings.enableAutoTranspile = false
const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = withInstalledPlugins(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')), root)
pjson.oclif.commands = {...pjson.oclif.commands, target: './commands/index.ts'}
pjson.oclif.hooks = {command_not_found: './src/cli/not-found.ts'}
try {
  const lab = new URL('.', import.meta.resolve('@liqo-topology/lab/package.json'))
  const built = new URL('dist/commands.js', lab).href
  const source = new URL('commands/index.ts', lab).href
  // oclif imports it by the path it found the plugin at (through node_modules, not resolved).
  const isBuilt = (s) => s === built || s.endsWith('/node_modules/@liqo-topology/lab/dist/commands.js')
  registerHooks({resolve: (specifier, context, next) => next(isBuilt(specifier) ? source : specifier, context)})
} catch {
  // no lab in the workspace
}
await execute({dir: import.meta.url, loadOptions: {root, pjson}})
