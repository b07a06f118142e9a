import { describe, expect, it } from "vitest";
import { accessToken, rtmToken } from "../helpers/requests";
import type { TestSocket } from "../helpers/socket";
import { advanceAndRunAlarm, api, channelSocket, channelStub, userSocket, userStub } from "../helpers/workerd";
import { notPresence } from "../helpers/events";

async function memberSetup() {
  const alice = await api.newUser("Alice");
  const channel = await api.newChannel(alice.token, [], "auth");
  return { alice, channel };
}

async function expectClose(ws: TestSocket, code: number) {
  const closed = await ws.waitClose();
  expect(closed.code).toBe(code);
  expect(new TextEncoder().encode(closed.reason).length).toBeLessThan(123);
  return closed;
}

describe("rtm.ready", () => {
  it("channel socket: exactly {connection_id, user_id, channel_id, epoch, seq}, no meta.seq", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    const ready = await ws.auth(alice.wsToken);
    expect(ready).toEqual({
      meta: { api: "v1", time: expect.any(Number) },
      event: "rtm.ready",
      payload: { connection_id: expect.any(String), user_id: alice.user.id, channel_id: channel.id, epoch: expect.any(String), seq: 0 },
    });
    expect(ready.payload.connection_id.length).toBeGreaterThan(8);
    await ws.nothing(notPresence, 100);
    ws.close();
  });

  it("two sockets get different connection_ids and the same epoch; seq follows durable events", async () => {
    const { alice, channel } = await memberSetup();
    const a = await channelSocket(channel.id);
    const r1 = await a.auth(alice.wsToken);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "one" }, alice.token);
    const b = await channelSocket(channel.id);
    const r2 = await b.auth(alice.wsToken);
    expect(r2.payload.connection_id).not.toBe(r1.payload.connection_id);
    expect(r2.payload.epoch).toBe(r1.payload.epoch);
    expect(r2.payload.seq).toBe(1);
    a.close();
    b.close();
  });

  it("frames are handled in order: a command sent right behind ws_auth (without waiting) is not refused", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_auth", auth_token: alice.wsToken });
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t" });
    ws.send({ type: "filter", correlationId: "f", filters: [] });
    // Alice's own user.online may come in between, whenever her presence settles: it is not a reply.
    const notPresence = (f: { event?: string }) => f.event !== "user.online";
    const ready = await ws.next(notPresence);
    expect(ready.event).toBe("rtm.ready");
    expect(await ws.next(notPresence)).toMatchObject({ correlationId: "t", type: "success" });
    expect(await ws.next(notPresence)).toMatchObject({ correlationId: "f", type: "success" });
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("user stream: exactly {connection_id, user_id} (no epoch/seq)", async () => {
    const { alice } = await memberSetup();
    const ws = await userSocket(alice.user.id);
    const ready = await ws.auth(alice.wsToken);
    expect(ready).toEqual({
      meta: { api: "v1", time: expect.any(Number) },
      event: "rtm.ready",
      payload: { connection_id: expect.any(String), user_id: alice.user.id },
    });
    ws.close();
  });

  it("ids in the token are the user's; ws_token from rtm.connect opens both kinds of socket", async () => {
    const { alice, channel } = await memberSetup();
    const { rtm } = await api.ok("rtm.connect", {}, alice.token);
    const c = await channelSocket(channel.id);
    const u = await userSocket(alice.user.id);
    expect((await c.auth(rtm.ws_token)).payload.user_id).toBe(alice.user.id);
    expect((await u.auth(rtm.ws_token)).payload.user_id).toBe(alice.user.id);
    c.close();
    u.close();
  });
});

describe("re-authentication", () => {
  it("a fresh token for the same user answers a new rtm.ready on the same connection", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    const first = await ws.auth(alice.wsToken);
    const { rtm } = await api.ok("rtm.connect", {}, alice.token);
    const again = await ws.auth(rtm.ws_token);
    expect(again.payload).toEqual(first.payload);
    // still authenticated and working
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t" });
    expect(await ws.reply("t")).toMatchObject({ type: "success" });
    ws.close();
  });

  for (const kind of ["channel", "user"] as const) {
    it(`${kind} socket: another user's valid token closes 4001`, async () => {
      const { alice, channel } = await memberSetup();
      const bob = await api.newUser("Bob");
      const ws = kind === "channel" ? await channelSocket(channel.id) : await userSocket(alice.user.id);
      await ws.auth(alice.wsToken);
      ws.send({ command: "ws_auth", auth_token: bob.wsToken });
      await expectClose(ws, 4001);
    });

    it(`${kind} socket: a bad token on an authenticated socket closes 4001`, async () => {
      const { alice, channel } = await memberSetup();
      const ws = kind === "channel" ? await channelSocket(channel.id) : await userSocket(alice.user.id);
      await ws.auth(alice.wsToken);
      ws.send({ command: "ws_auth", auth_token: "garbage" });
      await expectClose(ws, 4001);
    });
  }
});

