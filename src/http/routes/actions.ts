import { Hono } from "hono";
import { liveChannelRoom } from "../rooms";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { success, unwrap } from "../errors";
import { readParams, validate } from "../params";
import { ActionCreate } from "../schemas";
import { writeRoute } from "./define";

export function actionRoutes() {
  const app = new Hono<AppEnv>();

  writeRoute(app, "action.create", requireUser, async (c) => {
    const { channel_id, ...input } = validate(ActionCreate, await readParams(c));
    return success(c, unwrap(await (await liveChannelRoom(c.env, channel_id)).createAction(c.var.userId, input)));
  });

  return app;
}
