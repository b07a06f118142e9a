import { liveChannelRoom } from "../rooms";
import { success, unwrap } from "../errors";
import type { RouteHandlers } from "../routeHandler";
import { checkText } from "./chat";

/** What happens to a message after it is posted: edit, delete, react. */
export const messageHandlers = {
  "chat.updatemessage": async (c, p) => {
    checkText(p.text, c.get("config").textLimitBytes);
    const result = await (await liveChannelRoom(c.env, p.channel_id)).updateMessage(c.get("userId"), { message_id: p.message_id, text: p.text });
    return success(c, unwrap(result));
  },

  "chat.deletemessage": async (c, p) => {
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).deleteMessage(c.get("userId"), { message_id: p.message_id }));
    return success(c);
  },

  "chat.reactmessage": async (c, p) => {
    const result = await (await liveChannelRoom(c.env, p.channel_id)).reactMessage(c.get("userId"), {
      message_id: p.message_id,
      emoji_value: p.emoji_value,
      remove: p.remove ?? false,
    });
    return success(c, unwrap(result));
  },
} satisfies Partial<RouteHandlers>;
