import { createExecutionContext, env, evictDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEV_JWT_SECRET, keyId } from "../../src/auth/tokens";
import { createApp } from "../../src/app";
import { accessToken, claimsOf, rtmToken } from "../helpers/requests";
import { sessionOf } from "../helpers/tokens";
import type { TestSocket } from "../helpers/socket";
import { BASE, api, channelSocket, channelStub, userSocket } from "../helpers/workerd";

/** SESSION_CHECK_TTL_MS in vitest.config.ts, plus room for a slow machine. */
const BOUND_MS = 1000;
const AFTER_BOUND_MS = BOUND_MS + 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REVOKED = { code: 4001, reason: "session revoked" };

/** A second login of the same user (another device), with its own ws token. */
async function secondDevice(email: string, password: string, fingerprint = "phone") {
  const login = await api.ok("user.login", { email, password, fingerprint });
  const rtm = await api.ok("rtm.connect", {}, login.token);
  return { token: login.token as string, wsToken: rtm.rtm.ws_token as string };
}

async function authedSockets(userId: number, channelId: number, wsToken: string): Promise<TestSocket[]> {
  const channel = await channelSocket(channelId);
  await channel.auth(wsToken);
  const stream = await userSocket(userId);
  await stream.auth(wsToken);
  return [channel, stream];
}

describe("sessions: login, listing", () => {
  it("each login is a session named by its device; every token carries it; user.sessions marks the current one", async () => {
    const alice = await api.newUser("Alice");
    const phone = await api.ok("user.login", { email: alice.email, password: alice.password, fingerprint: "pixel" });
    const aSid = sessionOf(alice.token);
    const phoneSid = sessionOf(phone.token);
    expect(aSid).toBeGreaterThan(71009999);
    expect(phoneSid).not.toBe(aSid);
    expect(sessionOf(alice.wsToken)).toBe(aSid);
    const { sessions } = await api.ok("user.sessions", {}, phone.token);
    expect(sessions.map((s: { session_id: number }) => s.session_id)).toEqual([phoneSid, aSid]);
    expect(sessions.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
    expect(sessions[0].device).toMatch(/\(pixel\)$/);
    expect(sessions[0].created_on_ts).toBe(sessions[0].last_seen_on_ts);
  });

  it("last_seen_on follows the session's use (re-read after the cache bound, written at most once a minute)", async () => {
    const alice = await api.newUser("Alice");
    const sid = sessionOf(alice.token);
    const longAgo = Date.now() - 3_600_000;
    await env.DB.prepare("UPDATE sessions SET last_seen_on = ?2 WHERE id = ?1").bind(sid, longAgo).run();
    await sleep(AFTER_BOUND_MS);
    const before = Math.floor(Date.now() / 1000);
    await api.ok("user.info", {}, alice.token);
    const { sessions } = await api.ok("user.sessions", {}, alice.token);
    expect(sessions[0].last_seen_on_ts).toBeGreaterThanOrEqual(before);
  });

  it("a token naming no session (or another user's) is refused: 401 over HTTP, 4001 on a socket", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    for (const sid of [undefined, sessionOf(bob.token)]) {
      const res = await api.call("user.info", {}, await accessToken(alice.user.id, { sid }));
      expect(res.status).toBe(401);
      expect(res.body.meta.code).toBe("session_revoked");
      const ws = await userSocket(alice.user.id);
      ws.send({ command: "ws_auth", auth_token: await rtmToken(alice.user.id, { sid }) });
      expect(await ws.waitClose()).toEqual(REVOKED);
    }
  });
});

