import { Hono } from "hono";
import { cors } from "hono/cors";
import { TokenError } from "./auth/tokens";
import { log } from "./ops/log";
import type { AppEnv } from "./http/context";
import { ApiError, errorResponse } from "./http/errors";
import { requestLog } from "./http/requestLog";
import { registerRoutes } from "./http/register";
import { requestConfig } from "./http/requestConfig";
import { apiHandlers } from "./http/routes/api";
import { demoRoutes } from "./http/routes/demo";
import { docRoutes } from "./docs/routes";
import { fastUpgrade, socketRoutes } from "./http/routes/sockets";
import type { Env } from "./env";
import { consumeWebhooks } from "./webhooks/delivery";
import { consumePush, isPushQueue } from "./push/delivery";

/** The worker: websocket upgrades take a short path to their room; everything else the router. */
export function createWorker(): ExportedHandler<Env> {
  const app = createApp();
  return {
    fetch: async (request, env, ctx) => (await fastUpgrade(request, env)) ?? app.fetch(request, env, ctx),
    // One consumer for every queue this worker reads, told apart by the queue's name.
    queue: (batch, env) => (isPushQueue(batch.queue) ? consumePush(batch as MessageBatch<never>, env) : consumeWebhooks(batch as MessageBatch<never>, env)),
  };
}

/** The router: the HTTP API under /api/v1 (every route of the catalog), websocket upgrades under /rtm/ws, and the demo app at /. */
export function createApp() {
  const app = new Hono<AppEnv>();
  app.use(requestConfig);
  // Only the methods the API answers: read routes take GET and POST, write routes POST.
  app.use("/api/*", cors({ allowMethods: ["GET", "POST"] }));
  app.use("/api/*", requestLog);

  registerRoutes(app, apiHandlers);
  app.route("/", socketRoutes());
  app.route("/", docRoutes());
  app.route("/", demoRoutes());

  app.notFound((c) => errorResponse(c, new ApiError(404, "not_found", "no such route")));
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof TokenError && err.reason === "misconfigured") {
      log("error", err.message, { path: c.req.path });
      return errorResponse(c, new ApiError(500, "misconfigured", "server is misconfigured"));
    }
    // No stack trace leaves the server.
    log("error", "unhandled", { path: c.req.path, err: String(err) });
    return errorResponse(c, new ApiError(500, "internal_error", "internal error"));
  });
  return app;
}
