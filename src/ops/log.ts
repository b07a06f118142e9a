/**
 * Structured JSON logs (one line per record; Workers Logs indexes the fields). Records carry a
 * request or connection id, level, room and user id. Values under keys that could hold secrets or
 * user content are dropped, so passwords, tokens and message text never reach a log line.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface LogFields {
  rid?: string;
  cid?: string;
  room?: string;
  user_id?: number | null;
  [key: string]: unknown;
}

const FORBIDDEN = /pass|token|secret|auth|cookie|text|content|message|body|email|filters/i;

export function redact(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = FORBIDDEN.test(k) ? "[redacted]" : v;
  }
  return out;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold = RANK.info;
let pinned = false;

/** LOG_LEVEL var (default info); the worker and each room apply it when they start. */
export function setLogLevel(level: string | undefined): void {
  if (!pinned && level && level in RANK) threshold = RANK[level as Level];
}

/** Tests pin a level that configuration does not override; `null` unpins. */
export function pinLogLevel(level: Level | null): void {
  pinned = level !== null;
  if (level) threshold = RANK[level];
}

export function log(level: Level, msg: string, fields: LogFields = {}): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...redact(fields) });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * Waits for every call of a fan-out and logs each one that failed under `msg` (with `fields`):
 * one failed room never stops the others, and every failure leaves one redacted line. Answers the
 * outcomes in the order of `calls`.
 */
export async function settleAll<T>(
  msg: string,
  calls: readonly T[],
  fields: LogFields = {},
  level: Level = "error",
): Promise<PromiseSettledResult<Awaited<T>>[]> {
  const results = await Promise.allSettled(calls);
  for (const r of results) if (r.status === "rejected") log(level, msg, { ...fields, err: String(r.reason) });
  return results;
}
