import { describe, expect, it } from "vitest";
import { advanceClock } from "../helpers/clock";
import type { TestSocket } from "../helpers/socket";
import { api, channelSocket, channelStub, userSocket } from "../helpers/workerd";
import { notPresence } from "../helpers/events";

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

async function room(n = 2) {
  const users = [];
  for (let i = 0; i < n; i++) users.push(await api.newUser(["Alice", "Bob", "Carol"][i]!));
  const channel = await api.newChannel(users[0]!.token, users.slice(1).map((u) => u.user.id), "cmds");
  const sockets: TestSocket[] = [];
  for (const u of users) {
    const ws = await channelSocket(channel.id);
    await ws.auth(u.wsToken);
    sockets.push(ws);
  }
  return { users, channel, sockets };
}

const closeAll = (sockets: TestSocket[]) => sockets.forEach((s) => s.close());

describe("correlationId replies", () => {
  it("success: {correlationId, time, type:\"success\"} for string and number ids", async () => {
    const { channel, sockets } = await room(1);
    const [a] = sockets;
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "c-1" });
    const reply = await a!.reply("c-1");
    expect(reply).toEqual({ correlationId: "c-1", time: expect.any(Number), type: "success" });
    expect(Math.abs(reply.time - Date.now())).toBeLessThan(60_000);
    a!.send({ command: "ws_ephemeral_typing", channel_id: String(channel.id), correlationId: 42 });
    expect(await a!.reply(42)).toEqual({ correlationId: 42, time: expect.any(Number), type: "success" });
    closeAll(sockets);
  });

  it("no success reply without a correlationId", async () => {
    const { channel, sockets } = await room(1);
    sockets[0]!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await sockets[0]!.nothing(notPresence, 200);
    closeAll(sockets);
  });

  it("errors: invalid parameters of a known command → error reply, socket stays open", async () => {
    const { channel, sockets } = await room(1);
    const a = sockets[0]!;
    a.send({ command: "ws_ephemeral_typing", channel_id: "general", correlationId: "bad" });
    expect(await a.reply("bad")).toEqual({ correlationId: "bad", error: expect.stringContaining("channel_id"), time: expect.any(Number), type: "error" });
    a.send({ command: "ws_ephemeral_typing" });
    expect(await a.reply(null)).toEqual({ correlationId: null, error: expect.any(String), time: expect.any(Number), type: "error" });
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "fine" });
    expect((await a.reply("fine")).type).toBe("success");
    expect(a.closed).toBeNull();
    closeAll(sockets);
  });

  it("a channel_id that is not the socket's channel → error reply (with and without correlationId), nothing broadcast, socket open", async () => {
    const { users, channel, sockets } = await room(2);
    const other = await api.newChannel(users[0]!.token, [users[1]!.user.id], "other");
    const [a, b] = sockets;
    a!.send({ command: "ws_ephemeral_typing", channel_id: other.id, correlationId: "x" });
    expect(await a!.reply("x")).toEqual({ correlationId: "x", error: expect.any(String), time: expect.any(Number), type: "error" });
    a!.send({ command: "ws_ephemeral_typing", channel_id: other.id });
    expect(await a!.reply(null)).toMatchObject({ correlationId: null, type: "error" });
    await b!.nothing((f) => f.event === "chat.userTyping", 200);
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    expect((await b!.event("chat.userTyping")).payload.channel_id).toBe(channel.id);
    closeAll(sockets);
  });
});

