import { Hono } from "hono";
import { userRoom } from "../../rooms/stubs";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { success, unwrap } from "../errors";
import { readParams, validate } from "../params";
import { AlertAck } from "../schemas";
import { readRoute, writeRoute } from "./define";

/** The caller's alerts, kept by their user room (docs/protocol.md#routes). */
export function alertRoutes() {
  const app = new Hono<AppEnv>();

  readRoute(app, "user.alerts", requireUser, async (c) => {
    await readParams(c); // no parameters, but a malformed body is still 400/413/415
    return success(c, { alerts: await userRoom(c.env, c.var.userId).alerts() });
  });

  writeRoute(app, "user.alert.ack", requireUser, async (c) => {
    const p = validate(AlertAck, await readParams(c));
    unwrap(await userRoom(c.env, c.var.userId).ackAlert(p.alert_id));
    return success(c);
  });

  return app;
}
