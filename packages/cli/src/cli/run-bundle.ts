// Entry point of the bundled CLI (dist/bundle/run.js, see scripts/bundle.mjs).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
