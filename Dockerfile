# syntax=docker/dockerfile:1
# The Conveyor controller (and CLI) image. The same steps run without Docker in
# scripts/build-image.sh, which CI uses to prove that what this image runs starts.
#
#   docker build -t ghcr.io/conveyor-dev/conveyor:0.1.0 .
#
# Node 22 is the current LTS line; bookworm-slim rather than distroless so that the build and
# runtime stages share one libc and Node binary (no native-module surprises) while staying small.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first: this layer is reused while only sources change.
# --ignore-scripts: `prepare` (the build) cannot run before the sources are copied.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build.mjs scripts/dist-stamp.mjs scripts/kubeconfig-only.mjs ./scripts/
COPY src ./src
COPY bin ./bin
RUN npm run build \
  # Production dependencies only in what is copied on: no TypeScript, ESLint, test tools.
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Only what runs: the compiled JavaScript (with no src/ here, bin/conveyor.js runs dist/cli/main.js),
# production node_modules and package.json ("type": "module", the version).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# Numeric user and group (65532, "nonroot" by convention): Kubernetes' runAsNonRoot can check a
# number without reading /etc/passwd, and the chart's securityContext uses the same id. Files stay
# owned by root and read-only for this user; the chart mounts an emptyDir at /tmp for writes.
USER 65532:65532
EXPOSE 8080
# List form, node as PID 1, no shell in between: SIGTERM reaches node directly, and the controller
# handles it (finishes in-flight work, releases its Lease). No tini: node reaps nothing here because
# the controller starts no child processes (steps run as Jobs, not subprocesses).
# Other commands: docker run IMAGE node bin/conveyor.js validate FILE
CMD ["node", "bin/conveyor.js", "controller"]
