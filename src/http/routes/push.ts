import type { Config } from "../../config";
import { VapidError, vapidKeys } from "../../push/keys";
import { checkSubscription } from "../../push/subscription";
import { userRoom } from "../../rooms/stubs";
import type { AppEnv } from "../context";
import { ApiError, success, unwrap } from "../errors";
import { liveChannelRoom } from "../rooms";
import type { RouteHandlers } from "../routeHandler";

/** The VAPID public key, or 500 `misconfigured` (production without its own key pair). */
function publicKey(env: AppEnv["Bindings"], config: Config): string {
  try {
    return vapidKeys(env, config).publicKey;
  } catch (err) {
    if (err instanceof VapidError) throw new ApiError(500, "misconfigured", "push is not configured on this server");
    throw err;
  }
}

/** Web Push: the caller's browser subscriptions and push preferences (docs/push.md). */
export const pushHandlers = {
  "push.vapidkey": async (c) => success(c, { vapid_public_key: publicKey(c.env, c.get("config")) }),

  "push.subscribe": async (c, p) => {
    publicKey(c.env, c.get("config")); // a subscription the server could never push to is refused up front
    const checked = await checkSubscription({ endpoint: p.endpoint, ...p.keys }, c.get("config").environment);
    if (!checked.ok) {
      const field = checked.field === "endpoint" ? "endpoint" : "keys";
      const message = checked.field === "endpoint" ? checked.reason : `${checked.field} ${checked.reason}`;
      throw new ApiError(422, "invalid_subscription", `${field}: ${message}`, { [field]: message });
    }
    const subscription = unwrap(await userRoom(c.env, c.get("userId")).pushSubscribe({ endpoint: checked.endpoint, ...p.keys }));
    return success(c, { subscription });
  },

  "push.list": async (c) => success(c, { subscriptions: await userRoom(c.env, c.get("userId")).pushSubscriptions() }),

  "push.unsubscribe": async (c, p) => {
    unwrap(await userRoom(c.env, c.get("userId")).pushUnsubscribe(p));
    return success(c);
  },

  "push.settings": async (c) => success(c, { settings: await userRoom(c.env, c.get("userId")).pushSettings() }),

  "push.settings.set": async (c, p) => {
    // A channel that never existed or was removed is 404 first, as on every channel route.
    if (p.channel_id !== undefined) await liveChannelRoom(c.env, p.channel_id);
    const settings = unwrap(await userRoom(c.env, c.get("userId")).setPushSettings(p));
    return success(c, { settings });
  },
} satisfies Partial<RouteHandlers>;
