# Gatehouse in a container (README, "Production install"):
#   docker build -t gatehouse .
#   docker run -d -p 8080:8080 -v gatehouse-data:/data -e GATEHOUSE_ISSUER=http://localhost:8080 gatehouse
#
# CI has no Docker: test/install/production-install.test.ts runs this file's build steps on a clean copy
# of the repository (the RUN commands, read from here), starts the result as ENTRYPOINT + CMD would,
# and checks the invariants below. Keep one command per RUN.

ARG NODE_VERSION=20

# Build: every dependency (the full image has python3, make and g++, for better-sqlite3 when no
# prebuilt binary can be downloaded), then dist/, then only the production dependencies.
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
# The package files first, so the dependency layer is rebuilt only when they change. `npm ci` runs the
# prepare script, which finds no src/ yet and builds nothing.
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs ./scripts/
RUN npm ci
COPY . .
RUN npm run build
RUN npm prune --omit=dev

# Runtime: Node, the production dependencies and dist/, owned by root and read-only to the server.
# The same Debian and Node major as the build stage, so the native modules built there load here.
FROM node:${NODE_VERSION}-bookworm-slim
# Listen on every interface of the container (the default, 127.0.0.1, is unreachable from outside it);
# the database on the volume. Set GATEHOUSE_ISSUER to the URL clients use.
ENV NODE_ENV=production \
    GATEHOUSE_HOST=0.0.0.0 \
    GATEHOUSE_DATABASE_URL=sqlite:/data/gatehouse.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The data folder belongs to the server's user: the image's `node` user, uid 1000 (numeric below, so
# Kubernetes' runAsNonRoot can check it).
RUN mkdir /data && chown 1000:1000 /data
USER 1000:1000
VOLUME /data
EXPOSE 8080
# No curl in the slim image: Node's own fetch. 200 while the database answers, else 503 (unhealthy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.GATEHOUSE_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1 (no npm, no shell in between), so `docker stop`'s SIGTERM reaches the server,
# which stops accepting, lets requests in flight finish (10 s at most) and exits 0. Arguments after
# the image name replace CMD: `docker run … gatehouse migrate`.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
