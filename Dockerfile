# syntax=docker/dockerfile:1
# One image for the operator (`syncspec operator`, the default) and the sync workers it deploys
# (`syncspec worker …`, the args the operator puts on worker Deployments). Node 24 runs the
# TypeScript sources directly (type stripping): there is no build step and no dist/.

# --- dependencies: production packages only, from the lockfile ---------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A fixed, unprivileged uid/gid (the chart's podSecurityContext uses the same numbers).
RUN groupadd --system --gid 10001 syncspec \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin syncspec
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json tsconfig.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root cli ./cli
COPY --chown=root:root compiler ./compiler
COPY --chown=root:root connectors ./connectors
COPY --chown=root:root runtime ./runtime
COPY --chown=root:root operator ./operator
COPY --chown=root:root schemas ./schemas
# Files stay owned by root and read-only to the process; the root filesystem can be mounted read-only
# (Node's compile cache and git clones go to /tmp and /var/cache/syncspec, emptyDirs in the chart).
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "bin/syncspec.js"]
CMD ["operator"]
