import { SessionStore } from "../storage/sessionStore";

/**
 * Is a token's session still live? Answered from this isolate's memory for up to
 * SESSION_CHECK_TTL_MS (default 5 s), then from D1, so no frame or request waits on a database
 * read while a revocation made anywhere is seen everywhere within that bound. A revocation made or
 * pushed in this isolate (`markSessionsEnded`) takes effect here at once. The cache lives at module
 * level, so it outlives a hibernated room's instance but never an entry's TTL.
 */
interface Entry {
  userId: number;
  live: boolean;
  /** live entries are re-read from D1 after this (ms); an ended session stays ended */
  until: number;
}

const entries = new Map<number, Entry>();
const ENTRIES_MAX = 8192;
/** `last_seen_on` is written at most this often per session (a login's "last seen" is to the minute). */
const LAST_SEEN_RESOLUTION_MS = 60_000;

function remember(sid: number, entry: Entry): void {
  entries.delete(sid);
  if (entries.size >= ENTRIES_MAX) entries.delete(entries.keys().next().value!);
  entries.set(sid, entry);
}

export async function sessionLive(db: D1Database, sid: number, userId: number, ttlMs: number): Promise<boolean> {
  const now = Date.now();
  const hit = entries.get(sid);
  if (hit && (!hit.live || hit.until > now)) return hit.live && hit.userId === userId;
  const store = new SessionStore(db);
  const row = await store.get(sid);
  const live = row !== null && row.revoked_on === null;
  // A concurrent markSessionsEnded() may have landed while D1 answered: an end is never undone here.
  if (entries.get(sid)?.live !== false) remember(sid, { userId: row?.user_id ?? userId, live, until: now + ttlMs });
  if (live && row.last_seen_on <= now - LAST_SEEN_RESOLUTION_MS) await store.touch(sid, now);
  return live && row.user_id === userId && entries.get(sid)?.live !== false;
}

/** These sessions have ended: refuse them in this isolate from now on. */
export function markSessionsEnded(userId: number, sids: readonly number[]): void {
  for (const sid of sids) remember(sid, { userId, live: false, until: Number.POSITIVE_INFINITY });
}
