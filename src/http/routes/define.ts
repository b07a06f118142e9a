import type { Handler, Hono, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";

/**
 * Read routes accept GET and POST; mutating routes are POST only (GET → 405): docs/protocol.md#methods.
 */
export function readRoute(app: Hono<AppEnv>, method: string, ...handlers: (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[]) {
  app.on(["GET", "POST"], `/api/v1/${method}`, ...(handlers as [Handler<AppEnv>]));
}

export function writeRoute(app: Hono<AppEnv>, method: string, ...handlers: (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[]) {
  app.post(`/api/v1/${method}`, ...(handlers as [Handler<AppEnv>]));
  app.on(["GET", "PUT", "PATCH", "DELETE"], `/api/v1/${method}`, () => {
    throw new ApiError(405, "method_not_allowed", `${method} accepts POST only`, undefined, { Allow: "POST" });
  });
}
