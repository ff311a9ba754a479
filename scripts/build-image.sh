#!/usr/bin/env bash
# The Dockerfile's steps without Docker (the machines here have no Docker engine), into a folder
# that holds exactly what the image's /app holds, then proof that it starts:
#   scripts/build-image.sh [OUT_DIR]        default OUT_DIR: a new temporary folder (printed last)
# Steps, as in the Dockerfile: copy the same inputs, npm ci --ignore-scripts, npm run build, npm prune --omit=dev,
# keep package.json, node_modules, dist and bin only. Then, with the TypeScript sources gone (so
# bin/conveyor.js can only run the compiled dist/), `controller --help`, `validate` of an example,
# and the built-in templates (data files the build copies).
# Env: CONVEYOR_BUILD_OFFLINE=1 passes --offline to npm (CI with a warm npm cache).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$(mktemp -d "${TMPDIR:-/tmp}/conveyor-image.XXXXXX")}"
npm_flags=(--no-audit --no-fund)
[[ "${CONVEYOR_BUILD_OFFLINE:-}" == 1 ]] && npm_flags+=(--offline)

mkdir -p "$out"
build="$out/.build"
rm -rf "$build" && mkdir -p "$build"
# The Dockerfile's build stage (COPY package*.json, the build scripts, src, bin).
cp "$root/package.json" "$root/package-lock.json" "$build/"
mkdir -p "$build/scripts"
cp "$root/scripts/build.mjs" "$root/scripts/dist-stamp.mjs" "$root/scripts/kubeconfig-only.mjs" "$build/scripts/"
cp -R "$root/src" "$root/bin" "$build/"
find "$build/src" -name '*.test.ts' -delete
(
  cd "$build"
  npm ci --ignore-scripts "${npm_flags[@]}" --loglevel=error >&2
  npm run build --silent >&2
  npm prune --omit=dev "${npm_flags[@]}" --loglevel=error >&2
)
# The runtime stage: package.json, node_modules, dist, bin — nothing else.
rm -rf "$out/package.json" "$out/node_modules" "$out/dist" "$out/bin"
mv "$build/package.json" "$build/node_modules" "$build/dist" "$build/bin" "$out/"
rm -rf "$build"
[[ -f "$out/dist/cli/main.js" ]] || { echo "build-image.sh: no dist/cli/main.js" >&2; exit 1; }
# Dev tools must be gone (the image ships production dependencies only).
for dev in typescript eslint prettier tsx esbuild; do
  [[ ! -e "$out/node_modules/$dev" ]] || { echo "build-image.sh: dev dependency $dev in the output" >&2; exit 1; }
done

# Proof that it starts, as the image would run it (NODE_ENV=production, cwd = the folder).
cp "$root/examples/basic-deployment.yaml" "$out/.basic-deployment.yaml"
(
  cd "$out"
  export NODE_ENV=production
  node bin/conveyor.js controller --help | grep -q 'Usage: conveyor controller' ||
    { echo "build-image.sh: controller --help did not print its usage" >&2; exit 1; }
  node bin/conveyor.js validate .basic-deployment.yaml >&2
  # The built-in templates are data files next to the compiled code: they must have been copied.
  node bin/conveyor.js templates | grep -q 'backup-verify' ||
    { echo "build-image.sh: conveyor templates does not list the built-in templates" >&2; exit 1; }
  node bin/conveyor.js create image-check --template backup-verify --output - | grep -q '^name: image-check' ||
    { echo "build-image.sh: conveyor create --template does not work from dist/" >&2; exit 1; }
)
rm -f "$out/.basic-deployment.yaml"
echo "$out"
