#!/usr/bin/env bash
# Prints the path of a `helm` v3 binary, building it first if needed:
#   HELM="$(scripts/helm.sh)"; "$HELM" lint helm/conveyor
# Debian has no helm package, and the machines here have no Docker, so helm is compiled from its Go
# module (helm.sh/helm/v3, fetched from the Go module proxy and checked against sum.golang.org) into
# a cache outside the repository: the first build takes a few minutes, later calls are instant.
# A `helm` already on PATH with the same major version is NOT used on purpose: tests must render
# with a known version. Env: CONVEYOR_HELM_VERSION (default below), CONVEYOR_CACHE.
#
#   scripts/helm.sh              print the helm path (build on first use)
#   scripts/helm.sh sync-crds    copy crds/ into the chart (CRDs to helm/conveyor/crds, the admission
#                                policies and approver role to helm/conveyor/files/crds) after a regeneration
#   scripts/helm.sh check-crds   exit 1 when helm/conveyor/crds differs from crds/ (CI, tests)
set -euo pipefail
version="${CONVEYOR_HELM_VERSION:-v3.22.0}"
cache="${CONVEYOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/conveyor}"
# "-2": the build recipe's revision (2: Kubernetes version ldflags); a new recipe builds anew.
dir="$cache/helm-$version-2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The files the chart copies from crds/. The CRDs go to helm/conveyor/crds/ (Helm installs them
# before the templates, on first install only). The approval policy and the approver ClusterRole go
# to helm/conveyor/files/crds/ (named so that .prettierignore's `crds` covers them, as it covers the
# originals): they must be optional (values), files in the chart's crds/ folder are never templated,
# and .Files.Get reads only inside the chart — hence copies, kept identical by check-crds and by
# test/helm/chart.test.ts.
crd_files=(conveyor.dev_workflows.yaml conveyor.dev_workflowruns.yaml)
file_copies=(approval-policy.yaml approver-role.yaml operator-role.yaml created-by-policy.yaml step-objects-policy.yaml)

sync_crds() {
  mkdir -p "$root/helm/conveyor/crds" "$root/helm/conveyor/files/crds"
  for f in "${crd_files[@]}"; do cp "$root/crds/$f" "$root/helm/conveyor/crds/$f"; done
  for f in "${file_copies[@]}"; do cp "$root/crds/$f" "$root/helm/conveyor/files/crds/$f"; done
}

check_crds() {
  local bad=0
  for f in "${crd_files[@]}"; do
    cmp -s "$root/crds/$f" "$root/helm/conveyor/crds/$f" || { echo "stale: helm/conveyor/crds/$f (run scripts/helm.sh sync-crds)" >&2; bad=1; }
  done
  for f in "${file_copies[@]}"; do
    cmp -s "$root/crds/$f" "$root/helm/conveyor/files/crds/$f" || { echo "stale: helm/conveyor/files/crds/$f (run scripts/helm.sh sync-crds)" >&2; bad=1; }
  done
  # A CRD added to crds/ but not listed above would silently be left out of the chart.
  for f in "$root"/crds/conveyor.dev_*.yaml; do
    [[ -f "$root/helm/conveyor/crds/$(basename "$f")" ]] || { echo "missing: helm/conveyor/crds/$(basename "$f")" >&2; bad=1; }
  done
  return "$bad"
}

case "${1:-path}" in
  sync-crds) sync_crds; exit 0 ;;
  check-crds) check_crds; exit $? ;;
  path) ;;
  *) echo "usage: scripts/helm.sh [path|sync-crds|check-crds]" >&2; exit 2 ;;
esac

if [[ -x "$dir/helm" ]]; then
  echo "$dir/helm"
  exit 0
fi
command -v go >/dev/null || { echo "helm.sh: no go on PATH (scripts/cluster-go.sh can provide one)" >&2; exit 1; }
echo "helm.sh: building helm $version from the Go module proxy into $dir (first time only)" >&2
mkdir -p "$dir"
# Build into a temporary GOBIN and move into place at the end, so an interrupted build never
# leaves a half-written binary that later calls would trust. The ldflags are those of helm's own
# Makefile: without them `helm version` reports a placeholder, and `helm template`/`lint` assume
# Kubernetes 1.20, which fails charts with a kubeVersion constraint (ours needs >= 1.30). Helm
# derives the Kubernetes version from its client-go module (v0.X.Y -> 1.X), read from its go.mod.
tmp="$(mktemp -d "$dir/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
gomod="$(GOFLAGS=-mod=mod GO111MODULE=on go mod download -json "helm.sh/helm/v3@$version" |
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
kube_minor="$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "$gomod" | head -1)"
[[ -n "$kube_minor" ]] || { echo "helm.sh: cannot read the client-go version from $gomod" >&2; exit 1; }
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kube_minor"
done
CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod GO111MODULE=on \
  go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$version" >&2
mv "$tmp/helm" "$dir/helm"
echo "$dir/helm"
