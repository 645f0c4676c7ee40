// Entry point of the bundled CLI (dist/bundle/run.js, see scripts/bundle.mjs).
import {execute} from '@oclif/core'

import {takeHandedOverExtraCa} from '../k8s/extra-ca.js'

// bin/liqo-topology keeps NODE_EXTRA_CA_CERTS from Node's start: back into the environment first.
takeHandedOverExtraCa()
await execute({dir: import.meta.url})
