import { Hono } from "hono";
import { loadConfig } from "../../config";
import { liveChannelRoom } from "../rooms";
import { requireUser } from "../auth";
import type { AppEnv } from "../context";
import { success, unwrap } from "../errors";
import { readParams, validate } from "../params";
import { ChatDelete, ChatReact, ChatUpdate } from "../schemas";
import { checkText } from "./chat";
import { writeRoute } from "./define";

/** What happens to a message after it is posted: edit, delete, react. */
export function messageRoutes() {
  const app = new Hono<AppEnv>();

  writeRoute(app, "chat.updatemessage", requireUser, async (c) => {
    const p = validate(ChatUpdate, await readParams(c));
    checkText(p.text, loadConfig(c.env).textLimitBytes);
    const result = await (await liveChannelRoom(c.env, p.channel_id)).updateMessage(c.var.userId, { message_id: p.message_id, text: p.text });
    return success(c, unwrap(result));
  });

  writeRoute(app, "chat.deletemessage", requireUser, async (c) => {
    const p = validate(ChatDelete, await readParams(c));
    unwrap(await (await liveChannelRoom(c.env, p.channel_id)).deleteMessage(c.var.userId, { message_id: p.message_id }));
    return success(c);
  });

  writeRoute(app, "chat.reactmessage", requireUser, async (c) => {
    const p = validate(ChatReact, await readParams(c));
    const result = await (await liveChannelRoom(c.env, p.channel_id)).reactMessage(c.var.userId, {
      message_id: p.message_id,
      emoji_value: p.emoji_value,
      remove: p.remove ?? false,
    });
    return success(c, unwrap(result));
  });

  return app;
}
