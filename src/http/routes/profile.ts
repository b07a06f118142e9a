import { settleAll } from "../../ops/log";
import { channelRoom } from "../../rooms/stubs";
import { Directory, profileOf } from "../../storage/directory";
import { ApiError, success } from "../errors";
import { presentUser } from "../presentUser";
import type { RouteHandlers } from "../routeHandler";

/**
 * `user.profile.set` {name?, has_avatar?} → {user}: the directory first, then the member copy in
 * every channel of the user, each of which announces `user.profileUpdate` to its sockets.
 */
export const profileHandlers = {
  "user.profile.set": async (c, p) => {
    const dir = new Directory(c.env.DB);
    const record = await dir.updateProfile(c.get("userId"), p.name, p.has_avatar);
    if (!record) throw new ApiError(404, "user_not_found", "no such user");
    const profile = profileOf(record);
    const channelIds = await dir.channelIdsOf(profile.id);
    await settleAll("profile fan-out failed", channelIds.map((id) => channelRoom(c.env, id).profileChanged(profile)), { user_id: profile.id });
    return success(c, { user: await presentUser(c.env, profile) });
  },
} satisfies Partial<RouteHandlers>;