describe("4001: authentication failed", () => {
  const cases: { why: string; frame: (t: { access: string; expired: string; forged: string }) => unknown }[] = [
    { why: "a token that is not a JWT", frame: () => ({ command: "ws_auth", auth_token: "not-a-token" }) },
    { why: "a missing token", frame: () => ({ command: "ws_auth" }) },
    { why: "a token that is not a string", frame: () => ({ command: "ws_auth", auth_token: 12345 }) },
    { why: "an empty token", frame: () => ({ command: "ws_auth", auth_token: "" }) },
    { why: "the bearer (access) token of the right user (typ access)", frame: (t) => ({ command: "ws_auth", auth_token: t.access }) },
    { why: "an expired ws token", frame: (t) => ({ command: "ws_auth", auth_token: t.expired }) },
    { why: "a ws token with a forged signature", frame: (t) => ({ command: "ws_auth", auth_token: t.forged }) },
  ];
  for (const kind of ["channel", "user"] as const) {
    for (const c of cases) {
      it(`${kind} socket: ${c.why}`, async () => {
        const { alice, channel } = await memberSetup();
        const tokens = {
          access: alice.token,
          expired: await rtmToken(alice.user.id, { issuedAtMs: Date.now() - 2 * 3600_000 }),
          forged: `${alice.wsToken.slice(0, alice.wsToken.lastIndexOf(".") + 1)}${"A".repeat(43)}`,
        };
        const ws = kind === "channel" ? await channelSocket(channel.id) : await userSocket(alice.user.id);
        ws.send(c.frame(tokens));
        await expectClose(ws, 4001);
        expect(ws.frames.filter((f) => f.event === "rtm.ready")).toEqual([]);
      });
    }
  }

  it("an access token with a valid signature is still refused (typ is checked)", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_auth", auth_token: await accessToken(alice.user.id) });
    await expectClose(ws, 4001);
  });

  it("the auth deadline: open without ws_auth → still open at 9 s, closed 4001 after 10 s (channel)", async () => {
    const { channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    const stub = channelStub(channel.id);
    expect(await advanceAndRunAlarm(stub, 9_000)).toBe(true);
    await ws.nothing(notPresence, 100);
    expect(ws.closed).toBeNull();
    await advanceAndRunAlarm(stub, 1_100);
    await expectClose(ws, 4001);
  });

  it("the auth deadline on the user stream", async () => {
    const alice = await api.newUser("Alice");
    const ws = await userSocket(alice.user.id);
    await advanceAndRunAlarm(userStub(alice.user.id), 10_001);
    await expectClose(ws, 4001);
  });

  it("pings before auth do not extend the deadline", async () => {
    const { channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_ping", correlationId: 1 });
    await ws.next((f) => f.event === "pong");
    await advanceAndRunAlarm(channelStub(channel.id), 10_001);
    await expectClose(ws, 4001);
  });
});

describe("4003: not allowed here", () => {
  it("a valid token of a non-member", async () => {
    const { channel } = await memberSetup();
    const eve = await api.newUser("Eve");
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_auth", auth_token: eve.wsToken });
    await expectClose(ws, 4003);
    expect(ws.frames).toEqual([]);
  });

  it("a valid token for another user's stream", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const ws = await userSocket(alice.user.id);
    ws.send({ command: "ws_auth", auth_token: bob.wsToken });
    await expectClose(ws, 4003);
  });

  it("a channel that never existed (the upgrade succeeds; ws_auth closes 4003)", async () => {
    const alice = await api.newUser("Alice");
    const ws = await channelSocket(987_654_000 + Math.floor(Math.random() * 999));
    ws.send({ command: "ws_auth", auth_token: alice.wsToken });
    await expectClose(ws, 4003);
  });

  it("a stream of a user that does not exist", async () => {
    const alice = await api.newUser("Alice");
    const ws = await userSocket(98_765_000 + Math.floor(Math.random() * 999));
    ws.send({ command: "ws_auth", auth_token: alice.wsToken });
    await expectClose(ws, 4003);
  });
});

