/** What the user's forms and buttons do: create a channel, post, type, react, edit, delete, lock. */
import type { LockObject, MessageObject } from "@edge-realtime/client";
import { addChannel } from "./channelList";
import { selectChannel } from "./currentChannel";
import { input } from "./dom";
import { locksOf, messagesOf, state } from "./state";
import { fail, renderLocks, renderMessages } from "./view";

export async function createChannel(ev: Event): Promise<void> {
  ev.preventDefault();
  if (!state.client) return;
  const name = input("channel-name").value.trim();
  const emails = input("channel-emails")
    .value.split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (!name) return;
  try {
    const { channel } = await state.client.http.createChannel(name, emails.length ? { emails } : {});
    addChannel(channel);
    input("channel-name").value = "";
    input("channel-emails").value = "";
    await selectChannel(channel.id);
  } catch (err) {
    fail("channel.create", err);
  }
}

export async function send(ev: Event): Promise<void> {
  ev.preventDefault();
  const id = state.current;
  const box = input("text");
  const text = box.value;
  if (!state.client || id === null || !text.trim()) return;
  box.value = "";
  try {
    const { message } = await state.client.http.postMessage(id, text);
    messagesOf(id).set(message.id, message);
    renderMessages();
  } catch (err) {
    box.value = text;
    fail("chat.postmessage", err);
  }
}

export function typing(): void {
  const id = state.current;
  const now = Date.now();
  if (!state.client || id === null || now - state.lastTypingSent < 2000) return;
  state.lastTypingSent = now;
  state.client.channel(id).send("ws_ephemeral_typing", { channel_id: id });
}

export async function react(m: MessageObject, emoji: string): Promise<void> {
  if (!state.client) return;
  const mine = m.emoticons?.some((e) => e.ev === emoji && e.uid === state.me?.id) ?? false;
  try {
    await state.client.http.reactMessage(m.channel_id, m.id, emoji, mine);
  } catch (err) {
    fail("chat.reactmessage", err);
  }
}

export async function saveEdit(ev: Event, m: MessageObject): Promise<void> {
  ev.preventDefault();
  if (!state.client) return;
  const text = new FormData(ev.target as HTMLFormElement).get("text");
  state.editing = null;
  try {
    const { message } = await state.client.http.updateMessage(m.channel_id, m.id, String(text ?? ""));
    if (message) messagesOf(m.channel_id).set(message.id, message);
  } catch (err) {
    fail("chat.updatemessage", err);
  }
  renderMessages();
}

export async function remove(m: MessageObject): Promise<void> {
  if (!state.client) return;
  try {
    await state.client.http.deleteMessage(m.channel_id, m.id);
    messagesOf(m.channel_id).delete(m.id);
    renderMessages();
  } catch (err) {
    fail("chat.deletemessage", err);
  }
}

export async function acquireLock(ev: Event): Promise<void> {
  ev.preventDefault();
  const id = state.current;
  const path = input("lock-path").value.trim();
  if (!state.client || id === null || !path) return;
  try {
    const { lock } = await state.client.http.acquireLock(id, path, 120);
    locksOf(id).set(lock.lock_id, lock);
    renderLocks();
  } catch (err) {
    fail("lock.acquire", err);
  }
}

export async function releaseLock(l: LockObject): Promise<void> {
  if (!state.client) return;
  try {
    await state.client.http.releaseLock(l.channel_id, l.lock_id);
    state.locks.get(l.channel_id)?.delete(l.lock_id);
    renderLocks();
  } catch (err) {
    fail("lock.release", err);
  }
}
