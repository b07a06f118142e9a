import { userRoom } from "../../rooms/stubs";
import { success, unwrap } from "../errors";
import type { RouteHandlers } from "../routeHandler";

/** The caller's alerts, kept by their user room (docs/protocol.md#routes). */
export const alertHandlers = {
  "user.alerts": async (c) => success(c, { alerts: await userRoom(c.env, c.get("userId")).alerts() }),

  "user.alert.ack": async (c, p) => {
    unwrap(await userRoom(c.env, c.get("userId")).ackAlert(p.alert_id));
    return success(c);
  },
} satisfies Partial<RouteHandlers>;