describe("1008 / 1009: policy and size", () => {
  const frames: { why: string; frame: string }[] = [
    { why: "a command other than ws_auth/ws_ping", frame: JSON.stringify({ command: "ws_ephemeral_typing", channel_id: 1 }) },
    { why: "the filter message", frame: JSON.stringify({ type: "filter", filters: [] }) },
    { why: "an unknown command", frame: JSON.stringify({ command: "ws_dance" }) },
    { why: "a frame that is not JSON", frame: "hello" },
    { why: "a JSON array", frame: "[]" },
    { why: "a JSON string", frame: '"ws_auth"' },
    { why: "an object without command", frame: '{"auth_token":"x"}' },
  ];
  for (const f of frames) {
    it(`before auth: ${f.why} closes 1008`, async () => {
      const { channel } = await memberSetup();
      const ws = await channelSocket(channel.id);
      ws.send(f.frame);
      await expectClose(ws, 1008);
    });
  }
  for (const f of frames.slice(2)) {
    it(`after auth: ${f.why} closes 1008`, async () => {
      const { alice, channel } = await memberSetup();
      const ws = await channelSocket(channel.id);
      await ws.auth(alice.wsToken);
      ws.send(f.frame);
      await expectClose(ws, 1008);
    });
  }
  it("after auth on the user stream: an unknown command closes 1008", async () => {
    const alice = await api.newUser("Alice");
    const ws = await userSocket(alice.user.id);
    await ws.auth(alice.wsToken);
    ws.send({ command: "ws_dance" });
    await expectClose(ws, 1008);
  });

  const big = JSON.stringify({ command: "ws_ping", pad: "x".repeat(64 * 1024) });
  it("an oversize frame before auth closes 1009", async () => {
    const { channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    ws.send(big);
    await expectClose(ws, 1009);
  });
  it("an oversize frame after auth closes 1009 (channel and user stream)", async () => {
    const { alice, channel } = await memberSetup();
    const c = await channelSocket(channel.id);
    const u = await userSocket(alice.user.id);
    await c.auth(alice.wsToken);
    await u.auth(alice.wsToken);
    c.send(big);
    u.send(big);
    await expectClose(c, 1009);
    await expectClose(u, 1009);
  });
  it("a frame of exactly 64 KiB is not oversize; 64 KiB + 1 byte is", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    const base = JSON.stringify({ command: "ws_ping", correlationId: "edge", pad: "" });
    ws.send(JSON.stringify({ command: "ws_ping", correlationId: "edge", pad: "x".repeat(64 * 1024 - base.length) }));
    expect(await ws.next((f) => f.event === "pong")).toEqual({ event: "pong" });
    expect(ws.closed).toBeNull();
    // one byte more (counted in UTF-8: "é" is two bytes) is over the limit
    ws.send(JSON.stringify({ command: "ws_ping", correlationId: "edge", pad: `é${"x".repeat(64 * 1024 - base.length - 1)}` }));
    expect((await ws.waitClose()).code).toBe(1009);
  });
});

describe("ws_ping", () => {
  it("the exact frame is answered {\"event\":\"pong\"} by the auto-response, before and after auth", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    ws.send('{"command":"ws_ping"}');
    await ws.next((f) => f.event === "pong");
    await ws.auth(alice.wsToken);
    ws.send('{"command":"ws_ping"}');
    await ws.next((f) => f.event === "pong");
    expect(ws.raw.filter((r) => r.includes("pong"))).toEqual(['{"event":"pong"}', '{"event":"pong"}']);
    ws.close();
  });

  it("a non-exact ws_ping (with correlationId, or extra spaces) reaches the room and is answered {\"event\":\"pong\"} there, before auth without counting as an auth attempt", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_ping", correlationId: "p1" });
    ws.send('{ "command" : "ws_ping" }');
    await ws.next((f) => f.event === "pong");
    await ws.next((f) => f.event === "pong");
    expect(ws.raw).toEqual(['{"event":"pong"}', '{"event":"pong"}']);
    const ready = await ws.auth(alice.wsToken);
    expect(ready.payload.user_id).toBe(alice.user.id);
    ws.send({ command: "ws_ping", correlationId: "p2" });
    await ws.next((f) => f.event === "pong");
    expect(ws.raw.at(-1)).toBe('{"event":"pong"}');
    ws.close();
  });

  it("the user stream answers both forms too", async () => {
    const alice = await api.newUser("Alice");
    const ws = await userSocket(alice.user.id);
    ws.send('{"command":"ws_ping"}');
    ws.send({ command: "ws_ping", correlationId: 9 });
    await ws.next((f) => f.event === "pong");
    await ws.next((f) => f.event === "pong");
    ws.close();
  });
});

describe("4029: sustained flooding", () => {
  it("more than the burst of 40 commands at once closes 4029", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    for (let i = 0; i < 80; i++) ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await expectClose(ws, 4029);
  });

  it("frames served by the auto-response do not count", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    for (let i = 0; i < 80; i++) ws.send('{"command":"ws_ping"}');
    for (let i = 0; i < 80; i++) await ws.next((f) => f.event === "pong");
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "after" });
    expect((await ws.reply("after")).type).toBe("success");
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("a burst under the limit is fine", async () => {
    const { alice, channel } = await memberSetup();
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    for (let i = 0; i < 30; i++) ws.send({ command: "ws_ping", correlationId: i });
    for (let i = 0; i < 30; i++) await ws.next((f) => f.event === "pong");
    expect(ws.closed).toBeNull();
    ws.close();
  });
});
