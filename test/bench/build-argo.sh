#!/usr/bin/env bash
# Builds Argo Workflows' workflow-controller once per machine into the cache folder of the test
# control plane (see ../cluster/build.sh, which this does not touch: its bytes are that cache's key)
# and prints two lines on stdout: the binary's path, then the module's folder (its CRDs are there).
# The module comes from the Go module proxy, checked against sum.golang.org; the controller is built
# from the module's own folder, so its go.mod and go.sum pin every dependency.
# Env: CONVEYOR_CACHE (default ~/.cache/conveyor), CONVEYOR_ARGO_VERSION (default v4.0.5; the proxy
# serves no v3 module path for Argo, v4 is the first that is a proper Go module).
set -euo pipefail
version="${CONVEYOR_ARGO_VERSION:-v4.0.5}"
module="github.com/argoproj/argo-workflows/v4"
cache="${CONVEYOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/conveyor}"
command -v go >/dev/null || { echo "build-argo.sh: Go is not installed (see scripts/cluster-go.sh)" >&2; exit 1; }

# Where `go mod download` unpacked it (it verifies the module against sum.golang.org first).
src="$(cd "$(mktemp -d)" && GO111MODULE=on GOFLAGS=-modcacherw go mod download -json "$module@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$src/cmd/workflow-controller" ]] || { echo "build-argo.sh: no cmd/workflow-controller in $module@$version" >&2; exit 1; }

key="$({ echo "$module@$version"; cat "$0"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -c1-16)"
dir="$cache/argo-$key"
bin="$dir/workflow-controller"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  if [[ ! -x "$bin" ]]; then
    echo "build-argo.sh: building $bin from $module@$version (several minutes the first time)" >&2
    start=$SECONDS
    # The module cache is read-only: Go writes nothing into the module's folder, only the binary out.
    (cd "$src" && GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOFLAGS="-mod=mod -modcacherw" \
      nice -n 10 go build -trimpath -ldflags='-s -w' -o "$bin.tmp" ./cmd/workflow-controller)
    mv "$bin.tmp" "$bin"
    echo "build-argo.sh: built in $((SECONDS - start)) s" >&2
  fi
fi
echo "$bin"
echo "$src"
