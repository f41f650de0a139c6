# certflow's worker (and, as they arrive, its Slack bot and HTTP API) for the scale-out deployment in
# docker-compose.yml. The embedded dev server of `npm start` is not part of the image.
# test/scripts/dockerfile.test.ts runs the build stage's own COPY and RUN lines without Docker: keep one command per
# RUN line, so it can tell the dependency steps (npm install, npm prune) from the build.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev

# glibc base: the Temporal core bridge ships glibc binaries.
FROM node:20-bookworm-slim
ENV NODE_ENV=production CERTFLOW_DATA_DIR=/var/lib/certflow
# certflow's HTTP server: the internal CA's certificates and CRL.
EXPOSE 8088
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/certflow && chown node:node /var/lib/certflow
USER node
VOLUME /var/lib/certflow
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
