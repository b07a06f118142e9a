import { markSessionsEnded } from "../auth/sessionGate";
import type { Env } from "../env";
import { log } from "../ops/log";
import { userRoom } from "../rooms/stubs";
import { SessionStore } from "../storage/sessionStore";

/**
 * Ends some of a user's sessions. D1 first: it is what every isolate reads, so the bearer and ws
 * tokens of those sessions are refused everywhere within SESSION_CHECK_TTL_MS. Then this isolate
 * refuses them at once, and the user's room closes their sockets (its own and, through it, those
 * in the user's channels). Answers the ids ended (empty: none matched).
 */
export async function endSessions(
  env: Env,
  userId: number,
  which: { only: number } | { except: number | null },
): Promise<number[]> {
  const sids = await new SessionStore(env.DB).revoke(userId, Date.now(), which);
  if (sids.length === 0) return sids;
  markSessionsEnded(userId, sids);
  try {
    await userRoom(env, userId).sessionsEnded(userId, sids);
  } catch (err) {
    // The revocation stands: each socket is refused at its next ws_auth and ends with its ws token.
    log("warn", "session close fan-out failed", { user_id: userId, err: String(err) });
  }
  return sids;
}
