/** The channels the user is in: loading the list, adding and removing entries. */
import type { ChannelObject } from "@edge-realtime/client";
import { membersOf, memberOf, state } from "./state";
import { fail, renderChannel, renderChannels } from "./view";

export async function loadChannels(): Promise<void> {
  if (!state.client) return;
  try {
    const { channels } = await state.client.http.listChannels();
    for (const c of channels) addChannel(c, false);
    renderChannels();
  } catch (err) {
    fail("channel.list", err);
  }
}

export function addChannel(channel: ChannelObject, render = true): void {
  const entry = state.channels.get(channel.id);
  if (entry) entry.channel = channel;
  else state.channels.set(channel.id, { channel, unread: 0 });
  const members = membersOf(channel.id);
  for (const m of channel.members ?? []) members.set(m.id, memberOf(m));
  if (render) renderChannels();
}

export function removeChannel(id: number): void {
  state.channels.delete(id);
  state.client?.leaveChannel(id);
  if (state.current === id) state.current = null;
  renderChannels();
  renderChannel();
}
