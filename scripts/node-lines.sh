#!/usr/bin/env bash
# Runs the unit tests, and the CLI's start-up on a real command (from the plain bundle, and from a
# start-up snapshot built by that Node), on the other supported Node.js lines: 22 (the oldest
# supported line) and 26 (the newest); the test command's own Node, 24, is the third. Each line's
# binary comes from the npm registry, cached in ~/.cache/liqo-topology/node-<major> (scripts/node.sh).
# Arguments: the lines to run (default: 22 26).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node.sh
majors=("$@")
((${#majors[@]})) || majors=(22 26)
for major in "${majors[@]}"; do
  node="$(node_line "$major")"
  with_node() { PATH="$(dirname "$node"):$PATH" "$@"; }
  echo "== Node.js $("$node" --version): unit tests"
  with_node "$node" node_modules/vitest/vitest.mjs run --project unit
  echo "== Node.js $("$node" --version): the CLI starts and answers (liqo-topology version --client)"
  with_node "$node" packages/cli/bin/run.js version --client
  echo "== Node.js $("$node" --version): the launcher builds its start-up snapshot with this Node and starts from it"
  snapshots="$(mktemp -d)"
  with_node env XDG_CACHE_HOME="$snapshots" LIQO_TOPOLOGY_SNAPSHOT=build packages/cli/dist/bundle/liqo-topology version --client
  ls "$snapshots"/liqo-topology/snapshots/*.blob >/dev/null
  code=0
  with_node env XDG_CACHE_HOME="$snapshots" packages/cli/dist/bundle/liqo-topology peer disabel cluster-3 || code=$?
  rm -rf "$snapshots"
  if ((code != 2)); then
    echo "error: a usage error from the snapshot on Node $major exited $code, not 2" >&2
    exit 1
  fi
done
