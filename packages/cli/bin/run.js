#!/usr/bin/env node
// The published entry point runs the bundle (npm run build); bin/dev.js runs the sources.
import {existsSync} from 'node:fs'

if (!existsSync(new URL('../dist/bundle/run.js', import.meta.url))) {
  process.stderr.write(
    'error: liqo-topology is not built\nhint: run "npm run build" (or use bin/dev.js to run from the sources)\n',
  )
  process.exit(1)
}
await import('../dist/bundle/run.js')
