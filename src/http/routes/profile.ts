import { Hono } from "hono";
import { channelRoom } from "../../rooms/stubs";
import { Directory, profileOf } from "../../storage/directory";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { ApiError, success } from "../errors";
import { presentUser } from "../presentUser";
import { readParams, validate } from "../params";
import { ProfileSet } from "../schemas";
import { writeRoute } from "./define";

/**
 * `user.profile.set` {name?, has_avatar?} → {user}: the directory first, then the member copy in
 * every channel of the user, each of which announces `user.profileUpdate` to its sockets.
 */
export function profileRoutes() {
  const app = new Hono<AppEnv>();

  writeRoute(app, "user.profile.set", requireUser, async (c) => {
    const p = validate(ProfileSet, await readParams(c));
    const dir = new Directory(c.env.DB);
    const record = await dir.updateProfile(c.var.userId, p.name, p.has_avatar);
    if (!record) throw new ApiError(404, "user_not_found", "no such user");
    const profile = profileOf(record);
    const channelIds = await dir.channelIdsOf(profile.id);
    const results = await Promise.allSettled(channelIds.map((id) => channelRoom(c.env, id).profileChanged(profile)));
    for (const r of results) {
      if (r.status === "rejected") {
        console.error(JSON.stringify({ level: "error", msg: "profile fan-out failed", userId: profile.id, err: String(r.reason) }));
      }
    }
    return success(c, { user: await presentUser(c.env, profile) });
  });

  return app;
}
