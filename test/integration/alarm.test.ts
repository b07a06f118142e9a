import { describe, expect, it } from "vitest";
import { advanceClock } from "../helpers/clock";
import { eventually, rtmToken } from "../helpers/requests";
import { sessionOf } from "../helpers/tokens";
import type { TestSocket } from "../helpers/socket";
import { advanceAndRunAlarm, alarmOf, api, channelSocket, channelStub, userSocket, userStub } from "../helpers/workerd";
import { notPresence } from "../helpers/events";

async function authed() {
  const alice = await api.newUser("Alice");
  const channel = await api.newChannel(alice.token, [], "alarm");
  const ws = await channelSocket(channel.id);
  await ws.auth(alice.wsToken);
  return { alice, channel, ws, stub: channelStub(channel.id) };
}

/** A frame the room handles itself (not the auto-response), answered by a pong. */
async function proveAlive(ws: TestSocket) {
  ws.send({ command: "ws_ping", correlationId: "alive" });
  await ws.next((f) => f.event === "pong");
}

const PING = { meta: { api: "v1", time: expect.any(Number) }, event: "ping", payload: {} };

describe("liveness alarm", () => {
  it("no alarm in a room that never had a socket", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "idle");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "x" }, alice.token);
    expect(await alarmOf(channelStub(channel.id))).toBeNull();
  });

  it("a silent socket: nothing at 24 s, pinged at the first check, closed 4008 at the next; then no alarm", async () => {
    const { ws, stub } = await authed();
    const at = await alarmOf(stub);
    expect(at).not.toBeNull();
    await advanceClock(stub, 24_000);
    await ws.nothing(notPresence, 50);
    await advanceAndRunAlarm(stub, 2_000);
    expect(await ws.event("ping")).toEqual(PING);
    expect(ws.closed).toBeNull();
    await advanceAndRunAlarm(stub, 25_000);
    expect((await ws.waitClose()).code).toBe(4008);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("a socket answering the ping with a frame is not closed", async () => {
    const { ws, stub } = await authed();
    await advanceAndRunAlarm(stub, 26_000);
    await ws.event("ping");
    ws.send({ event: "pong" }); // the seed's answer: liveness only, no reply
    await proveAlive(ws);
    // silent again for a full interval: pinged, but not closed
    await advanceAndRunAlarm(stub, 25_000);
    await ws.event("ping");
    await ws.nothing(notPresence, 100);
    expect(ws.closed).toBeNull();
    // a reply to that ping keeps it open through the next check as well
    await proveAlive(ws);
    await advanceAndRunAlarm(stub, 25_000);
    await ws.event("ping");
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("a socket that sends frames between checks is never pinged", async () => {
    const { ws, stub } = await authed();
    for (let i = 0; i < 4; i++) {
      await advanceClock(stub, 13_000);
      await proveAlive(ws);
      expect(await advanceAndRunAlarm(stub, 13_000)).toBe(true);
    }
    expect(ws.frames.filter((f) => f.event === "ping")).toEqual([]);
    expect(ws.closed).toBeNull();
    expect(await alarmOf(stub)).not.toBeNull();
    ws.close();
  });

  it("a socket that only sends the auto-response ws_ping is never pinged", async () => {
    const { ws, stub } = await authed();
    for (let i = 0; i < 4; i++) {
      await advanceClock(stub, 13_000);
      ws.send('{"command":"ws_ping"}');
      await ws.next((f) => f.event === "pong");
      await advanceAndRunAlarm(stub, 13_000);
    }
    expect(ws.frames.filter((f) => f.event === "ping")).toEqual([]);
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("an unauthenticated socket is closed 4001 at its deadline, and no alarm is left", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "deadline");
    const stub = channelStub(channel.id);
    const ws = await channelSocket(channel.id);
    const at = await alarmOf(stub);
    expect(at).not.toBeNull();
    expect(at! - Date.now()).toBeLessThanOrEqual(10_000);
    await advanceAndRunAlarm(stub, 10_001);
    expect((await ws.waitClose()).code).toBe(4001);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("an unauthenticated socket beside an authenticated one: only it is closed", async () => {
    const { alice, channel, ws, stub } = await authed();
    const lurker = await channelSocket(channel.id);
    await advanceClock(stub, 5_000);
    await proveAlive(ws);
    await advanceAndRunAlarm(stub, 5_001);
    expect((await lurker.waitClose()).code).toBe(4001);
    expect(ws.closed).toBeNull();
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "still here" }, alice.token);
    await ws.event("chat.postMessage");
    expect(await alarmOf(stub)).not.toBeNull();
    ws.close();
  });

  it("token expiry: the room clock past the 1 h ws token closes 4009 (channel and user stream)", async () => {
    const { alice, ws, stub } = await authed();
    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    await advanceAndRunAlarm(stub, 3_601_000);
    expect((await ws.waitClose()).code).toBe(4009);
    await advanceAndRunAlarm(userStub(alice.user.id), 3_601_000);
    expect((await stream.waitClose()).code).toBe(4009);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("a later ws_auth with a fresh token extends the connection's expiry", async () => {
    const { alice, ws, stub } = await authed();
    // A fresh token that expires at +90 min (the server refuses tokens issued in the future, so
    // the longer lifetime stands in for "what rtm.connect would give 30 minutes from now").
    const later = await rtmToken(alice.user.id, { ttlSeconds: 5400, name: "Alice", sid: sessionOf(alice.token) });
    await advanceClock(stub, 3_590_000);
    const ready = await ws.auth(later);
    expect(ready.payload.user_id).toBe(alice.user.id);
    await advanceClock(stub, 20_000);
    await proveAlive(ws);
    await advanceAndRunAlarm(stub, 1_000); // room clock now past the first token's expiry
    await ws.nothing(notPresence, 100);
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("without the re-auth, the same timeline closes 4009", async () => {
    const { ws, stub } = await authed();
    await advanceClock(stub, 3_590_000);
    await proveAlive(ws);
    await advanceClock(stub, 20_000);
    await proveAlive(ws);
    await advanceAndRunAlarm(stub, 1_000);
    expect((await ws.waitClose()).code).toBe(4009);
  });

  it("no alarm is left when the last socket goes (closed by the client), but one stays while any socket remains", async () => {
    const { alice, channel, ws, stub } = await authed();
    const second = await channelSocket(channel.id);
    await second.auth(alice.wsToken);
    ws.close(1000, "bye");
    await new Promise((r) => setTimeout(r, 100));
    expect(await alarmOf(stub)).not.toBeNull();
    second.close(1000, "bye");
    expect(await eventually(() => alarmOf(stub), null)).toBeNull();
  });

  it("a room that went idle arms its alarm again for the next socket, which is pinged as usual", async () => {
    const { alice, channel, ws, stub } = await authed();
    ws.close(1000, "bye");
    expect(await eventually(() => alarmOf(stub), null)).toBeNull();
    await advanceClock(stub, 100_000);
    const next = await channelSocket(channel.id);
    await next.auth(alice.wsToken);
    expect(await alarmOf(stub)).not.toBeNull();
    await advanceAndRunAlarm(stub, 26_000);
    expect(await next.event("ping")).toEqual(PING);
    await advanceAndRunAlarm(stub, 25_000);
    expect((await next.waitClose()).code).toBe(4008);
  });

  it("the user stream has the same liveness: pinged, then 4008, then no alarm", async () => {
    const alice = await api.newUser("Alice");
    const stub = userStub(alice.user.id);
    const ws = await userSocket(alice.user.id);
    await ws.auth(alice.wsToken);
    await advanceAndRunAlarm(stub, 26_000);
    expect(await ws.event("ping")).toEqual(PING);
    await advanceAndRunAlarm(stub, 25_000);
    expect((await ws.waitClose()).code).toBe(4008);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("no alarm is left after the last user-stream socket goes", async () => {
    const alice = await api.newUser("Alice");
    const stub = userStub(alice.user.id);
    const ws = await userSocket(alice.user.id);
    await ws.auth(alice.wsToken);
    expect(await alarmOf(stub)).not.toBeNull();
    ws.close(1000, "bye");
    expect(await eventually(() => alarmOf(stub), null)).toBeNull();
  });
});
