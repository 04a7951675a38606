# syntax=docker/dockerfile:1
# Stage 1: install exact dependencies from the lockfile and check the types.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY migrations ./migrations
COPY openapi ./openapi
RUN npx tsc --noEmit && npm prune --omit=dev

# Stage 2: the runtime, as a non-root user. Migrations ship in the image: on PGlite they run at start; on PostgreSQL
# as the owner role (`npm run db:migrate` with DATABASE_MIGRATION_URL, or that variable beside DATABASE_URL), see README, Production.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 SUICHA_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system suicha && useradd --system --gid suicha --home-dir /app suicha \
  && mkdir -p /data && chown suicha:suicha /data
COPY --from=build --chown=suicha:suicha /app/node_modules ./node_modules
COPY --from=build --chown=suicha:suicha /app/package.json ./package.json
COPY --from=build --chown=suicha:suicha /app/src ./src
COPY --from=build --chown=suicha:suicha /app/scripts ./scripts
COPY --from=build --chown=suicha:suicha /app/migrations ./migrations
COPY --from=build --chown=suicha:suicha /app/openapi ./openapi
USER suicha
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/server.ts"]
