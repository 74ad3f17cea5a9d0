# The service image for docker-compose.yml. Runs the TypeScript sources with tsx (docs/decisions/0005).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY schemas ./schemas
COPY src ./src
COPY web ./web
COPY scripts/build-web.ts ./scripts/
COPY tsconfig.json ./
RUN npx tsx scripts/build-web.ts
ENV NODE_ENV=production HOST=0.0.0.0 MQTT_LISTEN_HOST=0.0.0.0 OSMAND_HOST=0.0.0.0
EXPOSE 8080 5055
USER node
CMD ["node", "--import", "tsx", "src/main.ts"]
