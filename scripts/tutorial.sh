#!/usr/bin/env bash
# The main job: the Liqo "Dynamic topology" tutorial, done with liqo-topology against a local lab.
# Sets everything up (scripts/setup.sh), starts the lab with the tutorial's state, then walks
# through the tutorial. The lab is stopped at the end unless KEEP_LAB=1.
#   LIQO=v1.2   the lab runs Liqo v1.2's own controllers (also v1.0, v1.1; default v0.3: the emulator of the seed's Liqo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A supported Node.js first on the PATH (Node.js 24 from the npm registry when the PATH's is older).
source scripts/node.sh
use_supported_node
bash scripts/setup.sh

export LIQO_TOPOLOGY_LAB_DIR="${LIQO_TOPOLOGY_LAB_DIR:-$HOME/.local/state/liqo-topology/lab}"
# The CLI (packages/cli), built by setup.sh; its lab commands come from the lab plugin (packages/lab).
cli=./packages/cli/bin/run.js
lt() { printf '\n$ liqo-topology %s\n' "$*" >&2; "$cli" "$@"; }
step() { printf '\n### %s\n' "$*" >&2; }

if [[ "${KEEP_LAB:-}" != "1" ]]; then trap '"$cli" lab down >&2 || true' EXIT; fi

LIQO="${LIQO:-v0.3}"
step "Start three clusters with Liqo ${LIQO}, peered, and the tutorial's nginx-deployment offloaded"
lt lab up --liqo "$LIQO" --tutorial
eval "$("$cli" lab env)"

step "1. Where do the pods run? (instead of kubectl get pods -o wide and reading UUIDs)"
lt pods where -n liqo-test -o wide

step "2. Disable the peering with cluster-3: preview, patch, wait until rescheduling converged"
lt peer disable cluster-3 --yes
lt pods where -n liqo-test

step "3. Resume the peering: cluster-3 rejoins and its remote namespace is re-created"
lt peer enable cluster-3 --yes
lt status -n liqo-test

step "4. Clean up, in order, each step waited for (a second run has nothing to do)"
lt cleanup -n liqo-test --yes
lt cleanup -n liqo-test --yes

step "Done."
if [[ "${KEEP_LAB:-}" == "1" ]]; then
  printf 'The lab is still running. Use it with: eval "$(%s lab env)"; stop it with: %s lab down\n' "$cli" "$cli" >&2
fi
