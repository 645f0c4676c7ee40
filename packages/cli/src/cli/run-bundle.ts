// Entry point of the bundled CLI (dist/bundle/run.js, see scripts/bundle.mjs).
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core'

import {withInstalledPlugins} from './plugins.js'

const root = fileURLToPath(new URL('.', import.meta.url))
const pjson = withInstalledPlugins(JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')), root)
await execute({dir: import.meta.url, loadOptions: {root, pjson}})
