import { createMiddleware } from "hono/factory";
import { TokenError, signingKey, verifyToken } from "../auth/tokens";
import { loadConfig } from "../config";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/** `Authorization: Bearer <access token>` → `c.var.userId`; 401 otherwise. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new ApiError(401, "unauthorized", "missing bearer token");
  try {
    const claims = await verifyToken(match[1]!, "access", signingKey(c.env, loadConfig(c.env)));
    c.set("userId", claims.user_id);
  } catch (err) {
    if (err instanceof TokenError && err.reason === "misconfigured") throw err;
    const expired = err instanceof TokenError && err.reason === "expired";
    throw new ApiError(401, expired ? "token_expired" : "invalid_token", expired ? "token expired" : "invalid token");
  }
  await next();
});
