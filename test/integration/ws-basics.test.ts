import { describe, expect, it } from "vitest";
import { api, channelSocket, userSocket } from "../helpers/workerd";

describe("channel socket basics", () => {
  it("authenticates, answers rtm.ready, and receives posted messages with seq", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await channelSocket(channel.id);
    const ready = await ws.auth(alice.wsToken);
    expect(ready.payload).toMatchObject({ user_id: alice.user.id, channel_id: channel.id, seq: 0 });
    expect(typeof ready.payload.connection_id).toBe("string");
    expect(typeof ready.payload.epoch).toBe("string");

    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "hello" }, alice.token);
    const ev = await ws.event("chat.postMessage");
    expect(ev.meta).toMatchObject({ api: "v1", seq: 1 });
    expect(ev.payload.message).toEqual(message);
    ws.close();
  });

  it("the user stream receives channel.create", async () => {
    const alice = await api.newUser("Alice");
    const ws = await userSocket(alice.user.id);
    const ready = await ws.auth(alice.wsToken);
    expect(ready.payload).toEqual({ connection_id: expect.any(String), user_id: alice.user.id });
    const channel = await api.newChannel(alice.token);
    const ev = await ws.event("channel.create");
    expect(ev.payload.channel.id).toBe(channel.id);
    expect(ev.meta.seq).toBeUndefined();
    ws.close();
  });
});

import { advanceAndRunAlarm, alarmOf, channelStub } from "../helpers/workerd";

describe("liveness alarm (smoke)", () => {
  it("pings a silent socket, then closes it 4008, and leaves no alarm", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    const stub = channelStub(channel.id);
    expect(await alarmOf(stub)).not.toBeNull();
    await advanceAndRunAlarm(stub, 26_000);
    const ping = await ws.event("ping");
    expect(ping).toMatchObject({ event: "ping", payload: {} });
    await advanceAndRunAlarm(stub, 25_000);
    expect(await ws.waitClose()).toMatchObject({ code: 4008 });
    expect(await alarmOf(stub)).toBeNull();
  });
});
