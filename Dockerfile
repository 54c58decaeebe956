# One image for every command: `docker run IMAGE hooks`, `docker run IMAGE scaler ...`.
#   docker build -t keda-kaito-scaler:0.1.0 .

# Compiles the TypeScript; its development dependencies stay in this stage.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, installed apart so that nothing of the build leaks in.
FROM node:22-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The image's `node` user; numeric, so that Kubernetes can check runAsNonRoot.
USER 1000:1000
# hooks (8080), scaler gRPC (10450), scaler health and metrics (10451)
EXPOSE 8080 10450 10451
ENTRYPOINT ["node", "dist/cli.js"]
