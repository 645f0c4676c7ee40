#!/usr/bin/env node
// kubectl's plugin completion (kubectl ≥ 1.26) runs kubectl_complete-liqo_topology with the words
// after `kubectl liqo-topology`: answer through the hidden __complete command.
process.argv.splice(2, 0, '__complete')
await import('./run.js')
