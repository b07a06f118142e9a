import { describe, expect, inject, it } from "vitest";
import { connect, nodeApi, wsUrl } from "../helpers/node";

const base = inject("baseUrl");
const api = nodeApi(base);
const channelUrl = (id: number) => wsUrl(base, `/rtm/ws/channel/${id}`);

async function pair() {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const channel = await api.newChannel(alice.token, [bob.user.id], "e2e");
  const a = await connect(channelUrl(channel.id));
  const b = await connect(channelUrl(channel.id));
  await a.auth(alice.wsToken);
  await b.auth(bob.wsToken);
  return { alice, bob, channel, a, b };
}

describe("close codes over real sockets", () => {
  it("1008: a command before ws_auth", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await connect(channelUrl(channel.id));
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    expect((await ws.waitClose()).code).toBe(1008);
  });

  it("1008: a frame that is not a JSON object, after auth", async () => {
    const { a, b } = await pair();
    a.send("[1,2,3]");
    b.send("not json");
    expect((await a.waitClose()).code).toBe(1008);
    expect((await b.waitClose()).code).toBe(1008);
  });

  it("1009: an oversize frame, before and after auth", async () => {
    const { channel, a } = await pair();
    const fresh = await connect(channelUrl(channel.id));
    const big = JSON.stringify({ command: "ws_ping", pad: "x".repeat(70_000) });
    fresh.send(big);
    a.send(big);
    expect((await fresh.waitClose()).code).toBe(1009);
    expect((await a.waitClose()).code).toBe(1009);
  });

  it("4001: a bad token, and the bearer token used as ws_token", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const x = await connect(channelUrl(channel.id));
    const y = await connect(wsUrl(base, `/rtm/ws/user/${alice.user.id}`));
    x.send({ command: "ws_auth", auth_token: "nope" });
    y.send({ command: "ws_auth", auth_token: alice.token });
    expect((await x.waitClose()).code).toBe(4001);
    expect((await y.waitClose()).code).toBe(4001);
  });

  it("4003: a non-member, and another user's stream", async () => {
    const alice = await api.newUser("Alice");
    const eve = await api.newUser("Eve");
    const channel = await api.newChannel(alice.token);
    const x = await connect(channelUrl(channel.id));
    const y = await connect(alice.wsEndpoint);
    x.send({ command: "ws_auth", auth_token: eve.wsToken });
    y.send({ command: "ws_auth", auth_token: eve.wsToken });
    expect((await x.waitClose()).code).toBe(4003);
    expect((await y.waitClose()).code).toBe(4003);
  });

  it("a non-numeric socket id is refused with HTTP 400 before any upgrade", async () => {
    await expect(connect(wsUrl(base, "/rtm/ws/channel/general"))).rejects.toThrow(/400/);
  });
});

describe("commands and events over real sockets", () => {
  it("ws_ping: the exact frame and a non-exact one are both answered {\"event\":\"pong\"}, before auth too", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await connect(channelUrl(channel.id));
    ws.send('{"command":"ws_ping"}');
    await ws.next((f) => f.event === "pong");
    ws.send({ command: "ws_ping", correlationId: "x" });
    await ws.next((f) => f.event === "pong");
    expect(ws.raw).toEqual(['{"event":"pong"}', '{"event":"pong"}']);
    await ws.auth(alice.wsToken);
    ws.close();
  });

  it("typing reaches the other user only; correlationId success and error replies", async () => {
    const { alice, channel, a, b } = await pair();
    a.send({ command: "ws_ephemeral_typing", channel_id: String(channel.id), correlationId: "t" });
    expect(await a.reply("t")).toEqual({ correlationId: "t", time: expect.any(Number), type: "success" });
    const typing = await b.event("chat.userTyping");
    expect(typing.payload).toMatchObject({ channel_id: channel.id, user: { id: alice.user.id, display_name: "Alice" } });
    expect(typing.meta.seq).toBeUndefined();
    await a.nothing((f) => f.event === "chat.userTyping", 300);
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id + 1 });
    expect(await a.reply(null)).toMatchObject({ correlationId: null, type: "error" });
    a.close();
    b.close();
  });

  it("filters: only matching events delivered; an invalid filter message keeps the old filters", async () => {
    const { alice, channel, a, b } = await pair();
    b.send({ command: "ws_filter", correlationId: "f", filters: [{ property: "payload.message.content", value: "wanted" }] });
    expect((await b.reply("f")).type).toBe("success");
    b.send({ type: "filter", correlationId: "bad", filters: "nope" });
    expect((await b.reply("bad")).type).toBe("error");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "unwanted" }, alice.token);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "wanted" }, alice.token);
    await a.next((f) => f.payload?.message?.content === "wanted");
    const first = await b.next((f) => f.event !== undefined);
    expect(first.payload.message.content).toBe("wanted");
    // the bytes are the same for every socket (serialized once)
    expect(b.raw.find((r) => r.includes('"wanted"'))).toBe(a.raw.find((r) => r.includes('"wanted"')));
    a.close();
    b.close();
  });

  it("the user stream gets channel.create when the user is added to a new channel", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const stream = await connect(bob.wsEndpoint);
    const ready = await stream.auth(bob.wsToken);
    expect(ready.payload).toEqual({ connection_id: expect.any(String), user_id: bob.user.id });
    const channel = await api.newChannel(alice.token, [bob.user.id], "for bob");
    const ev = await stream.event("channel.create");
    expect(ev.payload.channel).toEqual(channel);
    expect(ev.meta).toEqual({ api: "v1", time: expect.any(Number) });
    stream.close();
  });
});

describe("the real alarm (no test hooks)", () => {
  it("an unauthenticated socket gets the 4001 close frame from the room's own alarm about 10 s after opening; an authenticated one stays", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const opened = Date.now();
    const lurker = await connect(channelUrl(channel.id));
    const member = await connect(channelUrl(channel.id));
    await member.auth(alice.wsToken);
    // Poll for the close frame rather than the `close` event: when the alarm closes a socket that
    // never sent a frame, the local runtime ends the TCP connection only ~10 s later, and `ws`
    // fires `close` only then. readyState CLOSING (2) = the server's close frame arrived.
    const raw = lurker.ws as unknown as { readyState: number; _closeCode?: number };
    while (raw.readyState === 1 && Date.now() - opened < 20_000) await new Promise((r) => setTimeout(r, 50));
    const after = Date.now() - opened;
    expect(raw.readyState).toBeGreaterThanOrEqual(2);
    expect(lurker.closed?.code ?? raw._closeCode).toBe(4001);
    expect(after).toBeGreaterThanOrEqual(9_500);
    expect(after).toBeLessThan(15_000);
    expect(member.closed).toBeNull();
    member.send({ command: "ws_ping", correlationId: 1 });
    await member.next((f) => f.event === "pong");
    member.close();
  }, 30_000);
});
