/**
 * Where a durable event carries a message's content, and how to change it there. The event log
 * keeps each frame's bytes for resume; a delete or an edit rewrites the frames that carry the
 * message, so a replay never shows what `channel.history` would not (docs/resume.md, "Redaction").
 *
 * Places a message appears in a channel's durable payloads: `payload.message` (posts, edits,
 * reactions, read receipts), its `parent_message` (a quote), and `payload.channel.latest_message`
 * with its own `parent_message` (channel updates).
 */
type Node = Record<string, unknown>;

function obj(v: unknown): Node | null {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Node) : null;
}

/** The message objects a payload carries, each with the key holding its id. */
function carried(payload: unknown): { node: Node; idKey: "id" | "message_id" }[] {
  const out: { node: Node; idKey: "id" | "message_id" }[] = [];
  const addMessage = (m: Node | null) => {
    if (!m) return;
    out.push({ node: m, idKey: "id" });
    const parent = obj(m.parent_message);
    if (parent) out.push({ node: parent, idKey: "message_id" });
  };
  const p = obj(payload);
  if (!p) return out;
  addMessage(obj(p.message));
  addMessage(obj(obj(p.channel)?.latest_message));
  return out;
}

/** Ids of the messages whose content a payload carries (what the log indexes per frame). */
export function messageRefs(payload: unknown): number[] {
  const ids = new Set<number>();
  for (const { node, idKey } of carried(payload)) {
    const id = node[idKey];
    if (typeof id === "number") ids.add(id);
  }
  return [...ids];
}

/**
 * Sets the content of message `id` wherever `payload` carries it; true when anything changed.
 * Only `content` changes: the frame stays the event it was, with the message's current text
 * (an edit) or none (a delete: empty text, the later `chat.deleteMessage` stands for it).
 */
export function setMessageContent(payload: unknown, id: number, content: string | object): boolean {
  let changed = false;
  for (const { node, idKey } of carried(payload)) {
    if (node[idKey] !== id) continue;
    if (JSON.stringify(node.content) === JSON.stringify(content)) continue;
    node.content = content;
    changed = true;
  }
  return changed;
}

/** What a deleted message's frames carry in place of its content. */
export const REDACTED_CONTENT = "";
