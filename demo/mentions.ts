import { AT, LINK } from "../src/channel/mentions";

/** A piece of message text: plain text, or a mention shown by name. */
export type TextPart = string | { id: number; name: string };

/**
 * Splits text into plain runs and mentions, in both forms the server reads (`@<id>` and
 * `[Name](user://<id>)`), naming each mentioned user by `nameOf` (their current display name); a
 * link keeps its own label, and a bare id stays an id, when the name is not known here.
 */
export function mentionParts(text: string, nameOf: (id: number) => string | undefined): TextPart[] {
  const found: { at: number; end: number; id: number; label?: string }[] = [];
  for (const m of text.matchAll(AT)) found.push({ at: m.index, end: m.index + m[0].length, id: Number(m[1]) });
  for (const m of text.matchAll(LINK)) {
    found.push({ at: m.index, end: m.index + m[0].length, id: Number(m[1]), label: m[0].slice(1, m[0].indexOf("](")) });
  }
  found.sort((a, b) => a.at - b.at);
  const parts: TextPart[] = [];
  let pos = 0;
  for (const f of found) {
    if (f.at < pos) continue; // an @id inside a link's label belongs to the link
    if (f.at > pos) parts.push(text.slice(pos, f.at));
    parts.push({ id: f.id, name: nameOf(f.id) ?? f.label ?? String(f.id) });
    pos = f.end;
  }
  if (pos < text.length) parts.push(text.slice(pos));
  return parts;
}
