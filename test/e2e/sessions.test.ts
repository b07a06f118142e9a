import { describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config";
import { connect, nodeApi, wsUrl } from "../helpers/node";
import type { TestSocket } from "../helpers/socket";

const base = inject("baseUrl");
const api = nodeApi(base);
const channelUrl = (id: number) => wsUrl(base, `/rtm/ws/channel/${id}`);
const userUrl = (id: number) => wsUrl(base, `/rtm/ws/user/${id}`);
/** The documented bound (docs/security.md): SESSION_CHECK_TTL_MS as wrangler.toml sets it. */
const BOUND_MS = loadConfig({}).sessionCheckTtlMs;
const REVOKED = { code: 4001, reason: "session revoked" };

/** One device: its own login (session), ws token, channel socket and user stream. */
async function device(email: string, password: string, fingerprint: string, userId: number, channelId: number) {
  const login = await api.ok("user.login", { email, password, fingerprint });
  const rtm = await api.ok("rtm.connect", { fingerprint }, login.token);
  const channel = await connect(channelUrl(channelId));
  await channel.auth(rtm.rtm.ws_token);
  const stream = await connect(userUrl(userId));
  await stream.auth(rtm.rtm.ws_token);
  return { token: login.token as string, sockets: [channel, stream] as TestSocket[] };
}

/** The sockets close 4001 "session revoked" and the bearer gets 401, both within the bound. */
async function expectEnded(d: { token: string; sockets: TestSocket[] }, since: number): Promise<void> {
  for (const s of d.sockets) expect(await s.waitClose(BOUND_MS)).toEqual(REVOKED);
  for (;;) {
    const res = await api.call("user.info", {}, d.token);
    if (res.status === 401) break;
    expect(Date.now() - since).toBeLessThan(BOUND_MS);
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(Date.now() - since).toBeLessThan(BOUND_MS + 1000);
}

async function expectWorking(d: { token: string; sockets: TestSocket[] }, channelId: number): Promise<void> {
  await api.ok("user.info", {}, d.token);
  const [channel] = d.sockets;
  channel!.send({ command: "ws_ephemeral_typing", channel_id: channelId, correlationId: "still" });
  expect((await channel!.reply("still")).type).toBe("success");
  for (const s of d.sockets) expect(s.closed).toBeNull();
}

describe("sessions against `npm start`", () => {
  it("two devices: logout.all from A ends B (401, sockets 4001) within the bound while A keeps working; so does a password change", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "devices");
    const a = await device(alice.email, alice.password, "laptop", alice.user.id, channel.id);
    const b = await device(alice.email, alice.password, "phone", alice.user.id, channel.id);
    const { sessions } = await api.ok("user.sessions", {}, a.token);
    expect(sessions.filter((s: { device: string }) => /\((laptop|phone)\)$/.test(s.device))).toHaveLength(2);

    let since = Date.now();
    await api.ok("user.logout.all", {}, a.token);
    await expectEnded(b, since);
    await expectWorking(a, channel.id);

    const c = await device(alice.email, alice.password, "tablet", alice.user.id, channel.id);
    since = Date.now();
    await api.ok("user.password.change", { current_password: alice.password, new_password: "a brand new secret" }, a.token);
    await expectEnded(c, since);
    await expectWorking(a, channel.id);
    expect((await api.call("user.login", { email: alice.email, password: alice.password })).status).toBe(401);
  });

  it("user.delete: the members get the leave events, history shows the placeholder, the email signs up again", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(bob.token, [alice.user.id], "farewell");
    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "my last words" }, alice.token);
    const b = await connect(channelUrl(channel.id));
    await b.auth(bob.wsToken);
    const aliceStream = await connect(userUrl(alice.user.id));
    await aliceStream.auth(alice.wsToken);

    expect((await api.call("user.delete", {}, alice.token)).status).toBe(401);
    await api.ok("user.delete", { password: alice.password }, alice.token);
    expect((await b.event("user_removed.channel")).payload).toEqual({
      removed_user_id: alice.user.id,
      removed_by_user_id: alice.user.id,
      channel_id: channel.id,
    });
    expect((await b.event("channel.update")).payload.channel.members.map((m: { id: number }) => m.id)).toEqual([bob.user.id]);
    expect(await aliceStream.waitClose(BOUND_MS)).toEqual(REVOKED);

    const { members } = await api.ok("channel.members", { channel_id: channel.id }, bob.token);
    expect(members.map((m: { id: number }) => m.id)).toEqual([bob.user.id]);
    const { messages } = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    expect(messages.find((m: { id: number }) => m.id === message.id)).toMatchObject({
      user_id: alice.user.id,
      display_name: "Deleted user",
      content: "my last words",
    });
    expect((await api.call("user.info", {}, alice.token)).status).toBe(401);

    const again = await api.ok("user.create", { email: alice.email, password: "starting over", name: "Alice again" });
    expect(again.user.id).not.toBe(alice.user.id);
    await api.ok("user.login", { email: alice.email, password: "starting over" });
  });
});
