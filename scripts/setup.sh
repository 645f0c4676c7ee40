#!/usr/bin/env bash
# Everything a fresh machine needs, idempotent: a supported Node.js, Node dependencies (npm ci when
# node_modules is missing or older than package-lock.json), the compiled CLI and lab (npm run build:
# packages/cli and packages/lab), and the labs' binaries
# (built from the Go module proxy into ~/.cache/liqo-topology, only when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

# Node.js >= 22.15: the PATH's when it is that recent, else Node.js 24 from the npm registry
# (scripts/node.sh), put first on the PATH for what follows (npm ci, the build).
source scripts/node.sh
use_supported_node

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

say "compiling the CLI"
npm run --silent build >&2

# The labs' binaries, built from the Go module proxy into ~/.cache/liqo-topology only when missing:
# the control plane, and what the real-Liqo lab runs (Liqo v1.2, its chart, kwok; then v1.0 and v1.1,
# one at a time). The two builds run side by side (cold: ~15 min together on 2 cores, and 10 min
# or more for each older Liqo; later runs: seconds).
if [[ "${SKIP_CONTROL_PLANE:-}" != "1" ]]; then
  if command -v go >/dev/null 2>&1; then
    bash packages/lab/build/build-control-plane.sh >/dev/null &
    cp_pid=$!
    liqo=packages/lab/build/build-liqo.sh
    (bash "$liqo" && bash "$liqo" v1.0 && bash "$liqo" v1.1) >/dev/null &
    liqo_pid=$!
    wait "$cp_pid"
    wait "$liqo_pid"
  else
    say "warning: Go is not installed; the lab needs prebuilt binaries (KUBEBUILDER_ASSETS or ~/.cache/liqo-topology)"
  fi
fi
