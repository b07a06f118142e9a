import { createMiddleware } from "hono/factory";
import { type Level, log, setLogLevel } from "../ops/log";
import type { AppEnv } from "./context";

/**
 * The level of a request's line: failures at info (5xx: error), successes at debug. Workers Logs
 * already records every invocation with its status and duration; a line of our own for each
 * success cost 8 % of the runtime's CPU per delivered post (docs/performance.md, "Where the time
 * goes"), so it is written only when LOG_LEVEL is debug.
 */
export function requestLevel(status: number): Level {
  return status >= 500 ? "error" : status >= 400 ? "info" : "debug";
}

/**
 * One structured line per API request (at `requestLevel`): request id (Cloudflare's ray id when
 * present), method, route path (never the query string, which may carry parameters), status,
 * duration, user id.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  setLogLevel(c.get("config").logLevel);
  const started = Date.now();
  const rid = c.req.header("cf-ray") ?? crypto.randomUUID();
  c.header("x-request-id", rid);
  await next();
  const status = c.res.status;
  log(requestLevel(status), "request", {
    rid,
    method: c.req.method,
    path: c.req.path,
    status,
    ms: Date.now() - started,
    user_id: c.get("userId") ?? null,
  });
});
