import { createMiddleware } from "hono/factory";
import { log, setLogLevel } from "../ops/log";
import type { AppEnv } from "./context";

/**
 * One structured line per API request: request id (Cloudflare's ray id when present), method,
 * route path (never the query string, which may carry parameters), status, duration, user id.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  setLogLevel(c.var.config.logLevel);
  const started = Date.now();
  const rid = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.header("x-request-id", rid);
  await next();
  const status = c.res.status;
  log(status >= 500 ? "error" : "info", "request", {
    rid,
    method: c.req.method,
    path: c.req.path,
    status,
    ms: Date.now() - started,
    user_id: c.get("userId") ?? null,
  });
});
