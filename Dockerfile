# syntax=docker/dockerfile:1
#
# The tenantry controller image (docs/install.md). Two stages:
#   build    installs every dependency, type-checks and bundles the controller with esbuild into
#            one file, dist/controller.mjs, with its dependencies inlined;
#   runtime  distroless Node.js 20 with that file only: no npm, no shell, no node_modules, uid 65532.
#
# Build: docker build -t ghcr.io/tenantry/tenantry-controller:0.1.0 .

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /src
# Dependencies first so that a source change reuses the cached layer. --ignore-scripts: no
# dependency needs an install script, and none should run in the build.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Type-check everything, then bundle (scripts/bundle.mjs: the kubectl plugins and the controller).
RUN npm run build && test -f dist/controller.mjs

FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="tenantry-controller" \
      org.opencontainers.image.description="Tenant, SealedSecret and admission controllers of tenantry" \
      org.opencontainers.image.source="https://github.com/tenantry/tenantry" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build /src/dist/controller.mjs /app/controller.mjs
ENV NODE_ENV=production
# The distroless `nonroot` user; the chart also sets runAsNonRoot and a read-only root file system.
USER 65532:65532
# 8080 http (/healthz, /readyz, /v1/cert.pem), 8081 metrics, 9443 admission webhooks.
EXPOSE 8080 8081 9443
# Flags come from the chart's `args`; see `--help`.
# --max-semi-space-size: a smaller young generation, set at start (controller/heap.ts IMAGE_NODE_FLAGS).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=8", "/app/controller.mjs"]
