/**
 * The open channel: selecting it, loading its history and members, marking what is shown as read,
 * and what its socket's events change (every channel once opened keeps its listeners).
 */
import type { EventPayloads, MessageObject, RtmSocket } from "@edge-realtime/client";
import { addChannel } from "./channelList";
import { locksOf, memberOf, messagesOf, state, type Member } from "./state";
import { fail, renderChannel, renderChannels, renderConnection, renderLocks, renderMembers, renderMessages, renderTyping } from "./view";

export async function selectChannel(id: number): Promise<void> {
  if (!state.client) return;
  state.current = id;
  state.typing.clear();
  state.editing = null;
  location.hash = String(id);
  const entry = state.channels.get(id);
  if (entry) entry.unread = 0;
  const socket = state.client.channel(id);
  listen(socket, id);
  state.channelStatus.set(id, socket.state);
  renderChannels();
  renderChannel();
  try {
    await socket.ready();
  } catch (err) {
    fail("channel socket", err);
  }
  await Promise.all([loadHistory(id), loadMembers(id)]);
}

async function loadHistory(id: number): Promise<void> {
  if (!state.client) return;
  try {
    const { messages } = await state.client.http.history(id, { limit: 50 });
    const map = messagesOf(id);
    map.clear();
    for (const m of messages) map.set(m.id, m);
    const last = messages[messages.length - 1];
    if (last) {
      state.client.channel(id).noteMessage(last.id);
      markRead(last.id);
    }
    if (id === state.current) renderMessages();
  } catch (err) {
    fail("channel.history", err);
  }
}

async function loadMembers(id: number): Promise<void> {
  if (!state.client) return;
  try {
    const { members } = await state.client.http.members(id);
    const map = new Map<number, Member>();
    for (const m of members) map.set(m.id, memberOf(m));
    state.members.set(id, map);
    if (id === state.current) renderMembers();
  } catch (err) {
    fail("channel.members", err);
  }
}

function markRead(messageId: number): void {
  const id = state.current;
  if (id === null || !state.client || document.visibilityState === "hidden") return;
  // A request (correlationId) so a server without read receipts answers this promise, not a toast.
  state.client
    .channel(id)
    .request("ws_read_notification", { channel_id: id, message_id: messageId })
    .catch((err) => console.debug("read notification", err));
}

function listen(socket: RtmSocket, id: number): void {
  if (state.wired.has(id)) return;
  state.wired.add(id);
  const upsert = (m: MessageObject) => {
    messagesOf(id).set(m.id, m);
    if (id === state.current) {
      renderMessages();
      if (m.user_id !== state.me?.id) markRead(m.id);
    }
  };
  socket.on("chat.postMessage", (p) => {
    upsert(p.message);
    state.typing.delete(p.message.user_id);
    renderTyping();
  });
  socket.on("chat.updateMessage", (p) => {
    // Updates of messages not loaded are ignored (the seed's advice).
    if (messagesOf(id).has(p.message.id)) upsert(p.message);
  });
  socket.on("chat.deleteMessage", (p) => {
    messagesOf(id).delete(p.message_id);
    if (id === state.current) renderMessages();
  });
  socket.on("chat.userTyping", (p) => {
    if (id !== state.current || p.user.id === state.me?.id) return;
    state.typing.set(p.user.id, { name: p.user.display_name, until: Date.now() + 3000 });
    renderTyping();
  });
  const presence = (online: boolean) => (p: EventPayloads["user.online" | "user.offline"]) => {
    state.members.get(id)?.set(p.user.id, memberOf(p.user, online));
    if (id === state.current) renderMembers();
  };
  socket.on("user.online", presence(true));
  socket.on("user.offline", presence(false));
  socket.on("user_added.channel", (p) => {
    state.members.get(id)?.set(p.user.id, memberOf(p.user));
    if (id === state.current) renderMembers();
  });
  socket.on("user_removed.channel", (p) => {
    state.members.get(id)?.delete(p.removed_user_id);
    if (id === state.current) renderMembers();
  });
  socket.on("channel.update", (p) => {
    addChannel(p.channel);
    if (id === state.current) renderChannel();
  });
  const lock = (held: boolean) => (l: EventPayloads["lock.acquire" | "lock.release"]) => {
    if (held) locksOf(id).set(l.lock_id, l);
    else locksOf(id).delete(l.lock_id);
    if (id === state.current) renderLocks();
  };
  socket.on("lock.acquire", lock(true));
  socket.on("lock.release", lock(false));
  socket.onStatus((s) => {
    state.channelStatus.set(id, s);
    if (id === state.current) renderConnection();
  });
  socket.onResync(() => {
    // The gap could not be replayed: reload the newest page (covers edits and deletes too).
    void loadHistory(id);
  });
  socket.onError((err) => console.warn(`channel ${id}`, err));
}