describe("ws_ephemeral_typing → chat.userTyping", () => {
  it("goes to the other users' sockets only, not the typist's own sockets; payload {user, channel_id}, no seq", async () => {
    const { users, channel, sockets } = await room(3);
    const [alice] = users;
    const aliceSecond = await channelSocket(channel.id);
    await aliceSecond.auth(alice!.wsToken);
    const [a, b, c] = sockets;
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    const tb = await b!.event("chat.userTyping");
    const tc = await c!.event("chat.userTyping");
    expect(tb).toEqual({
      meta: { api: "v1", time: expect.any(Number) },
      event: "chat.userTyping",
      payload: {
        user: {
          id: alice!.user.id,
          email: alice!.email,
          display_name: "Alice",
          has_avatar: false,
          online_status: expect.any(Boolean),
          last_active_on: expect.stringMatching(TIME),
          last_active_on_ts: expect.any(Number),
        },
        channel_id: channel.id,
      },
    });
    // serialized once: the very same bytes reach every recipient
    expect(b!.raw.at(-1)).toBe(c!.raw.at(-1));
    expect(tc).toEqual(tb);
    await a!.nothing((f) => f.event === "chat.userTyping", 200);
    await aliceSecond.nothing((f) => f.event === "chat.userTyping", 50);
    closeAll([...sockets, aliceSecond]);
  });

  it("throttled: a second typing within 2 s is dropped; after 2 s it is delivered again", async () => {
    const { channel, sockets } = await room(2);
    const [a, b] = sockets;
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await b!.event("chat.userTyping");
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "again" });
    // a dropped typing event is not an error
    expect((await a!.reply("again")).type).toBe("success");
    await b!.nothing((f) => f.event === "chat.userTyping", 200);
    await advanceClock(channelStub(channel.id), 2_000);
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await b!.event("chat.userTyping");
    closeAll(sockets);
  });

  it("the throttle is per user: another user's typing is not dropped", async () => {
    const { users, channel, sockets } = await room(3);
    const [a, b, c] = sockets;
    a!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    expect((await c!.event("chat.userTyping")).payload.user.id).toBe(users[0]!.user.id);
    b!.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    expect((await c!.event("chat.userTyping")).payload.user.id).toBe(users[1]!.user.id);
    closeAll(sockets);
  });

  it("from the user stream, forwarded to the channel (membership checked there)", async () => {
    const { users, channel, sockets } = await room(2);
    const [alice] = users;
    const eve = await api.newUser("Eve");
    const stream = await userSocket(alice!.user.id);
    await stream.auth(alice!.wsToken);
    stream.send({ command: "ws_ephemeral_typing", channel_id: String(channel.id), correlationId: "fwd" });
    expect((await stream.reply("fwd")).type).toBe("success");
    const t = await sockets[1]!.event("chat.userTyping");
    expect(t.payload).toMatchObject({ channel_id: channel.id, user: { id: alice!.user.id } });
    // the stream is not a channel socket: it does not receive the typing event of the channel
    await stream.nothing((f) => f.event === "chat.userTyping", 100);

    // a channel the user is not in → error reply; the stream stays open
    const eveChannel = await api.newChannel(eve.token, [], "eve's");
    stream.send({ command: "ws_ephemeral_typing", channel_id: eveChannel.id, correlationId: "nm" });
    expect(await stream.reply("nm")).toMatchObject({ type: "error", error: expect.any(String) });
    // a channel command without channel_id → error reply (correlationId null)
    stream.send({ command: "ws_ephemeral_typing" });
    expect(await stream.reply(null)).toMatchObject({ type: "error" });
    expect(stream.closed).toBeNull();
    stream.close();
    closeAll(sockets);
  });
});

describe("chat.postMessage broadcast", () => {
  it("every socket of the channel, the author's included; one serialization, byte-identical frames; seq +1 per event", async () => {
    const { users, channel, sockets } = await room(3);
    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "to all" }, users[1]!.token);
    const got = [];
    for (const s of sockets) got.push(await s.event("chat.postMessage"));
    for (const g of got) expect(g).toEqual({ meta: { api: "v1", time: expect.any(Number), seq: 2 }, event: "chat.postMessage", payload: { message } });
    const raws = sockets.map((s) => s.raw.find((r) => r.includes('"chat.postMessage"') && r.includes("to all")));
    expect(new Set(raws).size).toBe(1);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "next" }, users[0]!.token);
    expect((await sockets[2]!.event("chat.postMessage")).meta.seq).toBe(3);
    closeAll(sockets);
  });

  it("sockets that have not authenticated receive nothing", async () => {
    const { users, channel, sockets } = await room(1);
    const lurker = await channelSocket(channel.id);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "secret" }, users[0]!.token);
    await sockets[0]!.event("chat.postMessage");
    await lurker.nothing(notPresence, 200);
    closeAll([...sockets, lurker]);
  });
});
