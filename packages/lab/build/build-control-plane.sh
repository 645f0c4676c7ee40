#!/usr/bin/env bash
# Builds the lab's control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl) from the Go module proxy into a cache outside the clone. Idempotent: binaries already in
# the cache are kept, so a second run is instant. Progress goes to stderr; the last line on stdout
# is the directory holding the binaries.
#
#   LIQO_TOPOLOGY_CACHE  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/liqo-topology)
#   LAB_BIN_DIR          exact directory to build into (overrides the cache root)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
k8s_version="$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/go/k8s/go.mod")"
etcd_version="$(sed -n 's/^require go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\)$/\1/p' "$here/go/etcd/go.mod")"
if [[ -z "$k8s_version" || -z "$etcd_version" ]]; then
  echo "error: cannot read the pinned versions from $here/go/*/go.mod" >&2
  exit 1
fi
cache_root="${LIQO_TOPOLOGY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/liqo-topology}"
bin_dir="${LAB_BIN_DIR:-$cache_root/k8s-$k8s_version-etcd-$etcd_version}"

say() { printf '[build-control-plane] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  say "error: Go is not installed; install Go >= 1.26 or point KUBEBUILDER_ASSETS at prebuilt binaries"
  exit 1
fi

mkdir -p "$bin_dir"
tmp="$(mktemp -d "$bin_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

missing() { for b in "$@"; do [[ -x "$bin_dir/$b" ]] || echo "$b"; done; }

# Kubernetes: one go build for all commands shares the compile of the common packages.
mapfile -t k8s_missing < <(missing kube-apiserver kube-controller-manager kube-scheduler kubectl)
if ((${#k8s_missing[@]})); then
  minor="$(echo "$k8s_version" | cut -d. -f2)"
  build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  pkgs=()
  for b in "${k8s_missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  say "building Kubernetes $k8s_version: ${k8s_missing[*]} (cold: 15-40 min on 2 cores; Go caches make reruns fast)"
  start=$SECONDS
  (cd "$here/go/k8s" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}") &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30
    kill -0 "$pid" 2>/dev/null && say "  still compiling Kubernetes… $((SECONDS - start))s"
  done
  wait "$pid"
  for b in "${k8s_missing[@]}"; do mv -f "$tmp/$b" "$bin_dir/$b"; done
  say "built Kubernetes in $((SECONDS - start))s"
else
  say "Kubernetes $k8s_version binaries already in $bin_dir"
fi

if [[ -n "$(missing etcd)" ]]; then
  say "building etcd $etcd_version"
  start=$SECONDS
  (cd "$here/go/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
  mv -f "$tmp/etcd" "$bin_dir/etcd"
  say "built etcd in $((SECONDS - start))s"
else
  say "etcd $etcd_version already in $bin_dir"
fi

echo "$bin_dir"
