# syntax=docker/dockerfile:1
# c1-gateway: `docker build -t c1-gateway .` then
# `docker run -p 4000:4000 -e C1_CLIENT_ID=… -e C1_CLIENT_SECRET=… c1-gateway`.
# Node's current LTS; the code itself supports Node 20.19 and later (package.json engines).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency (TypeScript is a devDependency), then compile src/ to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: tsc needs none, and none of the dependencies has a native addon.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json schema.graphql ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies only, the compiled output, and the SDL it reads ---
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (whose handler drains in-flight requests) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema.graphql ./
# Files stay root-owned and read-only to the process; it runs as the image's unprivileged user.
USER node
EXPOSE 4000
# Slim images have no curl; Node 20+ has fetch. Liveness only: readiness is /ready.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# node directly, not npm: npm would sit between tini and node and not forward SIGTERM reliably.
CMD ["node", "--max-semi-space-size=32", "dist/main.js"]
