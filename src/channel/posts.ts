import { type Result, fail, ok } from "../rooms/errors";
import type { MessageRow, NewMessage } from "../storage/channelStore";
import { type MessageObject, messageObject } from "./messages";
import { alertPost } from "./notify";
import type { Access, ChannelPort } from "./port";
import { type UnreadPusher, messagesArrived } from "./receipts";
import { serverBotMessage } from "./server";

export interface PostDeps {
  port: ChannelPort;
  unread: UnreadPusher;
  /** the room's operator counters: a post counts as a message in */
  counted: { in: number };
}

/** Stores a message and its `chat.postMessage` in one transaction, then broadcasts it. */
function publish(d: PostDeps, channelId: number, input: NewMessage, parent: MessageRow | null): MessageObject {
  const { store } = d.port;
  d.counted.in++;
  const { message, frame } = store.transaction(() => {
    const row = store.insertMessage(input);
    store.touchChannel(input.created_on);
    const message = messageObject(row, channelId, [], [], parent);
    return { message, frame: store.appendEvent("chat.postMessage", { message }, input.created_on) };
  });
  d.port.broadcast(frame);
  return message;
}

/** `chat.postmessage`: unread pushes for the others, alerts for mentions and the quoted author. */
export async function post(d: PostDeps, a: Access, input: { text: string; parent_message_id?: number }): Promise<Result<{ message: MessageObject }>> {
  const { store } = d.port;
  const parent = input.parent_message_id !== undefined ? store.message(input.parent_message_id) : null;
  if (input.parent_message_id !== undefined && !parent) {
    return fail(422, "unknown_message", "parent_message_id: no such message in this channel", {
      parent_message_id: "no such message in this channel",
    });
  }
  const message = publish(
    d,
    a.channel.id,
    { user_id: a.member.user_id, display_name: a.member.display_name, message_type: 1, content: input.text, parent_id: parent?.id ?? null, created_on: d.port.now() },
    parent,
  );
  await messagesArrived(d.port, d.unread, a.member.user_id, message.id);
  const row = store.message(message.id);
  if (row) await alertPost(d.port, a.channel.id, a.member, row, parent);
  return ok({ message });
}

/** A bot message (type 5) under the bot's name: `chat.postMessage` like any other post. */
export async function serverPost(d: PostDeps, a: Access, botName: string, text: string): Promise<Result<{ message: MessageObject }>> {
  const message = publish(d, a.channel.id, serverBotMessage(botName, text, d.port.now()), null);
  await messagesArrived(d.port, d.unread, null, d.port.store.latestMessageId());
  return ok({ message });
}
