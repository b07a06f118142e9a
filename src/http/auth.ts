import { createMiddleware } from "hono/factory";
import { sessionLive } from "../auth/sessionGate";
import { TokenError, verifyToken, verifyingKeys } from "../auth/tokens";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/**
 * `Authorization: Bearer <access token>` → `c.get("userId")` and `c.get("sessionId")`; 401 when the
 * token is missing, invalid, expired, or its session has ended (within SESSION_CHECK_TTL_MS).
 */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new ApiError(401, "unauthorized", "missing bearer token");
  const config = c.get("config");
  let claims;
  try {
    claims = await verifyToken(match[1]!, "access", verifyingKeys(c.env, config));
  } catch (err) {
    if (err instanceof TokenError && err.reason === "misconfigured") throw err;
    const expired = err instanceof TokenError && err.reason === "expired";
    throw new ApiError(401, expired ? "token_expired" : "invalid_token", expired ? "token expired" : "invalid token");
  }
  if (!(await sessionLive(c.env.DB, claims.sid, claims.user_id, config.sessionCheckTtlMs))) {
    throw new ApiError(401, "session_revoked", "session revoked");
  }
  c.set("userId", claims.user_id);
  c.set("sessionId", claims.sid);
  await next();
});
