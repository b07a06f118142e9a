import type { Context } from "hono";
import { deviceLabel } from "../../auth/device";
import { hashPassword } from "../../auth/passwords";
import { formatTime, unixSeconds } from "../../protocol/objects";
import { channelRoom, userRoom } from "../../rooms/stubs";
import { Directory, type UserRecord } from "../../storage/directory";
import { type SessionRow, SessionStore } from "../../storage/sessionStore";
import { endSessions } from "../../user/sessions";
import type { AppEnv } from "../context";
import { ApiError, success, unwrap } from "../errors";
import { confirmPassword } from "../passwordCheck";
import type { RouteHandlers } from "../routeHandler";

/**
 * Sessions a person controls (docs/security.md, "Sessions and revocation"): every login is a
 * session; the routes here list them and end them, change the password (ending the others) and
 * delete the account.
 */

/** `user.login`: a new session for this device. Rows no token can use any more are dropped first. */
export async function startSession(c: Context<AppEnv>, userId: number, fingerprint: string, now: number): Promise<number> {
  const config = c.get("config");
  const store = new SessionStore(c.env.DB);
  // A ws token issued in a session's last second outlives it by one ws token lifetime.
  await store.prune(userId, now - (config.accessTokenTtlSeconds + config.wsTokenTtlSeconds) * 1000);
  const device = deviceLabel(c.req.header("user-agent") ?? "", fingerprint);
  return (await store.create(userId, device, now)).id;
}

function sessionObject(row: SessionRow, currentId: number) {
  return {
    session_id: row.id,
    device: row.device,
    created_on: formatTime(row.created_on),
    created_on_ts: unixSeconds(row.created_on),
    last_seen_on: formatTime(row.last_seen_on),
    last_seen_on_ts: unixSeconds(row.last_seen_on),
    current: row.id === currentId,
  };
}

async function caller(c: Context<AppEnv>): Promise<UserRecord> {
  const user = await new Directory(c.env.DB).userById(c.get("userId"));
  if (!user) throw new ApiError(404, "user_not_found", "no such user");
  return user;
}

export const sessionHandlers = {
  "user.sessions": async (c) => {
    const rows = await new SessionStore(c.env.DB).live(c.get("userId"), Date.now() - c.get("config").accessTokenTtlSeconds * 1000);
    return success(c, { sessions: rows.map((r) => sessionObject(r, c.get("sessionId"))) });
  },

  "user.logout": async (c) => {
    await endSessions(c.env, c.get("userId"), { only: c.get("sessionId") });
    return success(c);
  },

  "user.session.revoke": async (c, { session_id }) => {
    // Another user's session, an ended one and one that never existed look the same: 404.
    const ended = await endSessions(c.env, c.get("userId"), { only: session_id });
    if (ended.length === 0) throw new ApiError(404, "session_not_found", "no such session");
    return success(c);
  },

  "user.logout.all": async (c) => {
    const ended = await endSessions(c.env, c.get("userId"), { except: c.get("sessionId") });
    return success(c, { ended: ended.length });
  },

  "user.password.change": async (c, p) => {
    const dir = new Directory(c.env.DB);
    const user = await caller(c);
    await confirmPassword(dir, user, "current_password", p.current_password, Date.now());
    await dir.setPasswordHash(user.id, await hashPassword(p.new_password, c.get("config").pbkdf2Iterations));
    const ended = await endSessions(c.env, user.id, { except: c.get("sessionId") });
    return success(c, { ended: ended.length });
  },

  /**
   * `user.delete`: the user leaves every channel (the same events as `channel.leave`; their
   * messages stay, under the "Deleted user" name), every session ends and its sockets close, the
   * user room forgets alerts and unread counts, and the directory forgets the account. The leaves
   * come first so that a failure part-way leaves a signed-in user who can simply retry.
   */
  "user.delete": async (c, p) => {
    const dir = new Directory(c.env.DB);
    const user = await caller(c);
    await confirmPassword(dir, user, "password", p.password, Date.now());
    for (const channelId of await dir.channelIdsOf(user.id)) {
      unwrap(await channelRoom(c.env, channelId).userDeleted(user.id));
    }
    await endSessions(c.env, user.id, { except: null });
    await userRoom(c.env, user.id).accountDeleted();
    await dir.deleteUser(user, [new SessionStore(c.env.DB).deleteAllStatement(user.id)]);
    return success(c);
  },
} satisfies Partial<RouteHandlers>;
