import { formatTime, unixSeconds } from "../protocol/objects";
import type { ChannelObject, HistoryPage, HistoryQuery, MemberObject } from "../contracts/channelRoom";
import type { ChannelRow, ChannelStore, MemberRow } from "../storage/channelStore";
import { memberUser } from "./membership";
import { messageObjects } from "./messages";

/** What a reader of the channel sees (docs/protocol.md#events): the channel object, its members, a history page. */

export function memberObject(m: MemberRow): MemberObject {
  return { ...memberUser(m), user_role: m.user_role };
}

export function memberObjects(store: ChannelStore): MemberObject[] {
  return store.members().map(memberObject);
}

export function channelObject(store: ChannelStore, channel: ChannelRow): ChannelObject {
  const latest = store.page({ limit: 1 }).rows;
  return {
    id: channel.id,
    channel_name: channel.channel_name,
    created_by: channel.created_by,
    created_on: formatTime(channel.created_on),
    created_on_ts: unixSeconds(channel.created_on),
    last_active_on: formatTime(channel.last_active_on),
    last_active_on_ts: unixSeconds(channel.last_active_on),
    latest_message: messageObjects(store, latest, channel.id)[0] ?? null,
    members: memberObjects(store),
    channel_roots: [],
  };
}

/** The channel as it is now (the caller checked that it exists). */
export function currentChannel(store: ChannelStore): ChannelObject {
  return channelObject(store, store.channel()!);
}

export function historyPage(store: ChannelStore, channelId: number, q: HistoryQuery): HistoryPage {
  const { rows, hasMore } = store.page({ before: q.before_id, after: q.after_id, limit: q.limit });
  return { messages: messageObjects(store, rows, channelId), has_more: hasMore };
}
