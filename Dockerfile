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
# Node's compile cache, filled at build time for the runtime uid (Node names its folder after the uid):
# the operator and its compile thread then find every TypeScript file stripped and compiled already and
# never load Node's type stripper (~30 MB of RSS; operator/README.md, "Memory"). Owned by root and
# read-only at run time like the rest.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN install -d -o 10001 -g 10001 /app/.node-compile-cache \
 && setpriv --reuid=10001 --regid=10001 --clear-groups node operator/warm-compile-cache.ts \
 && chown -R root:root /app/.node-compile-cache
# Files stay owned by root and read-only to the process; the root filesystem can be mounted read-only
# (git clones go to /var/cache/syncspec, an emptyDir in the chart).
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "bin/syncspec.js"]
CMD ["operator"]
