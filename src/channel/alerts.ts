export type { AlertInput, AlertObject } from "../contracts/alerts";

/**
 * Who gets an `alert.notification` and what it says (pure): a mention of a member
 * other than the author, a reaction by someone else to your message, a quote of your message;
 * never for non-members or oneself; one alert per target per message event.
 */
export type AlertReason = "mention" | "quote" | "reaction";

export interface AlertTarget {
  user_id: number;
  reason: AlertReason;
}

/** At most this many alerts from one message (a text can name many ids; each costs an RPC). */
export const MAX_ALERT_TARGETS = 50;

export function postTargets(input: {
  author: number;
  mentioned: readonly number[];
  quotedAuthor: number | null;
  isMember: (id: number) => boolean;
}): AlertTarget[] {
  const out: AlertTarget[] = [];
  const seen = new Set<number>([input.author]);
  const add = (id: number, reason: AlertReason) => {
    if (seen.has(id) || !input.isMember(id) || out.length >= MAX_ALERT_TARGETS) return;
    seen.add(id);
    out.push({ user_id: id, reason });
  };
  for (const id of input.mentioned) add(id, "mention");
  if (input.quotedAuthor !== null) add(input.quotedAuthor, "quote");
  return out;
}

export function reactionTarget(input: { reactor: number; author: number; isMember: (id: number) => boolean }): AlertTarget | null {
  if (input.reactor === input.author || !input.isMember(input.author)) return null;
  return { user_id: input.author, reason: "reaction" };
}

const SNIPPET_CHARS = 100;

/** Text of a message for an alert: bot content by its bot_message, cut to 100 code points. */
export function snippet(content: string | object): string {
  let text: string;
  if (typeof content === "string") text = content;
  else {
    const bot = (content as { bot_message?: unknown }).bot_message;
    text = typeof bot === "string" ? bot : JSON.stringify(content);
  }
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length > SNIPPET_CHARS ? `${chars.slice(0, SNIPPET_CHARS).join("")}...` : chars.join("");
}

export function alertText(reason: AlertReason, from: string, content: string | object, emoji?: string): string {
  const s = snippet(content);
  switch (reason) {
    case "mention":
      return `${from} mentioned you: ${s}`;
    case "quote":
      return `${from} quoted your message: ${s}`;
    case "reaction":
      return `${from} reacted ${emoji ?? ""} to your message: ${s}`;
  }
}
