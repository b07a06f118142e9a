import { liveChannelRoom } from "../rooms";
import { success, unwrap } from "../errors";
import type { RouteHandlers } from "../routeHandler";

export const actionHandlers = {
  "action.create": async (c, { channel_id, ...input }) =>
    success(c, unwrap(await (await liveChannelRoom(c.env, channel_id)).createAction(c.get("userId"), input))),
} satisfies Partial<RouteHandlers>;