describe("sessions: ending them", () => {
  it("user.logout: the bearer gets 401, rtm.connect refuses, its sockets close 4001; another device keeps working", async () => {
    const alice = await api.newUser("Alice");
    const other = await secondDevice(alice.email, alice.password);
    const channel = await api.newChannel(alice.token, [], "logout");
    const mine = await authedSockets(alice.user.id, channel.id, alice.wsToken);
    const theirs = await authedSockets(alice.user.id, channel.id, other.wsToken);

    await api.ok("user.logout", {}, alice.token);
    for (const s of mine) expect(await s.waitClose(1000)).toEqual(REVOKED);
    expect((await api.call("user.info", {}, alice.token)).status).toBe(401);
    expect((await api.call("rtm.connect", {}, alice.token)).status).toBe(401);
    const again = await channelSocket(channel.id);
    again.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect(await again.waitClose()).toEqual(REVOKED);

    await api.ok("user.info", {}, other.token);
    for (const s of theirs) expect(s.closed).toBeNull();
    theirs[0]!.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t" });
    expect((await theirs[0]!.reply("t")).type).toBe("success");
  });

  it("user.logout.all ends every other session, closing their sockets, even in a hibernated room; the caller keeps working", async () => {
    const alice = await api.newUser("Alice");
    const b = await secondDevice(alice.email, alice.password);
    const channel = await api.newChannel(alice.token, [], "all");
    const [aChannel] = await authedSockets(alice.user.id, channel.id, alice.wsToken);
    const bSockets = await authedSockets(alice.user.id, channel.id, b.wsToken);
    await evictDurableObject(channelStub(channel.id));

    const { ended } = await api.ok("user.logout.all", {}, alice.token);
    expect(ended).toBe(1);
    for (const s of bSockets) expect(await s.waitClose(1000)).toEqual(REVOKED);
    expect((await api.call("user.info", {}, b.token)).status).toBe(401);
    await api.ok("user.info", {}, alice.token);
    expect(aChannel!.closed).toBeNull();
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "still here" }, alice.token);
    expect((await aChannel!.event("chat.postMessage")).payload.message.content).toBe("still here");
  });

  it("user.session.revoke ends one of the caller's sessions; another user's, an ended or an unknown id is 404", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const b = await secondDevice(alice.email, alice.password);
    for (const session_id of [sessionOf(bob.token), 99_999_999]) {
      const res = await api.call("user.session.revoke", { session_id }, alice.token);
      expect(res.status).toBe(404);
      expect(res.body.meta.code).toBe("session_not_found");
    }
    await api.ok("user.info", {}, bob.token); // untouched
    await api.ok("user.session.revoke", { session_id: sessionOf(b.token) }, alice.token);
    expect((await api.call("user.info", {}, b.token)).status).toBe(401);
    expect((await api.call("user.session.revoke", { session_id: sessionOf(b.token) }, alice.token)).status).toBe(404);
    expect((await api.call("user.session.revoke", { session_id: "x" }, alice.token)).status).toBe(422);
    const { sessions } = await api.ok("user.sessions", {}, alice.token);
    expect(sessions.map((s: { session_id: number }) => s.session_id)).toEqual([sessionOf(alice.token)]);
  });
});

describe("sessions: a revocation made elsewhere is seen within SESSION_CHECK_TTL_MS", () => {
  /** Revokes in D1 only, as another isolate would: nothing in this isolate hears about it. */
  const revokeElsewhere = (sid: number) => env.DB.prepare("UPDATE sessions SET revoked_on = ?2 WHERE id = ?1").bind(sid, Date.now()).run();

  it("by the worker's bearer check and by a room that cached the token before the revocation and then hibernated", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "bound");
    const old = await channelSocket(channel.id);
    await old.auth(alice.wsToken); // the room now holds the session as live
    await api.ok("user.info", {}, alice.token); // and so does the worker

    await revokeElsewhere(sessionOf(alice.token));
    await evictDurableObject(channelStub(channel.id));
    await sleep(AFTER_BOUND_MS);

    const res = await api.call("user.info", {}, alice.token);
    expect(res.status).toBe(401);
    expect(res.body.meta.code).toBe("session_revoked");
    expect((await api.call("rtm.connect", {}, alice.token)).status).toBe(401);
    const fresh = await channelSocket(channel.id);
    fresh.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect(await fresh.waitClose()).toEqual(REVOKED);
    // the socket that survived the hibernation is refused at its next ws_auth
    old.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect(await old.waitClose()).toEqual(REVOKED);
  });
});

describe("key rotation: JWT_SECRET and JWT_SECRET_PREVIOUS", () => {
  async function userInfo(token: string, vars: Record<string, string>): Promise<number> {
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/api/v1/user.info`, { method: "POST", headers: { authorization: `Bearer ${token}` } }),
      { ...env, ...vars },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res.status;
  }

  it("a token of the previous secret is accepted while it is configured and refused once it is removed", async () => {
    const alice = await api.newUser("Alice");
    const rotating = { JWT_SECRET: "the-next-secret", JWT_SECRET_PREVIOUS: DEV_JWT_SECRET };
    const rotated = { JWT_SECRET: "the-next-secret" };
    expect(await userInfo(alice.token, rotating)).toBe(200);
    expect(await userInfo(alice.token, rotated)).toBe(401);
    expect(await userInfo(alice.token, {})).toBe(200); // the old secret as the current one still knows it
  });

  it("new tokens are signed with the current secret and name it by kid", async () => {
    const alice = await api.newUser("Alice");
    const ctx = createExecutionContext();
    const rotating = { ...env, JWT_SECRET: "the-next-secret", JWT_SECRET_PREVIOUS: DEV_JWT_SECRET };
    const res = await createApp().fetch(
      new Request(`${BASE}/api/v1/user.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: alice.email, password: alice.password }),
      }),
      rotating,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const { token } = (await res.json()) as { token: string };
    const header = JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));
    expect(header.kid).toBe(await keyId(new TextEncoder().encode("the-next-secret")));
    expect(claimsOf(token).sid).toBeGreaterThan(0);
    expect(await userInfo(token, { JWT_SECRET: "the-next-secret" })).toBe(200);
    expect(await userInfo(token, {})).toBe(401); // the development secret never signed it
  });
});

