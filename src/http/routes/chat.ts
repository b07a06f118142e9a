import { Hono } from "hono";
import { textBytes } from "../../channel/messages";
import { loadConfig } from "../../config";
import { liveChannelRoom } from "../rooms";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { ApiError, success, unwrap } from "../errors";
import { readParams, validate } from "../params";
import { ChatPost } from "../schemas";
import { writeRoute } from "./define";

/** Message text limit: 16 KiB of UTF-8 by default → 413. */
export function checkText(text: string, limit: number): void {
  if (textBytes(text) > limit) {
    throw new ApiError(413, "text_too_large", `text: must be at most ${limit} bytes of UTF-8`, {
      text: `must be at most ${limit} bytes of UTF-8`,
    });
  }
}

export function chatRoutes() {
  const app = new Hono<AppEnv>();

  writeRoute(app, "chat.postmessage", requireUser, async (c) => {
    const p = validate(ChatPost, await readParams(c));
    checkText(p.text, loadConfig(c.env).textLimitBytes);
    const result = await (await liveChannelRoom(c.env, p.channel_id)).post(c.var.userId, {
      text: p.text,
      parent_message_id: p.parent_message_id,
    });
    return success(c, unwrap(result));
  });

  return app;
}
