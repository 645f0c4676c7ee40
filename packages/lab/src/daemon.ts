/**
 * Entry point of the lab supervisor process (spawned by `lab up`, see ./lab.ts).
 * Usage: node daemon.js <lab-dir> <options-json>
 */
import {supervise} from './supervisor.js'
import type {LabOptions} from './state.js'

const [dir, json] = process.argv.slice(2)
if (!dir || !json) {
  process.stderr.write('usage: daemon.js <lab-dir> <options-json>\n')
  process.exit(2)
}
await supervise(dir, JSON.parse(json) as LabOptions)
