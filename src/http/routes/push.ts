import { Hono } from "hono";
import { loadConfig } from "../../config";
import { VapidError, vapidKeys } from "../../push/keys";
import * as S from "../pushSchemas";
import { checkSubscription } from "../../push/subscription";
import { userRoom } from "../../rooms/stubs";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { ApiError, success, unwrap } from "../errors";
import { readParams, validate } from "../params";
import { liveChannelRoom } from "../rooms";
import { readRoute, writeRoute } from "./define";

/** The VAPID public key, or 500 `misconfigured` (production without its own key pair). */
function publicKey(env: AppEnv["Bindings"]): string {
  try {
    return vapidKeys(env, loadConfig(env)).publicKey;
  } catch (err) {
    if (err instanceof VapidError) throw new ApiError(500, "misconfigured", "push is not configured on this server");
    throw err;
  }
}

/** Web Push: the caller's browser subscriptions and push preferences (docs/push.md). */
export function pushRoutes() {
  const app = new Hono<AppEnv>();

  readRoute(app, "push.vapidkey", async (c) => {
    await readParams(c);
    return success(c, { vapid_public_key: publicKey(c.env) });
  });

  writeRoute(app, "push.subscribe", requireUser, async (c) => {
    const p = validate(S.PushSubscribe, await readParams(c));
    publicKey(c.env); // a subscription the server could never push to is refused up front
    const checked = await checkSubscription({ endpoint: p.endpoint, ...p.keys }, loadConfig(c.env).environment);
    if (!checked.ok) {
      const field = checked.field === "endpoint" ? "endpoint" : "keys";
      const message = checked.field === "endpoint" ? checked.reason : `${checked.field} ${checked.reason}`;
      throw new ApiError(422, "invalid_subscription", `${field}: ${message}`, { [field]: message });
    }
    const subscription = unwrap(await userRoom(c.env, c.var.userId).pushSubscribe(c.var.userId, { endpoint: checked.endpoint, ...p.keys }));
    return success(c, { subscription });
  });

  readRoute(app, "push.list", requireUser, async (c) => {
    await readParams(c);
    return success(c, { subscriptions: await userRoom(c.env, c.var.userId).pushSubscriptions(c.var.userId) });
  });

  writeRoute(app, "push.unsubscribe", requireUser, async (c) => {
    const p = validate(S.PushUnsubscribe, await readParams(c));
    unwrap(await userRoom(c.env, c.var.userId).pushUnsubscribe(c.var.userId, p));
    return success(c);
  });

  readRoute(app, "push.settings", requireUser, async (c) => {
    await readParams(c);
    return success(c, { settings: await userRoom(c.env, c.var.userId).pushSettings(c.var.userId) });
  });

  writeRoute(app, "push.settings.set", requireUser, async (c) => {
    const p = validate(S.PushSettingsSet, await readParams(c));
    // A channel that never existed or was removed is 404 first, as on every channel route.
    if (p.channel_id !== undefined) await liveChannelRoom(c.env, p.channel_id);
    const settings = unwrap(await userRoom(c.env, c.var.userId).setPushSettings(c.var.userId, p));
    return success(c, { settings });
  });

  return app;
}
