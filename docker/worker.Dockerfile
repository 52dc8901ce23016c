# syntax=docker/dockerfile:1.7
# The agentq worker image. Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t agentq-worker .
# Pin NODE_IMAGE by digest for releases (docker buildx imagetools inspect node:20.20.2-bookworm-slim).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 CI=true
RUN npm install --global pnpm@10.34.9
WORKDIR /repo
# Dependencies first, from the lockfile alone, so this layer is cached until it changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN pnpm turbo run build --filter=@agentq/worker...
# Only the app, its workspace packages and production dependencies.
RUN pnpm --filter @agentq/worker --prod deploy /out

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production AGENTQ_WORKER_HTTP_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.AGENTQ_WORKER_HTTP_PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to node and reaps zombies, so the app drains on stop.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
