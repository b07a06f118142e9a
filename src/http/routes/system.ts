import { Hono } from "hono";
import { loadConfig } from "../../config";
import { systemSummary } from "../../ops/stats";
import { VERSION } from "../../version";
import type { AppEnv } from "../context";
import { success } from "../errors";
import { requireOperator } from "../operator";
import { readParams, validate } from "../params";
import { SystemDirectory, SystemInfo } from "../schemas";
import { readRoute, writeRoute } from "./define";
import { channelRoom } from "../../rooms/stubs";

export function systemRoutes() {
  const app = new Hono<AppEnv>();

  /** Operator view (AirSend's websocket server logged these every 30 s). */
  readRoute(app, "system.info", requireOperator, async (c) => {
    const p = validate(SystemInfo, await readParams(c));
    const config = loadConfig(c.env);
    const summary = await systemSummary(c.env, config, Date.now(), p.rooms ?? false);
    return success(c, { system: { version: VERSION, environment: config.environment, ...summary } });
  });

  /** Directory consistency (docs/operations.md "The directory"): each channel's room is the truth. */
  writeRoute(app, "system.directory", requireOperator, async (c) => {
    const p = validate(SystemDirectory, await readParams(c));
    const channels = await Promise.all(
      p.channel_ids.map(async (id) => {
        const r = await channelRoom(c.env, id).directoryCheck(p.repair ?? false);
        return r.ok ? { found: true, ...r.value! } : { ...NOT_FOUND, channel_id: id };
      }),
    );
    return success(c, { channels });
  });

  return app;
}

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
