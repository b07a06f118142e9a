import { textBytes } from "../../channel/messages";
import { liveChannelRoom } from "../rooms";
import { ApiError, success, unwrap } from "../errors";
import type { RouteHandlers } from "../routeHandler";

/** Message text limit: 16 KiB of UTF-8 by default → 413. */
export function checkText(text: string, limit: number): void {
  if (textBytes(text) > limit) {
    throw new ApiError(413, "text_too_large", `text: must be at most ${limit} bytes of UTF-8`, {
      text: `must be at most ${limit} bytes of UTF-8`,
    });
  }
}

export const chatHandlers = {
  "chat.postmessage": async (c, p) => {
    checkText(p.text, c.get("config").textLimitBytes);
    const result = await (await liveChannelRoom(c.env, p.channel_id)).post(c.get("userId"), {
      text: p.text,
      parent_message_id: p.parent_message_id,
    });
    return success(c, unwrap(result));
  },
} satisfies Partial<RouteHandlers>;
