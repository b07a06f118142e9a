import type { Config } from "../../config";
import { liveChannelRoom } from "../rooms";
import { ApiError, success, unwrap } from "../errors";
import type { RouteHandlers } from "../routeHandler";

/** 1–3600 s accepted (the maximum is a var), else 422. */
function checkTtl(ttl: number | undefined, config: Config): void {
  if (ttl !== undefined && ttl > config.lockTtlMaxSeconds) {
    const msg = `must be between 1 and ${config.lockTtlMaxSeconds}`;
    throw new ApiError(422, "invalid_params", `ttl_seconds: ${msg}`, { ttl_seconds: msg });
  }
}

/** File locks with leases (docs/protocol.md#routes). */
export const lockHandlers = {
  "lock.acquire": async (c, p) => {
    const config = c.get("config");
    checkTtl(p.ttl_seconds, config);
    const lock = unwrap(
      await (await liveChannelRoom(c.env, p.channel_id)).acquireLock(c.get("userId"), {
        path: p.path,
        ttl_seconds: p.ttl_seconds ?? config.lockTtlDefaultSeconds,
      }),
    );
    return success(c, { lock });
  },

  "lock.refresh": async (c, p) => {
    checkTtl(p.ttl_seconds, c.get("config"));
    const lock = unwrap(
      await (await liveChannelRoom(c.env, p.channel_id)).refreshLock(c.get("userId"), { lock_id: p.lock_id, ttl_seconds: p.ttl_seconds }),
    );
    return success(c, { lock });
  },

  "lock.release": async (c, p) => {
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).releaseLock(c.get("userId"), { lock_id: p.lock_id }));
    return success(c);
  },
} satisfies Partial<RouteHandlers>;
