import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { loadConfig } from "../../config";
import { systemSummary } from "../../ops/stats";
import { VERSION } from "../../version";
import type { AppEnv } from "../context";
import { ApiError, success } from "../errors";
import { readParams, validate } from "../params";
import { SystemDirectory, SystemInfo } from "../schemas";
import { readRoute, writeRoute } from "./define";
import { channelRoom } from "../../rooms/stubs";

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** `Authorization: Bearer <OPERATOR_TOKEN>`; with no OPERATOR_TOKEN set nobody gets in. */
const requireOperator = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.OPERATOR_TOKEN;
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (!expected || !match || !sameSecret(match[1]!, expected)) {
    throw new ApiError(401, "operator_only", "this route needs the operator token");
  }
  await next();
});

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
