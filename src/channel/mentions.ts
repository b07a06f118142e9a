/**
 * Mentions in message text: `@<user_id>` and AirSend's `[Name](user://<user_id>)`.
 * Pure; returns distinct ids in order of first appearance. `@` must not follow a word character
 * (so `me@123.example` is an address, not a mention) and the digits must end the token.
 */
export const AT = /(?<![\w@])@([1-9][0-9]{0,14})(?![\w])/g;
export const LINK = /\[[^\]\n]*\]\(user:\/\/([1-9][0-9]{0,14})\)/g;

export function mentionedIds(text: string): number[] {
  const found: { at: number; id: number }[] = [];
  for (const m of text.matchAll(AT)) found.push({ at: m.index ?? 0, id: Number(m[1]) });
  for (const m of text.matchAll(LINK)) found.push({ at: m.index ?? 0, id: Number(m[1]) });
  found.sort((a, b) => a.at - b.at);
  const out: number[] = [];
  for (const f of found) if (!out.includes(f.id)) out.push(f.id);
  return out;
}

/** Ids mentioned in `after` but not in `before` (an edit alerts only newly mentioned users). */
export function newlyMentioned(before: string, after: string): number[] {
  const old = new Set(mentionedIds(before));
  return mentionedIds(after).filter((id) => !old.has(id));
}
