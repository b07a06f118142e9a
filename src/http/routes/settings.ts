import { Hono } from "hono";
import { Directory } from "../../storage/directory";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { ApiError, success } from "../errors";
import { readParams, validate } from "../params";
import { SettingsSet } from "../schemas";
import { readRoute, writeRoute } from "./define";

/** The caller's own settings (`user.settings`, `user.settings.set` → {settings}); only the caller sees them. */
export function settingsRoutes() {
  const app = new Hono<AppEnv>();

  readRoute(app, "user.settings", requireUser, async (c) => {
    await readParams(c); // no parameters, but a malformed body is still 400/413/415
    const invites_from = await new Directory(c.env.DB).invitesFrom(c.var.userId);
    if (!invites_from) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { settings: { invites_from } });
  });

  writeRoute(app, "user.settings.set", requireUser, async (c) => {
    const p = validate(SettingsSet, await readParams(c));
    const invites_from = await new Directory(c.env.DB).setInvitesFrom(c.var.userId, p.invites_from);
    if (!invites_from) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { settings: { invites_from } });
  });

  return app;
}
