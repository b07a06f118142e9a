/**
 * Draws the state into the page: the connection label, the channel list and the open channel
 * (members, messages, typing, locks). Each render function redraws its part from scratch.
 */
import { ApiCallError, type LockObject, type MessageObject, type Status } from "@edge-realtime/client";
import { $, h, toast } from "./dom";
import { type TextPart, mentionParts } from "./mentions";
import { messagesOf, nameOf, state } from "./state";

const REACTION = "👍";

/**
 * What the drawn buttons do. app.ts supplies them: the modules that act import this one to
 * redraw, so importing them back would be a cycle.
 */
export interface Controls {
  selectChannel(id: number): void;
  react(m: MessageObject, emoji: string): void;
  saveEdit(ev: Event, m: MessageObject): void;
  remove(m: MessageObject): void;
  releaseLock(l: LockObject): void;
}

let controls: Controls | null = null;

export function useControls(c: Controls): void {
  controls = c;
}

/** Tells the user a call failed; a route the server lacks gets a gentler notice than a crash. */
export function fail(what: string, err: unknown): void {
  const missing = err instanceof ApiCallError && err.status === 404 && err.code === "not_found";
  const text = err instanceof Error ? err.message : String(err);
  toast(missing ? `${what}: this server does not offer that route yet` : `${what}: ${text}`, "error");
  console.warn(what, err);
}

export function renderConnection(): void {
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

export function renderChannels(): void {
  const list = $("channels");
  list.replaceChildren(
    ...[...state.channels.values()]
      .sort((a, b) => a.channel.id - b.channel.id)
      .map(({ channel, unread }) =>
        h(
          "li",
          { class: channel.id === state.current ? "active" : "", "data-channel": channel.id },
          h("button", { type: "button", onclick: () => controls?.selectChannel(channel.id) }, `# ${channel.channel_name}`),
          unread > 0 ? h("span", { class: "badge", title: "unread" }, unread) : null,
        ),
      ),
  );
}

export function renderChannel(): void {
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

export function renderMembers(): void {
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

export function renderMessages(): void {
  const id = state.current;
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const messages = id === null ? [] : [...messagesOf(id).values()].sort((a, b) => a.id - b.id);
  list.replaceChildren(...messages.map(renderMessage));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function reactionGroups(m: MessageObject): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const e of m.emoticons ?? []) groups.set(e.ev, [...(groups.get(e.ev) ?? []), e.uid]);
  return groups;
}

/** Text of a message: user text verbatim; bot messages carry `{type, bot_message}`. */
function contentText(content: MessageObject["content"]): string {
  if (typeof content === "string") return content;
  // Frames are not validated here: a bot message without its text still shows something.
  return typeof content.bot_message === "string" ? content.bot_message : JSON.stringify(content);
}

function renderPart(part: TextPart): Node | string {
  return typeof part === "string" ? part : h("span", { class: "mention", title: `user ${part.id}` }, `@${part.name}`);
}

function editMessage(id: number | null): void {
  state.editing = id;
  renderMessages();
}

function renderMessage(m: MessageObject): HTMLElement {
  const mine = m.user_id === state.me?.id;
  const text = contentText(m.content);
  const reactions = [...reactionGroups(m)].map(([emoji, uids]) =>
    h("button", { type: "button", class: uids.includes(state.me?.id ?? -1) ? "reaction mine" : "reaction", onclick: () => controls?.react(m, emoji) }, `${emoji} ${uids.length}`),
  );
  const body =
    state.editing === m.id
      ? h(
          "form",
          { class: "edit", onsubmit: (ev: Event) => controls?.saveEdit(ev, m) },
          h("input", { name: "text", value: text, "aria-label": "edit message" }),
          h("button", { type: "submit" }, "save"),
          h("button", { type: "button", onclick: () => editMessage(null) }, "cancel"),
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
      h("button", { type: "button", class: "act", title: `react ${REACTION}`, onclick: () => controls?.react(m, REACTION) }, `+${REACTION}`),
      mine ? h("button", { type: "button", class: "act", onclick: () => editMessage(m.id) }, "edit") : null,
      mine ? h("button", { type: "button", class: "act", onclick: () => controls?.remove(m) }, "delete") : null,
    ),
  );
}

export function renderTyping(): void {
  const now = Date.now();
  for (const [uid, t] of state.typing) if (t.until <= now) state.typing.delete(uid);
  const names = [...state.typing.values()].map((t) => t.name);
  $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

export function renderLocks(): void {
  const id = state.current;
  const locks = id === null ? [] : [...(state.locks.get(id)?.values() ?? [])];
  $("lock-list").replaceChildren(
    ...locks.map((l) =>
      h(
        "li",
        { "data-lock": l.lock_id },
        `🔒 ${l.path} — held by ${state.members.get(l.channel_id)?.get(l.user_id)?.name ?? `#${l.user_id}`}`,
        l.expires_on_ts ? ` until ${new Date(l.expires_on_ts * 1000).toLocaleTimeString()}` : "",
        h("button", { type: "button", onclick: () => controls?.releaseLock(l) }, "release"),
      ),
    ),
  );
}
