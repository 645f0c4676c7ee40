#!/usr/bin/env bash
# Builds what the lab's real-Liqo mode runs, from the Go module proxy, into a cache outside the
# clone: Liqo's own binaries (liqo-controller-manager, webhook, crd-replicator, virtual-kubelet,
# liqoctl) at the version its wrapper module pins (below), kwok (build/go/kwok/go.mod) for the provider
# clusters' worker nodes, Liqo's Helm chart and CRDs as the module ships them, and kwok's stage
# definitions. Idempotent: what is already in the cache is kept. Progress on stderr; the last line
# on stdout is the cache directory.
#
#   build-liqo.sh [v1.0|v1.1|v1.2]   which Liqo line (default v1.2); each has its own wrapper module,
#                                    pinning one release: lab/go/liqo (v1.2), lab/go/liqo-v1.0, lab/go/liqo-v1.1
#   LIQO_TOPOLOGY_CACHE  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/liqo-topology)
#   LIQO_LAB_DIR         exact directory to build into (overrides the cache root)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
line="${1:-v1.2}"
case "$line" in
  v1.2) liqo_mod="$here/go/liqo" ;;
  v1.0 | v1.1) liqo_mod="$here/go/liqo-$line" ;;
  *)
    echo "error: unknown Liqo line '$line' (use v1.0, v1.1 or v1.2)" >&2
    exit 2
    ;;
esac
liqo_version="$(sed -n 's/^require github.com\/liqotech\/liqo \(v[0-9.]*\)$/\1/p' "$liqo_mod/go.mod")"
kwok_version="$(sed -n 's/^require sigs.k8s.io\/kwok \(v[0-9.]*\)$/\1/p' "$here/go/kwok/go.mod")"
if [[ -z "$liqo_version" || -z "$kwok_version" ]]; then
  echo "error: cannot read the pinned Liqo/kwok versions from $liqo_mod/go.mod and $here/go/kwok/go.mod" >&2
  exit 1
fi
cache_root="${LIQO_TOPOLOGY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/liqo-topology}"
out="${LIQO_LAB_DIR:-$cache_root/liqo-$liqo_version-kwok-$kwok_version}"

say() { printf '[build-liqo] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  say "error: Go is not installed; install Go >= 1.26 (the real-Liqo lab builds Liqo $liqo_version from the Go module proxy)"
  exit 1
fi

mkdir -p "$out/bin"
tmp="$(mktemp -d "$out/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

missing() { for b in "$@"; do [[ -x "$out/bin/$b" ]] || echo "$b"; done; }

# Runs a build in the background, niced (the machine may be shared), with a heartbeat on stderr
# (cold builds take minutes).
build() {
  local what="$1"
  shift
  local start=$SECONDS
  (nice -n 10 "$@") &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    kill -0 "$pid" 2>/dev/null && say "  still compiling $what… $((SECONDS - start))s"
  done
  wait "$pid"
  say "built $what in $((SECONDS - start))s"
  echo "$what $((SECONDS - start))s $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$out/build-times.txt"
}

mapfile -t liqo_missing < <(missing liqo-controller-manager webhook crd-replicator virtual-kubelet liqoctl)
if ((${#liqo_missing[@]})); then
  pkgs=()
  for b in "${liqo_missing[@]}"; do pkgs+=("github.com/liqotech/liqo/cmd/$b"); done
  say "building Liqo $liqo_version: ${liqo_missing[*]} (cold: ~7 min on 2 cores)"
  # liqoctl reports its version from this variable (as Liqo's own Makefile sets it).
  ldflags="-s -w -X github.com/liqotech/liqo/pkg/liqoctl/version.LiqoctlVersion=$liqo_version"
  build "Liqo $liqo_version" bash -c 'cd "$1" && shift && CGO_ENABLED=0 go build -trimpath -ldflags "$1" -o "$2/" "${@:3}"' _ \
    "$liqo_mod" "$ldflags" "$tmp" "${pkgs[@]}"
  for b in "${liqo_missing[@]}"; do mv -f "$tmp/$b" "$out/bin/$b"; done
else
  say "Liqo $liqo_version binaries already in $out/bin"
fi

# kwok is the same for every Liqo line: reuse a build of the same version from a sibling cache dir.
if [[ -n "$(missing kwok)" ]]; then
  for other in "$(dirname "$out")"/liqo-*-kwok-"$kwok_version"/bin/kwok; do
    if [[ -x "$other" ]]; then
      cp "$other" "$tmp/kwok" && mv -f "$tmp/kwok" "$out/bin/kwok" && say "kwok $kwok_version copied from $other"
      break
    fi
  done
fi
if [[ -n "$(missing kwok)" ]]; then
  say "building kwok $kwok_version"
  build "kwok $kwok_version" bash -c 'cd "$1" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$2/kwok" sigs.k8s.io/kwok/cmd/kwok' _ "$here/go/kwok" "$tmp"
  mv -f "$tmp/kwok" "$out/bin/kwok"
else
  say "kwok $kwok_version already in $out/bin"
fi

# Data files the modules ship: Liqo's chart (with its CRDs) and kwok's stages, copied out of the
# module cache so that the lab does not depend on it later.
module_dir() { (cd "$1" && go list -m -f '{{.Dir}}' "$2"); }
if [[ ! -f "$out/chart/liqo/Chart.yaml" ]]; then
  src="$(module_dir "$liqo_mod" github.com/liqotech/liqo)"
  rm -rf "$out/chart" && mkdir -p "$tmp/chart"
  cp -R "$src/deployments/liqo" "$tmp/chart/liqo"
  chmod -R u+w "$tmp/chart"
  mv "$tmp/chart" "$out/chart"
  say "copied Liqo's Helm chart to $out/chart/liqo"
fi
# kwok's fast stages, but a pod may ask to turn Ready later, as an application behind a readiness
# probe does: its annotation pod-ready.stage.kwok.x-k8s.io/delay (kwok's own, from its "general"
# stages; e.g. "5s") delays its pod-ready stage. Without it, pods are Ready at once, as before.
ready_delay='pod-ready.stage.kwok.x-k8s.io/delay'
if ! grep -qF "$ready_delay" "$out/kwok-stages.yaml" 2>/dev/null; then
  src="$(module_dir "$here/go/kwok" sigs.k8s.io/kwok)/kustomize/stage"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    printf -- '---\n'
    if [[ "$f" == pod/fast/pod-ready.yaml ]]; then
      grep -qx '  next:' "$src/$f" || { say "kwok's $f has no 'next:' to put the delay before"; exit 1; }
      delay="  delay:\n    durationMilliseconds: 0\n    durationFrom:\n"
      delay+="      expressionFrom: '.metadata.annotations[\"$ready_delay\"]'\n"
      sed "s|^  next:\$|$delay  next:|" "$src/$f"
    else
      cat "$src/$f"
    fi
  done >"$tmp/kwok-stages.yaml"
  mv "$tmp/kwok-stages.yaml" "$out/kwok-stages.yaml"
  say "wrote kwok's stages to $out/kwok-stages.yaml"
fi

echo "$out"
