#!/usr/bin/env node
// Runs the plain bundle (npm run build), for kubectl's completion entry, tests and scripts; the installed
// command is the launcher (dist/bundle/liqo-topology, packages/launcher); bin/dev.js runs the sources.
import {existsSync} from 'node:fs'

if (!existsSync(new URL('../dist/bundle/run.js', import.meta.url))) {
  process.stderr.write(
    'error: liqo-topology is not built\nhint: run "npm run build" (or use bin/dev.js to run from the sources)\n',
  )
  process.exit(1)
}
await import('../dist/bundle/run.js')
