#!/usr/bin/env node
// Runs the CLI straight from the TypeScript sources (no build): tsx compiles on the fly and the
// command registry is read from commands/index.ts instead of dist/.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {register} from 'tsx/esm/api'

register()
const {execute, settings} = await import('@oclif/core')
settings.enableAutoTranspile = false
const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif.commands = {...pjson.oclif.commands, target: './commands/index.ts'}
pjson.oclif.hooks = {command_not_found: './src/cli/not-found.ts'}
await execute({dir: import.meta.url, loadOptions: {root, pjson}})
