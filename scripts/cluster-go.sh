#!/usr/bin/env bash
# Prints the bin folder of a Go toolchain that can build test/cluster/controlplane, for PATH:
#   export PATH="$(scripts/cluster-go.sh):$PATH"
# A `go` >= 1.21 on PATH is enough: it fetches the toolchain go.mod needs by itself (GOTOOLCHAIN).
# Older or missing (Debian bookworm ships 1.19, too old to switch): Debian's Go downloads the
# toolchain module golang.org/toolchain from the Go module proxy, verified against sum.golang.org,
# and it is unpacked into the cache folder. Env: CONVEYOR_GO_TOOLCHAIN (default go1.26.8).
set -euo pipefail
toolchain="${CONVEYOR_GO_TOOLCHAIN:-go1.26.8}"
cache="${CONVEYOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/conveyor}"
dir="$cache/$toolchain"

go_minor() { go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p'; }

if [[ -x "$dir/bin/go" ]]; then
  echo "$dir/bin"
  exit 0
fi
if command -v go >/dev/null && [[ "$(go_minor)" -ge 21 ]] && [[ -z "${CONVEYOR_GO_DOWNLOAD:-}" ]]; then
  dirname "$(command -v go)"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "cluster-go.sh: installing Debian's golang-go to fetch $toolchain" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >&2
fi

module="golang.org/toolchain@v0.0.1-${toolchain}.linux-$(go env GOARCH)"
echo "cluster-go.sh: downloading $module from the Go module proxy" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A scratch module cache: the copy below is what stays. `go mod download` checks sum.golang.org.
src="$(cd "$work" && GOMODCACHE="$work/mod" GOFLAGS=-modcacherw GO111MODULE=on GOTOOLCHAIN=local \
  go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -x "$src/bin/go" || -f "$src/bin/go" ]] || { echo "cluster-go.sh: no bin/go in $module" >&2; exit 1; }
mkdir -p "$cache"
rm -rf "$dir.tmp"
cp -R "$src" "$dir.tmp"
# Module zips carry no file modes: make the toolchain's programs executable again.
chmod -R u+w "$dir.tmp"
chmod +x "$dir.tmp"/bin/* "$dir.tmp"/pkg/tool/*/*
mv "$dir.tmp" "$dir"
"$dir/bin/go" version >&2
echo "$dir/bin"
