import { Hono } from "hono";
import { type Config, loadConfig } from "../../config";
import { liveChannelRoom } from "../rooms";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { ApiError, success, unwrap } from "../errors";
import { readParams, validate } from "../params";
import { LockAcquire, LockRefresh, LockRelease } from "../schemas";
import { writeRoute } from "./define";

/** 1–3600 s accepted (the maximum is a var), else 422. */
function checkTtl(ttl: number | undefined, config: Config): void {
  if (ttl !== undefined && ttl > config.lockTtlMaxSeconds) {
    const msg = `must be between 1 and ${config.lockTtlMaxSeconds}`;
    throw new ApiError(422, "invalid_params", `ttl_seconds: ${msg}`, { ttl_seconds: msg });
  }
}

/** File locks with leases (docs/protocol.md#routes). */
export function lockRoutes() {
  const app = new Hono<AppEnv>();

  writeRoute(app, "lock.acquire", requireUser, async (c) => {
    const p = validate(LockAcquire, await readParams(c));
    const config = loadConfig(c.env);
    checkTtl(p.ttl_seconds, config);
    const lock = unwrap(
      await (await liveChannelRoom(c.env, p.channel_id)).acquireLock(c.var.userId, {
        path: p.path,
        ttl_seconds: p.ttl_seconds ?? config.lockTtlDefaultSeconds,
      }),
    );
    return success(c, { lock });
  });

  writeRoute(app, "lock.refresh", requireUser, async (c) => {
    const p = validate(LockRefresh, await readParams(c));
    checkTtl(p.ttl_seconds, loadConfig(c.env));
    const lock = unwrap(
      await (await liveChannelRoom(c.env, p.channel_id)).refreshLock(c.var.userId, { lock_id: p.lock_id, ttl_seconds: p.ttl_seconds }),
    );
    return success(c, { lock });
  });

  writeRoute(app, "lock.release", requireUser, async (c) => {
    const p = validate(LockRelease, await readParams(c));
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).releaseLock(c.var.userId, { lock_id: p.lock_id }));
    return success(c);
  });

  return app;
}
