import {
  BOT_USER,
  BOT_USER_ADDED,
  MESSAGE_TYPE_BOT,
  formatTime,
  unixSeconds,
} from "../protocol/objects";
import type { ChannelStore, MessageRow, ReactionRow } from "../storage/channelStore";
import type * as wire from "../protocol/wire";
import type { z } from "zod";
import type { MessageObject } from "../contracts/channelRoom";

export type { MessageObject } from "../contracts/channelRoom";

export type ParentMessage = z.output<typeof wire.ParentMessage>;

function contentOf(row: MessageRow): MessageObject["content"] {
  // JSON content is only ever written by the server (bot messages), so its shape is known.
  return row.content_json ? (JSON.parse(row.content) as MessageObject["content"]) : row.content;
}

export function messageObject(
  row: MessageRow,
  channelId: number,
  reactions: readonly ReactionRow[] = [],
  readers: readonly number[] = [],
  parent: MessageRow | null = null,
): MessageObject {
  return {
    id: row.id,
    user_id: row.user_id,
    channel_id: channelId,
    display_name: row.display_name,
    content: contentOf(row),
    attachments: [],
    message_type: row.message_type,
    is_edited: row.is_edited === 1,
    parent_message: parent
      ? {
          message_id: parent.id,
          user_id: parent.user_id,
          display_name: parent.display_name,
          content: contentOf(parent),
          created_on: formatTime(parent.created_on),
          created_on_ts: unixSeconds(parent.created_on),
        }
      : [],
    emoticons: reactions.map((r) => ({ uid: r.user_id, dn: r.display_name, ev: r.emoji })),
    created_on: formatTime(row.created_on),
    created_on_ts: unixSeconds(row.created_on),
    read_user_count: readers.length,
    read_users: [...readers],
  };
}

/** Message objects for rows, with reactions, readers and quoted parents loaded in three queries. */
export function messageObjects(store: ChannelStore, rows: readonly MessageRow[], channelId: number): MessageObject[] {
  const ids = rows.map((r) => r.id);
  const reactions = store.reactionsFor(ids);
  const readers = store.readersFor(ids);
  return rows.map((r) =>
    messageObject(
      r,
      channelId,
      reactions.get(r.id),
      readers.get(r.id),
      r.parent_id !== null ? store.message(r.parent_id) : null,
    ),
  );
}

/** Type-2 bot message naming who added whom (AirSend: "@91010001 has added @91010002 to this channel"). */
export function userAddedBotMessage(byUserId: number, addedIds: readonly number[], now: number) {
  return {
    user_id: BOT_USER.id,
    display_name: BOT_USER.display_name,
    message_type: MESSAGE_TYPE_BOT,
    content: {
      type: BOT_USER_ADDED,
      bot_message: `@${byUserId} has added ${addedIds.map((id) => `@${id}`).join(" ")} to this channel`,
    },
    parent_id: null,
    created_on: now,
  };
}

const encoder = new TextEncoder();

export function textBytes(text: string): number {
  return encoder.encode(text).length;
}
