/**
 * The demo web app (bundled into the worker by demo/build.ts, served at /): everything goes through
 * the client package (@edge-realtime/client, packages/client). Plain DOM, no framework; state below, render functions after.
 */
import { ApiCallError, RealtimeClient, type RtmSocket, type Status } from "@edge-realtime/client";
import type { ChannelObject, LockObject, MessageObject, UserObject } from "@edge-realtime/client";
import { $, h, input, toast } from "./dom";
import { type TextPart, mentionParts } from "./mentions";
import { setupPush } from "./push";

const TOKEN_KEY = "edge-realtime-demo.token";
const REACTION = "👍";

interface ChannelEntry {
  channel: ChannelObject;
  unread: number;
}

const state = {
  client: null as RealtimeClient | null,
  me: null as UserObject | null,
  channels: new Map<number, ChannelEntry>(),
  current: null as number | null,
  messages: new Map<number, Map<number, MessageObject>>(),
  members: new Map<number, Map<number, { name: string; online: boolean }>>(),
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

function fail(what: string, err: unknown): void {
  const missing = err instanceof ApiCallError && err.status === 404 && err.code === "not_found";
  const text = err instanceof Error ? err.message : String(err);
  toast(missing ? `${what}: this server does not offer that route yet` : `${what}: ${text}`, "error");
  console.warn(what, err);
}

// --- connection state ---------------------------------------------------------------------------

function renderConnection(): void {
  const el = $("conn");
  const stream = state.streamStatus;
  const channel = state.current !== null ? state.channelStatus.get(state.current) : undefined;
  const all = [stream, channel].filter((s): s is Status => !!s);
  let label: string;
  if (!state.client) label = "offline";
  else if (all.some((s) => s.state === "closed")) label = "closed";
  else if (all.some((s) => s.state === "reconnecting")) label = "reconnecting";
  else if (all.length === 0 || all.some((s) => s.state === "connecting")) label = "connecting";
  else if (channel?.state === "resumed") label = channel.recovered ? "resumed" : "resynced";
  else if (stream?.state === "resumed" && !channel) label = "resynced";
  else label = "connected";
  el.dataset.state = label;
  const attempt = all.find((s) => s.state === "reconnecting")?.attempt;
  const replayed = channel?.state === "resumed" && channel.recovered ? ` (${channel.replayed ?? 0} replayed)` : "";
  el.textContent = label === "reconnecting" && attempt ? `reconnecting… (attempt ${attempt})` : label + replayed;
}

// --- session ------------------------------------------------------------------------------------

function newClient(): RealtimeClient {
  // Short backoff ceiling: a demo should come back quickly after a local server restart.
  return new RealtimeClient({ backoff: { baseMs: 300, maxMs: 5000 } });
}

async function onLogin(signup: boolean): Promise<void> {
  const email = input("email").value.trim();
  const password = input("password").value;
  const name = input("name").value.trim() || email.split("@")[0] || "someone";
  const client = newClient();
  try {
    if (signup) await client.signup(email, password, name);
    await client.login(email, password);
  } catch (err) {
    $("auth-error").textContent = err instanceof Error ? err.message : String(err);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, client.http.token!);
  await start(client);
}

async function resumeSession(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return;
  const client = newClient();
  client.useAccessToken(token);
  try {
    client.user = (await client.http.call<{ user: UserObject }>("user.info")).user;
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return;
  }
  await start(client);
}

async function logout(): Promise<void> {
  // Ends the session on the server as well, so a copy of the token is worthless from now on.
  await state.client?.http.call("user.logout").catch((err: unknown) => console.warn("user.logout", err));
  state.client?.close();
  state.client = null;
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
}

async function start(client: RealtimeClient): Promise<void> {
  state.client = client;
  state.me = client.user;
  $("auth").hidden = true;
  $("app").hidden = false;
  $("me").textContent = state.me ? `${state.me.display_name} (#${state.me.id})` : "";
  renderConnection();
  let stream: RtmSocket;
  try {
    stream = await client.connect();
  } catch (err) {
    fail("connect", err);
    return;
  }
  state.streamStatus = stream.state;
  stream.onStatus((s) => {
    state.streamStatus = s;
    renderConnection();
    if (s.state === "resumed") void loadChannels(); // the user stream cannot resume: reload what it feeds
  });
  stream.on("channel.create", (p) => addChannel(p.channel));
  stream.on("channel.remove", (p) => removeChannel(p.channel_id));
  stream.on("chat.unreadCountUpdate", (p) => {
    const entry = state.channels.get(p.channel_id);
    if (entry) entry.unread = p.channel_id === state.current ? 0 : p.channel_unread_count;
    renderChannels();
  });
  stream.on("alert.notification", (p) => toast(`alert: ${p.alert_text}`));
  stream.onError((err) => console.warn("user stream", err));
  renderConnection();
  void setupPush($("push-toggle") as HTMLButtonElement, (method, params) => client.http.call<Record<string, any>>(method, params), fail).catch((err: unknown) => console.warn("push", err));
  await loadChannels();
  const wanted = Number(location.hash.slice(1));
  const first = state.channels.has(wanted) ? wanted : [...state.channels.keys()][0];
  if (first !== undefined) await selectChannel(first);
}

// --- channels -----------------------------------------------------------------------------------

async function loadChannels(): Promise<void> {
  if (!state.client) return;
  try {
    const { channels } = await state.client.http.listChannels();
    for (const c of channels) addChannel(c, false);
    renderChannels();
  } catch (err) {
    fail("channel.list", err);
  }
}

function addChannel(channel: ChannelObject, render = true): void {
  const entry = state.channels.get(channel.id);
  if (entry) entry.channel = channel;
  else state.channels.set(channel.id, { channel, unread: 0 });
  if (!state.members.has(channel.id)) state.members.set(channel.id, new Map());
  const members = state.members.get(channel.id)!;
  for (const m of channel.members ?? []) members.set(m.id, { name: m.display_name, online: m.online_status });
  if (render) renderChannels();
}

function removeChannel(id: number): void {
  state.channels.delete(id);
  state.client?.leaveChannel(id);
  if (state.current === id) state.current = null;
  renderChannels();
  renderChannel();
}

function renderChannels(): void {
  const list = $("channels");
  list.replaceChildren(
    ...[...state.channels.values()]
      .sort((a, b) => a.channel.id - b.channel.id)
      .map(({ channel, unread }) =>
        h(
          "li",
          { class: channel.id === state.current ? "active" : "", "data-channel": channel.id },
          h("button", { type: "button", onclick: () => void selectChannel(channel.id) }, `# ${channel.channel_name}`),
          unread > 0 ? h("span", { class: "badge", title: "unread" }, unread) : null,
        ),
      ),
  );
}

async function createChannel(ev: Event): Promise<void> {
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

// --- one channel --------------------------------------------------------------------------------

function messagesOf(id: number): Map<number, MessageObject> {
  let m = state.messages.get(id);
  if (!m) state.messages.set(id, (m = new Map()));
  return m;
}

function wire(socket: RtmSocket, id: number): void {
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
  const presence = (online: boolean) => (p: { user: UserObject }) => {
    state.members.get(id)?.set(p.user.id, { name: p.user.display_name, online });
    if (id === state.current) renderMembers();
  };
  socket.on("user.online", presence(true));
  socket.on("user.offline", presence(false));
  socket.on("user_added.channel", (p) => {
    state.members.get(id)?.set(p.user.id, { name: p.user.display_name, online: p.user.online_status });
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
  const lock = (held: boolean) => (p: LockObject) => {
    let locks = state.locks.get(id);
    if (!locks) state.locks.set(id, (locks = new Map()));
    if (held) locks.set(p.lock_id, p);
    else locks.delete(p.lock_id);
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
    const map = new Map<number, { name: string; online: boolean }>();
    for (const m of members) map.set(m.id, { name: m.display_name, online: m.online_status });
    state.members.set(id, map);
    if (id === state.current) renderMembers();
  } catch (err) {
    fail("channel.members", err);
  }
}

async function selectChannel(id: number): Promise<void> {
  if (!state.client) return;
  state.current = id;
  state.typing.clear();
  state.editing = null;
  location.hash = String(id);
  const entry = state.channels.get(id);
  if (entry) entry.unread = 0;
  const socket = state.client.channel(id);
  wire(socket, id);
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

function markRead(messageId: number): void {
  const id = state.current;
  if (id === null || !state.client || document.visibilityState === "hidden") return;
  // A request (correlationId) so a server without read receipts answers this promise, not a toast.
  state.client
    .channel(id)
    .request("ws_read_notification", { channel_id: id, message_id: messageId })
    .catch((err) => console.debug("read notification", err));
}

// --- rendering the channel ----------------------------------------------------------------------

function renderChannel(): void {
  const id = state.current;
  $("channel-view").hidden = id === null;
  if (id === null) return;
  $("channel-title").textContent = `# ${state.channels.get(id)?.channel.channel_name ?? id}`;
  renderMembers();
  renderMessages();
  renderTyping();
  renderLocks();
  renderConnection();
}

function renderMembers(): void {
  const id = state.current;
  const members = id === null ? [] : [...(state.members.get(id)?.entries() ?? [])];
  $("members").replaceChildren(
    ...members.map(([uid, m]) =>
      h(
        "li",
        { "data-user": uid, "data-online": m.online ? "yes" : "no" },
        h("span", { class: m.online ? "dot online" : "dot", title: m.online ? "online" : "offline" }),
        m.name,
      ),
    ),
  );
}

function reactionGroups(m: MessageObject): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const e of m.emoticons ?? []) groups.set(e.ev, [...(groups.get(e.ev) ?? []), e.uid]);
  return groups;
}

function renderMessages(): void {
  const id = state.current;
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const messages = id === null ? [] : [...messagesOf(id).values()].sort((a, b) => a.id - b.id);
  list.replaceChildren(...messages.map(renderMessage));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

/** Text of a message: user text verbatim; bot messages carry `{type, bot_message}`. */
function contentText(content: MessageObject["content"]): string {
  if (typeof content === "string") return content;
  const bot = (content as { bot_message?: unknown }).bot_message;
  return typeof bot === "string" ? bot : JSON.stringify(content);
}

/** A member's display name: the current channel's members first, then any channel's, then mine. */
function nameOf(id: number): string | undefined {
  const here = state.current === null ? undefined : state.members.get(state.current)?.get(id);
  if (here) return here.name;
  for (const members of state.members.values()) {
    const m = members.get(id);
    if (m) return m.name;
  }
  return id === state.me?.id ? state.me.display_name : undefined;
}

function renderPart(part: TextPart): Node | string {
  return typeof part === "string" ? part : h("span", { class: "mention", title: `user ${part.id}` }, `@${part.name}`);
}

function renderMessage(m: MessageObject): HTMLElement {
  const mine = m.user_id === state.me?.id;
  const text = contentText(m.content);
  const reactions = [...reactionGroups(m)].map(([emoji, uids]) =>
    h("button", { type: "button", class: uids.includes(state.me?.id ?? -1) ? "reaction mine" : "reaction", onclick: () => void react(m, emoji) }, `${emoji} ${uids.length}`),
  );
  const body =
    state.editing === m.id
      ? h(
          "form",
          { class: "edit", onsubmit: (ev: Event) => void saveEdit(ev, m) },
          h("input", { name: "text", value: text, "aria-label": "edit message" }),
          h("button", { type: "submit" }, "save"),
          h("button", { type: "button", onclick: () => ((state.editing = null), renderMessages()) }, "cancel"),
        )
      : h("span", { class: "content" }, ...mentionParts(text, nameOf).map(renderPart));
  return h(
    "li",
    { "data-id": m.id, class: m.message_type === 5 ? "bot" : mine ? "mine" : "" },
    h("span", { class: "author" }, m.display_name),
    body,
    m.is_edited ? h("span", { class: "edited" }, "(edited)") : null,
    h(
      "span",
      { class: "meta" },
      m.read_user_count > 0 ? h("span", { class: "read", title: "read receipts" }, `read by ${m.read_user_count}`) : null,
      ...reactions,
      h("button", { type: "button", class: "act", title: `react ${REACTION}`, onclick: () => void react(m, REACTION) }, `+${REACTION}`),
      mine ? h("button", { type: "button", class: "act", onclick: () => ((state.editing = m.id), renderMessages()) }, "edit") : null,
      mine ? h("button", { type: "button", class: "act", onclick: () => void remove(m) }, "delete") : null,
    ),
  );
}

function renderTyping(): void {
  const now = Date.now();
  for (const [uid, t] of state.typing) if (t.until <= now) state.typing.delete(uid);
  const names = [...state.typing.values()].map((t) => t.name);
  $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

function renderLocks(): void {
  const id = state.current;
  const locks = id === null ? [] : [...(state.locks.get(id)?.values() ?? [])];
  $("lock-list").replaceChildren(
    ...locks.map((l) =>
      h(
        "li",
        { "data-lock": l.lock_id },
        `🔒 ${l.path} — held by ${state.members.get(l.channel_id)?.get(l.user_id)?.name ?? `#${l.user_id}`}`,
        l.expires_on_ts ? ` until ${new Date(l.expires_on_ts * 1000).toLocaleTimeString()}` : "",
        h("button", { type: "button", onclick: () => void releaseLock(l) }, "release"),
      ),
    ),
  );
}

// --- actions ------------------------------------------------------------------------------------

async function send(ev: Event): Promise<void> {
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

function typing(): void {
  const id = state.current;
  const now = Date.now();
  if (!state.client || id === null || now - state.lastTypingSent < 2000) return;
  state.lastTypingSent = now;
  state.client.channel(id).send("ws_ephemeral_typing", { channel_id: id });
}

async function react(m: MessageObject, emoji: string): Promise<void> {
  if (!state.client) return;
  const mine = m.emoticons?.some((e) => e.ev === emoji && e.uid === state.me?.id) ?? false;
  try {
    await state.client.http.reactMessage(m.channel_id, m.id, emoji, mine);
  } catch (err) {
    fail("chat.reactmessage", err);
  }
}

async function saveEdit(ev: Event, m: MessageObject): Promise<void> {
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

async function remove(m: MessageObject): Promise<void> {
  if (!state.client) return;
  try {
    await state.client.http.deleteMessage(m.channel_id, m.id);
    messagesOf(m.channel_id).delete(m.id);
    renderMessages();
  } catch (err) {
    fail("chat.deletemessage", err);
  }
}

async function acquireLock(ev: Event): Promise<void> {
  ev.preventDefault();
  const id = state.current;
  const path = input("lock-path").value.trim();
  if (!state.client || id === null || !path) return;
  try {
    const { lock } = await state.client.http.acquireLock(id, path, 120);
    let locks = state.locks.get(id);
    if (!locks) state.locks.set(id, (locks = new Map()));
    locks.set(lock.lock_id, lock);
    renderLocks();
  } catch (err) {
    fail("lock.acquire", err);
  }
}

async function releaseLock(l: LockObject): Promise<void> {
  if (!state.client) return;
  try {
    await state.client.http.releaseLock(l.channel_id, l.lock_id);
    state.locks.get(l.channel_id)?.delete(l.lock_id);
    renderLocks();
  } catch (err) {
    fail("lock.release", err);
  }
}

// --- boot ---------------------------------------------------------------------------------------

function boot(): void {
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void onLogin(false);
  });
  $("signup").addEventListener("click", () => void onLogin(true));
  $("logout").addEventListener("click", () => void logout());
  $("new-channel").addEventListener("submit", (ev) => void createChannel(ev));
  $("composer").addEventListener("submit", (ev) => void send(ev));
  input("text").addEventListener("input", typing);
  $("lock-form").addEventListener("submit", (ev) => void acquireLock(ev));
  setInterval(renderTyping, 1000);
  window.addEventListener("beforeunload", () => state.client?.close());
  void resumeSession();
}

boot();
