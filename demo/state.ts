/**
 * Everything the demo knows: the client, the channels, and per channel its messages, members,
 * locks and socket status. Plain data, read by the view and changed by the session, channel and
 * action modules; nothing here touches the page.
 */
import type { ChannelObject, LockObject, MessageObject, RealtimeClient, Status, UserObject } from "@edge-realtime/client";

export interface ChannelEntry {
  channel: ChannelObject;
  unread: number;
}

/** A member as the demo shows it (a dot and a name). */
export interface Member {
  name: string;
  online: boolean;
}

export const state = {
  client: null as RealtimeClient | null,
  me: null as UserObject | null,
  channels: new Map<number, ChannelEntry>(),
  current: null as number | null,
  messages: new Map<number, Map<number, MessageObject>>(),
  members: new Map<number, Map<number, Member>>(),
  typing: new Map<number, { name: string; until: number }>(),
  locks: new Map<number, Map<number, LockObject>>(),
  wired: new Set<number>(),
  editing: null as number | null,
  lastTypingSent: 0,
  streamStatus: null as Status | null,
  channelStatus: new Map<number, Status>(),
};

// Exposed for poking around in devtools and for the browser test's diagnostics.
(globalThis as Record<string, unknown>).demo = state;

function entryOf<V>(maps: Map<number, Map<number, V>>, id: number): Map<number, V> {
  let m = maps.get(id);
  if (!m) maps.set(id, (m = new Map()));
  return m;
}

/** The messages of a channel by id (created empty on first use). */
export function messagesOf(id: number): Map<number, MessageObject> {
  return entryOf(state.messages, id);
}

/** The locks held in a channel by lock id (created empty on first use). */
export function locksOf(id: number): Map<number, LockObject> {
  return entryOf(state.locks, id);
}

/** The members of a channel by user id (created empty on first use). */
export function membersOf(id: number): Map<number, Member> {
  return entryOf(state.members, id);
}

export function memberOf(user: Pick<UserObject, "display_name" | "online_status">, online = user.online_status): Member {
  return { name: user.display_name, online };
}

/** A member's display name: the current channel's members first, then any channel's, then mine. */
export function nameOf(id: number): string | undefined {
  const here = state.current === null ? undefined : state.members.get(state.current)?.get(id);
  if (here) return here.name;
  for (const members of state.members.values()) {
    const m = members.get(id);
    if (m) return m.name;
  }
  return id === state.me?.id ? state.me.display_name : undefined;
}
