import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { advanceClock } from "../helpers/clock";
import { eventually } from "../helpers/requests";
import { advanceAndRunAlarm, alarmOf, api, channelSocket, channelStub, userSocket, userStub } from "../helpers/workerd";

describe("hibernation: evictDurableObject keeps sockets, their auth and their filters", () => {
  it("channel: after eviction the same sockets are authenticated, filters intact, seq continues", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "hibernate");
    const a = await channelSocket(channel.id);
    const b = await channelSocket(channel.id);
    const readyA = await a.auth(alice.wsToken);
    await b.auth(bob.wsToken);
    a.send({ type: "filter", correlationId: "f", filters: [{ property: "event", value: "chat.userTyping" }] });
    await a.reply("f");

    // Proof that the instance is really torn down: its in-memory clock offset is gone afterwards.
    await advanceClock(channelStub(channel.id), 1e9);
    await evictDurableObject(channelStub(channel.id));
    const roomNow = await runInDurableObject(channelStub(channel.id), (room) => (room as unknown as { clock: { now(): number } }).clock.now());
    expect(Math.abs(roomNow - Date.now())).toBeLessThan(60_000);

    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "after eviction" }, alice.token);
    const got = await b.event("chat.postMessage");
    expect(got.payload.message).toEqual(message);
    expect(got.meta.seq).toBe(readyA.payload.seq + 1);
    // bob's socket is still authenticated: its command is carried out, not closed 1008
    b.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t" });
    expect((await b.reply("t")).type).toBe("success");
    // alice's filter survived: the first event she sees is the typing, not the post
    const first = await a.next((f) => f.event !== undefined);
    expect(first.event).toBe("chat.userTyping");
    expect(first.payload.user.id).toBe(bob.user.id);
    // and she is authenticated too (same connection: re-auth answers the same connection_id)
    const again = await a.auth(alice.wsToken);
    expect(again.payload.connection_id).toBe(readyA.payload.connection_id);
    expect(again.payload.epoch).toBe(readyA.payload.epoch);
    expect(a.closed).toBeNull();
    expect(b.closed).toBeNull();
    a.close();
    b.close();
  });

  it("channel: evicted twice, with the typing throttle and frames in between", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "twice");
    const a = await channelSocket(channel.id);
    const b = await channelSocket(channel.id);
    await a.auth(alice.wsToken);
    await b.auth(bob.wsToken);
    for (let i = 0; i < 2; i++) {
      await evictDurableObject(channelStub(channel.id));
      a.send({ command: "ws_ping", correlationId: i });
      await a.next((f) => f.event === "pong");
    }
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "x" }, bob.token);
    expect((await a.event("chat.postMessage")).payload.message.content).toBe("x");
    a.close();
    b.close();
  });

  it("the typing throttle survives eviction (at most one chat.userTyping per user per 2 s)", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "typing");
    const a = await channelSocket(channel.id);
    const b = await channelSocket(channel.id);
    await a.auth(alice.wsToken);
    await b.auth(bob.wsToken);
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await b.event("chat.userTyping");
    await evictDurableObject(channelStub(channel.id));
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "again" });
    expect((await a.reply("again")).type).toBe("success");
    await b.nothing((f) => f.event === "chat.userTyping", 200);
    await advanceClock(channelStub(channel.id), 2_000);
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    await b.event("chat.userTyping");
    a.close();
    b.close();
  });

  it("an unauthenticated socket stays unauthenticated: a command still closes 1008", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "unauth");
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_ping", correlationId: 0 });
    await ws.next((f) => f.event === "pong");
    await evictDurableObject(channelStub(channel.id));
    ws.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    expect((await ws.waitClose()).code).toBe(1008);
  });

  it("the alarm still serves evicted sockets: auth deadline (4001), then ping and 4008", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "alarm-after");
    const stub = channelStub(channel.id);
    const lurker = await channelSocket(channel.id);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    await evictDurableObject(stub);
    await advanceAndRunAlarm(stub, 26_000);
    expect((await lurker.waitClose()).code).toBe(4001);
    expect((await ws.event("ping")).payload).toEqual({});
    await evictDurableObject(stub);
    await advanceAndRunAlarm(stub, 51_000);
    expect((await ws.waitClose()).code).toBe(4008);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("closing an evicted room's last socket leaves no alarm", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "close-after");
    const stub = channelStub(channel.id);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    await evictDurableObject(stub);
    ws.close(1000, "bye");
    expect(await eventually(() => alarmOf(stub), null)).toBeNull();
  });

  it("user stream: after eviction still authenticated with its filters; receives channel.create", async () => {
    const alice = await api.newUser("Alice");
    const stream = await userSocket(alice.user.id);
    const ready = await stream.auth(alice.wsToken);
    stream.send({ type: "filter", correlationId: "f", filters: [{ property: "payload.channel.channel_name", value: "keep" }] });
    await stream.reply("f");
    await evictDurableObject(userStub(alice.user.id));
    await api.newChannel(alice.token, [], "drop");
    const kept = await api.newChannel(alice.token, [], "keep");
    const ev = await stream.event("channel.create");
    expect(ev.payload.channel.id).toBe(kept.id);
    expect(stream.frames.filter((f) => f.event === "channel.create")).toHaveLength(1);
    expect((await stream.auth(alice.wsToken)).payload.connection_id).toBe(ready.payload.connection_id);
    stream.close();
  });
});