describe("user.password.change", () => {
  it("ends every other session (401, sockets 4001); the caller keeps working; only the new password logs in", async () => {
    const alice = await api.newUser("Alice");
    const b = await secondDevice(alice.email, alice.password);
    const channel = await api.newChannel(alice.token, [], "pw");
    const bSockets = await authedSockets(alice.user.id, channel.id, b.wsToken);
    const { ended } = await api.ok("user.password.change", { current_password: alice.password, new_password: "a brand new secret" }, alice.token);
    expect(ended).toBe(1);
    for (const s of bSockets) expect(await s.waitClose(1000)).toEqual(REVOKED);
    expect((await api.call("user.info", {}, b.token)).status).toBe(401);
    await api.ok("user.info", {}, alice.token);
    expect((await api.call("user.login", { email: alice.email, password: alice.password })).status).toBe(401);
    await api.ok("user.login", { email: alice.email, password: "a brand new secret" });
  });

  it("a new password breaking the rules is 422; a wrong current one is 401 and counts toward the lockout", async () => {
    const alice = await api.newUser("Alice");
    for (const new_password of ["short", "x".repeat(101), undefined]) {
      const res = await api.call("user.password.change", { current_password: alice.password, new_password }, alice.token);
      expect(res.status).toBe(422);
      expect(res.body.new_password).toBeTypeOf("string");
    }
    const wrong = { current_password: "not the password", new_password: "a brand new secret" };
    for (let i = 0; i < 2; i++) expect((await api.call("user.password.change", wrong, alice.token)).status).toBe(401);
    // the third failure is the login's: it starts the lock for password checks and logins alike
    expect((await api.call("user.login", { email: alice.email, password: "nope nope" })).status).toBe(401);
    const locked = await api.call("user.password.change", { ...wrong, current_password: alice.password }, alice.token);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api.call("user.login", { email: alice.email, password: alice.password })).status).toBe(429);
    await api.ok("user.info", {}, alice.token); // nothing ended
  });
});

describe("user.delete", () => {
  it("without the right password: 401, nothing deleted", async () => {
    const alice = await api.newUser("Alice");
    for (const params of [{}, { password: "wrong password" }]) {
      const res = await api.call("user.delete", params, alice.token);
      expect(res.status).toBe(401);
      expect(res.body.password).toBeTypeOf("string");
    }
    await api.ok("user.info", {}, alice.token);
  });

  it("leaves every channel with a leave's events, ends the sockets, keeps the messages under the placeholder; the email signs up again", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "bye");
    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "remember me" }, alice.token);
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: message.id, emoji_value: "👍" }, alice.token);
    const bobSocket = await channelSocket(channel.id);
    await bobSocket.auth(bob.wsToken);
    const aliceSockets = await authedSockets(alice.user.id, channel.id, alice.wsToken);

    await api.ok("user.delete", { password: alice.password }, alice.token);
    const removed = await bobSocket.event("user_removed.channel");
    expect(removed.payload).toEqual({ removed_user_id: alice.user.id, removed_by_user_id: alice.user.id, channel_id: channel.id });
    const update = await bobSocket.event("channel.update");
    expect(update.payload.channel.created_by).toBe(alice.user.id);
    expect(update.payload.channel.members.map((m: { id: number }) => m.id)).toEqual([bob.user.id]);
    for (const s of aliceSockets) expect(s.closed).not.toBeNull();

    const { members } = await api.ok("channel.members", { channel_id: channel.id }, bob.token);
    expect(members.map((m: { id: number; user_role: number }) => [m.id, m.user_role])).toEqual([[bob.user.id, 100]]);
    const { messages } = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    const kept = messages.find((m: { id: number }) => m.id === message.id);
    expect(kept).toMatchObject({ user_id: alice.user.id, display_name: "Deleted user", content: "remember me" });
    expect(kept.emoticons).toEqual([{ uid: alice.user.id, dn: "Deleted user", ev: "👍" }]);

    expect((await api.call("user.info", {}, alice.token)).status).toBe(401);
    expect((await api.call("user.login", { email: alice.email, password: alice.password })).status).toBe(401);
    expect((await api.call("channel.adduser", { channel_id: channel.id, user_id: alice.user.id }, bob.token)).status).toBe(404);
    const again = await api.ok("user.create", { email: alice.email, password: "another password", name: "Alice 2" });
    expect(again.user.id).not.toBe(alice.user.id);
    await api.ok("user.login", { email: alice.email, password: "another password" });
  });
});
