import { sessionLive } from "../auth/sessionGate";
import { TokenError, type RtmClaims, verifyToken, verifyingKeys } from "../auth/tokens";
import type { Config } from "../config";
import type { Env } from "../env";
import { CloseCode } from "../protocol/closeCodes";
import { buildEvent } from "../protocol/envelope";
import type { Clock } from "./clock";
import type { Admission, Conn } from "./conn";
import type { Session } from "./session";

/** Close reason of a socket whose session ended (docs/protocol.md#close-codes, 4001). */
export const SESSION_REVOKED = "session revoked";

/** What `ws_auth` needs of its room. */
export interface AuthHost {
  readonly env: Env;
  readonly config: Config;
  readonly clock: Clock;
  close(ws: WebSocket, conn: Conn, code: number, reason: string): Promise<void>;
  send(ws: WebSocket, text: string): void;
  persist(ws: WebSocket, conn: Conn): void;
  admit(claims: RtmClaims): Admission | Promise<Admission>;
  admissionUnused(userId: number): Promise<void> | void;
  /** the user's authenticated sockets here and on the room's other objects */
  socketsOf(userId: number): number;
  readyPayload(session: Session): Record<string, unknown>;
  /** a pending socket became the user's (count it as theirs, no longer as pending) */
  authenticated(ws: WebSocket, conn: Conn): void;
  /** the token expiry the alarm must see, and the time of the next ping check */
  socketDueBy(at: number): void;
  pingCheckDue(now: number): number;
  armAt(at: number): Promise<void>;
  /** first successful auth: the room's lifecycle work (presence) runs after this frame */
  firstAuth(session: Session): void;
}

/**
 * `ws_auth`: a token for a live login session, then, on a connection's first auth, the room's
 * admission and the per-user socket cap; answered by `rtm.ready` only (no separate success reply).
 * A later auth on the same connection refreshes the token of the same user.
 */
export async function authenticate(h: AuthHost, ws: WebSocket, conn: Conn, token: string): Promise<void> {
  let claims: RtmClaims;
  try {
    claims = await verifyToken(token, "rtm", verifyingKeys(h.env, h.config));
  } catch (err) {
    const reason = err instanceof TokenError && err.reason === "expired" ? "token expired" : "authentication failed";
    return h.close(ws, conn, CloseCode.AuthFailed, reason);
  }
  if (!(await sessionLive(h.env.DB, claims.sid, claims.user_id, h.config.sessionCheckTtlMs))) {
    return h.close(ws, conn, CloseCode.AuthFailed, SESSION_REVOKED);
  }
  if (conn.closed) return;
  const first = conn.s.uid === null;
  if (!first && claims.user_id !== conn.s.uid) {
    return h.close(ws, conn, CloseCode.AuthFailed, "token is for another user");
  }
  if (first) {
    const decided = h.admit(claims);
    const admission = decided instanceof Promise ? await decided : decided;
    if (!admission.ok) return h.close(ws, conn, admission.close.code, admission.close.reason);
    if (conn.closed) return h.admissionUnused(claims.user_id);
    // Checked and counted in one synchronous step, so concurrent auths cannot both take the last place.
    if (h.socketsOf(claims.user_id) >= h.config.maxSocketsPerUser) {
      await h.admissionUnused(claims.user_id);
      return h.close(ws, conn, CloseCode.RateLimited, "too many sockets");
    }
    conn.s.uid = claims.user_id;
    conn.s.name = claims.user_name;
    conn.s.ad = 0;
    h.authenticated(ws, conn);
  }
  conn.s.sid = claims.sid;
  conn.s.exp = claims.exp * 1000;
  h.socketDueBy(conn.s.exp);
  const now = h.clock.now();
  const ready = buildEvent("rtm.ready", { connection_id: conn.s.cid, user_id: claims.user_id, ...h.readyPayload(conn.s) }, now);
  h.persist(ws, conn); // after readyPayload, which may record state in the session
  h.send(ws, ready.text);
  await h.armAt(Math.min(conn.s.exp, h.pingCheckDue(now)));
  if (first) h.firstAuth(conn.s);
}
