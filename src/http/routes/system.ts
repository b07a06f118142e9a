import { Hono } from "hono";
import { loadConfig } from "../../config";
import { VERSION } from "../../version";
import type { AppEnv } from "../context";
import { success } from "../errors";
import { requireOperator } from "../operator";
import { readParams, validate } from "../params";
import { SystemInfo } from "../schemas";
import { readRoute } from "./define";

export function systemRoutes() {
  const app = new Hono<AppEnv>();

  /** Operator view (AirSend's websocket server logged these every 30 s). */
  readRoute(app, "system.info", requireOperator, async (c) => {
    const p = validate(SystemInfo, await readParams(c));
    const stats = c.env.STATS.get(c.env.STATS.idFromName("stats"));
    const summary = await stats.summary(Date.now(), p.rooms ?? false);
    return success(c, { system: { version: VERSION, environment: loadConfig(c.env).environment, ...summary } });
  });

  return app;
}
