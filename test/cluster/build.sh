#!/usr/bin/env bash
# Builds a test binary once per machine into a cache folder outside the repository, keyed by its Go
# module's content, and prints its path on stdout. Later calls only print the path.
#   build.sh [controlplane]  etcd + kube-apiserver + kube-controller-manager + kube-scheduler
#   build.sh kwok            kwok, the simulated nodes of scale tests
# Env: CONVEYOR_CACHE (default ~/.cache/conveyor), GOTOOLCHAIN (go1.27.3 is the approved newer one).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
name="${1:-controlplane}"
case "$name" in
  controlplane | kwok) module="$here/$name" ;;
  *) echo "usage: build.sh [controlplane|kwok]" >&2; exit 2 ;;
esac
cache="${CONVEYOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/conveyor}"

command -v go >/dev/null || { echo "build.sh: Go is not installed (need go >= 1.26; see scripts/cluster-go.sh)" >&2; exit 1; }
# The key covers everything that decides the binary: sources, pinned modules, build flags, toolchain.
key="$(cd "$module" && { cat go.mod go.sum "$here/build.sh"; cat ./*.go 2>/dev/null || true; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -c1-16)"
dir="$cache/$name-$key"
bin="$dir/$name"

build_controlplane() {
  # Stamp the version as upstream's hack/lib/version.sh does; otherwise the API server reports
  # v0.0.0-master and kubectl's version-skew checks are meaningless.
  local version released pkg
  read -r version released < <(go list -m -f '{{.Version}} {{.Time.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
  [[ "$version" =~ ^v([0-9]+)\.([0-9]+)\. ]] || { echo "build.sh: bad kubernetes version $version" >&2; exit 1; }
  local ldflags=(-s -w)
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=("-X=$pkg.gitVersion=$version" "-X=$pkg.gitMajor=${BASH_REMATCH[1]}"
      "-X=$pkg.gitMinor=${BASH_REMATCH[2]}" "-X=$pkg.gitTreeState=clean" "-X=$pkg.buildDate=$released")
  done
  go build -trimpath -ldflags="${ldflags[*]}" -o "$bin.tmp" .
}

build_kwok() {
  go build -trimpath -ldflags='-s -w' -o "$bin.tmp" sigs.k8s.io/kwok/cmd/kwok
}

if [[ ! -x "$bin" ]]; then
  mkdir -p "$dir"
  # Two test processes starting at once must not both spend minutes building.
  exec 9>"$dir/.lock"
  flock 9
  if [[ ! -x "$bin" ]]; then
    echo "build.sh: building $bin (the first build takes several minutes)" >&2
    start=$SECONDS
    (cd "$module" && "build_$name")
    mv "$bin.tmp" "$bin"
    echo "build.sh: built in $((SECONDS - start)) s" >&2
  fi
fi
echo "$bin"
