# Two images from one file:
#   docker build -t workato-onboarding .                                  the service (default)
#   docker build --target sandbox -t workato-onboarding-sandbox .         the Workato sandbox
# The service image holds src/ and migrations/ only (tsconfig.prod.json): no sandbox, no tests.
# Build on the current LTS; the code also runs on Node 20.19+.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- dependencies -------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
ENV SCARF_ANALYTICS=false
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS prod-deps
ENV SCARF_ANALYTICS=false
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- builds -------------------------------------------------------------------------------
# The product: dist/src/main.js and dist/migrations/. The sandbox's sources are not even copied.
FROM deps AS build
COPY tsconfig.json tsconfig.build.json tsconfig.prod.json ./
COPY src ./src
COPY migrations ./migrations
# The console's static files (tsc copies only what it compiles).
RUN npx tsc -p tsconfig.prod.json \
 && cp -r src/console/static dist/src/console/static \
 && test -f dist/src/main.js \
 && test ! -e dist/workato-sandbox

# The sandbox alone: dist/workato-sandbox/main.js.
FROM deps AS sandbox-build
COPY tsconfig.json ./
COPY workato-sandbox ./workato-sandbox
RUN npx tsc -p workato-sandbox/tsconfig.json && test -f dist/workato-sandbox/main.js

# ---- the Workato sandbox (a stand-in for Workato's Embedded API, development only) ----------
FROM ${NODE_IMAGE} AS sandbox
ENV NODE_ENV=production \
    SANDBOX_HOST=0.0.0.0 \
    SANDBOX_PORT=4010
WORKDIR /app
COPY --from=prod-deps /build/node_modules ./node_modules
COPY --from=sandbox-build /build/dist ./dist
# Owned by `node` so that a named volume mounted here starts out writable (SANDBOX_STATE_FILE).
RUN mkdir -p /var/lib/workato-sandbox && chown node:node /var/lib/workato-sandbox
VOLUME ["/var/lib/workato-sandbox"]
USER node
EXPOSE 4010
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SANDBOX_PORT||4010)+'/__sandbox/config').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/workato-sandbox/main.js"]

# ---- the service (last stage: what `docker build .` gives) ----------------------------------
# Runs as `node`; /app belongs to root and is read-only for it. The only writable place is
# DATA_DIR, a volume owned by `node`. NODE_ENV=production: DATABASE_URL,
# SECRETS_ENCRYPTION_KEY, WORKATO_API_TOKEN and API_TOKENS are required, nothing is embedded.
FROM ${NODE_IMAGE} AS app
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/workato-onboarding \
    HTTP_PORT=3000
WORKDIR /app
COPY --from=prod-deps /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# package.json marks the project root that dist/src/local/project-root.ts looks for.
COPY package.json ./
RUN mkdir -p "$DATA_DIR" && chown node:node "$DATA_DIR" && chmod 700 "$DATA_DIR"
VOLUME ["/var/lib/workato-onboarding"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The service stops itself on SIGTERM within 30 s (give `docker stop` --time 35).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
