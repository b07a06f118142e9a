import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { KEY_PATTERN, type KeyObject, KeyStore, type Scope, hashSecret } from "../server/keys";

/**
 * Verified keys, per isolate, for SERVER_KEY_CACHE_MS: a revocation takes effect here at once and
 * in every other isolate within that time (docs/server-api.md). Misses are cached too, so a
 * flood of bad keys costs no D1 reads.
 */
const verified = new Map<string, { at: number; key: KeyObject | null }>();
const MAX_CACHED = 10_000;

export function forgetKey(hash: string): void {
  verified.delete(hash);
}

async function lookup(db: D1Database, secret: string, ttlMs: number): Promise<KeyObject | null> {
  if (!KEY_PATTERN.test(secret)) return null;
  const hash = await hashSecret(secret);
  const now = Date.now();
  const hit = verified.get(hash);
  if (hit && now - hit.at < ttlMs) return hit.key;
  const key = await new KeyStore(db).byHash(hash);
  if (verified.size >= MAX_CACHED) verified.clear();
  verified.set(hash, { at: now, key });
  return key;
}

/** `Authorization: Bearer <server key>` holding `scope` → `c.get("serverKey")`; 401 / 403 otherwise. */
export function requireServerKey(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    if (!match) throw new ApiError(401, "unauthorized", "missing server API key");
    const key = await lookup(c.env.DB, match[1]!, c.get("config").serverKeyCacheMs);
    if (!key) throw new ApiError(401, "invalid_key", "invalid or revoked server API key");
    if (!key.scopes.includes(scope)) throw new ApiError(403, "missing_scope", `this key lacks the ${scope} scope`);
    c.set("serverKey", key);
    await next();
  });
}
