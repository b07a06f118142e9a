import { systemSummary } from "../../ops/stats";
import { VERSION } from "../../version";
import { success } from "../errors";
import type { RouteHandlers } from "../routeHandler";
import { channelRoom } from "../../rooms/stubs";

export const systemHandlers = {
  /** Operator view (AirSend's websocket server logged these every 30 s). */
  "system.info": async (c, p) => {
    const config = c.get("config");
    const summary = await systemSummary(c.env, config, Date.now(), p.rooms ?? false);
    return success(c, { system: { version: VERSION, environment: config.environment, ...summary } });
  },

  /** Directory consistency (docs/operations.md "The directory"): each channel's room is the truth. */
  "system.directory": async (c, p) => {
    const channels = await Promise.all(
      p.channel_ids.map(async (id) => {
        const r = await channelRoom(c.env, id).directoryCheck(p.repair ?? false);
        return r.ok ? { found: true, ...r.value! } : { ...NOT_FOUND, channel_id: id };
      }),
    );
    return success(c, { channels });
  },
} satisfies Partial<RouteHandlers>;

const NOT_FOUND = {
  found: false,
  in_sync: false,
  backlog: 0,
  missing: [],
  extra: [],
  wrong_role: [],
  name_differs: false,
  removed_differs: false,
  repaired: false,
};
