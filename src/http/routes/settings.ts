import { Directory } from "../../storage/directory";
import { ApiError, success } from "../errors";
import type { RouteHandlers } from "../routeHandler";

/** The caller's own settings (`user.settings`, `user.settings.set` → {settings}); only the caller sees them. */
export const settingsHandlers = {
  "user.settings": async (c) => {
    const invites_from = await new Directory(c.env.DB).invitesFrom(c.get("userId"));
    if (!invites_from) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { settings: { invites_from } });
  },

  "user.settings.set": async (c, p) => {
    const invites_from = await new Directory(c.env.DB).setInvitesFrom(c.get("userId"), p.invites_from);
    if (!invites_from) throw new ApiError(404, "user_not_found", "no such user");
    return success(c, { settings: { invites_from } });
  },
} satisfies Partial<RouteHandlers>;
