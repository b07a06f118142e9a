/**
 * Durable state exists only for ids that exist: upgrades, lookups and commands for unused ids
 * create no Durable Object, and removing a channel deletes its room's storage and alarm.
 */
import { env, evictDurableObject, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { report, tried } from "../helpers/hostile";
import { type RawSocket, TestSocket } from "../helpers/socket";
import { api, channelSocket, channelStub, userSocket } from "../helpers/workerd";

afterAll(() => report("room-storage"));

async function objectIds(): Promise<string[]> {
  const ids = [...(await listDurableObjectIds(env.CHANNEL_ROOM)), ...(await listDurableObjectIds(env.USER_ROOM))];
  return ids.map((id) => id.toString()).sort();
}

describe("ids that were never created", () => {
  it("upgrades, HTTP lookups and user-stream commands for unused ids create no Durable Object", async () => {
    const alice = await api.newUser("Alice");
    const own = await userSocket(alice.user.id);
    await own.auth(alice.wsToken);
    const key = (await api.ok("server.keys.create", { name: "unused-ids", scopes: ["publish", "members", "moderate", "read"] }, "test-operator-token")).secret;
    const before = await objectIds();
    const unusedChannel = 11_900_000 + Math.floor(Math.random() * 1000);
    const unusedUser = 91_900_000 + Math.floor(Math.random() * 1000);

    // Anonymous upgrades, then the documented answers: ws_ping → pong, valid ws_auth → 4003.
    for (let i = 0; i < 10; i++) {
      (await channelSocket(unusedChannel + i)).close();
      (await userSocket(unusedUser + i)).close();
      tried("upgrade to an unused id", 2);
    }
    const ch = await channelSocket(unusedChannel);
    ch.send({ command: "ws_ping" });
    await ch.next((f) => f.event === "pong");
    ch.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect((await ch.waitClose()).code).toBe(4003);
    const us = await userSocket(unusedUser);
    us.send({ command: "ws_auth", auth_token: "not a token" });
    expect((await us.waitClose()).code).toBe(4001);
    const early = await channelSocket(unusedChannel);
    early.send({ command: "ws_add_reaction", channel_id: unusedChannel, message_id: 1, emoji_value: "x" });
    expect((await early.waitClose()).code).toBe(1008);
    tried("frames on a socket to an unused id", 3);

    for (const [method, params] of [
      ["channel.info", {}],
      ["channel.members", {}],
      ["channel.history", {}],
      ["chat.postmessage", { text: "hello" }],
      ["lock.acquire", { path: "/a" }],
    ] as const) {
      const r = await api.call(method, { channel_id: unusedChannel, ...params }, alice.token);
      expect(r.status).toBe(404);
      expect(r.body.meta.code).toBe("channel_not_found");
      tried("HTTP call on an unused channel id");
    }

    for (const [method, params] of [
      ["server.channel.info", {}],
      ["server.channel.history", {}],
      ["server.chat.postmessage", { text: "hello" }],
      ["server.chat.deletemessage", { message_id: 1 }],
      ["server.channel.kick", { user_id: alice.user.id }],
      ["server.channel.adduser", { user_id: alice.user.id }],
    ] as const) {
      const r = await api.call(method, { channel_id: unusedChannel, ...params }, key);
      expect(r.status, method).toBe(404);
      expect(r.body.meta.code).toBe("channel_not_found");
      tried("server API call on an unused channel id");
    }

    own.send({ command: "ws_add_reaction", channel_id: unusedChannel, message_id: 1, emoji_value: "x", correlationId: "c1" });
    const reply = await own.reply("c1");
    expect(reply).toMatchObject({ type: "error", error: "no such channel" });
    tried("user-stream command for an unused channel id");

    expect(await objectIds()).toEqual(before);
  });
});

describe("removing a channel", () => {
  it("closes its sockets 4004, then deletes the room's tables and alarm; later sockets still get 4004, routes 404", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "soon gone" }, alice.token);
    const ws = await channelSocket(channel.id);
    await ws.auth(bob.wsToken);
    const stub = channelStub(channel.id);
    const stored = () =>
      runInDurableObject(stub, async (_room, state) => ({
        tables: state.storage.sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
          .toArray()
          .map((r) => r.name),
        alarm: await state.storage.getAlarm(),
      }));
    const live = await stored();
    expect(live.tables).toContain("messages");
    expect(live.alarm).not.toBeNull(); // the socket's ping check

    await api.ok("channel.remove", { channel_id: channel.id }, alice.token);
    expect((await ws.waitClose()).code).toBe(4004);
    expect(await stored()).toEqual({ tables: [], alarm: null });

    const late = await channelSocket(channel.id);
    late.send({ command: "ws_auth", auth_token: bob.wsToken });
    expect((await late.waitClose()).code).toBe(4004);
    const r = await api.call("channel.history", { channel_id: channel.id }, bob.token);
    expect(r.status).toBe(404);
    expect(await stored()).toEqual({ tables: [], alarm: null });
  });

  it("an upgrade that reaches the evicted room of a removed channel anyway gets 4004 and leaves no tables", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, []);
    await api.ok("channel.remove", { channel_id: channel.id }, alice.token);
    const stub = channelStub(channel.id);
    await evictDurableObject(stub);
    // Straight to the room, as a worker isolate that still remembered the channel as live would.
    const res = await stub.fetch(`http://realtime.test/rtm/ws/channel/${channel.id}`, { headers: { Upgrade: "websocket" } });
    const raw = res.webSocket!;
    raw.accept();
    const ws = new TestSocket(raw as unknown as RawSocket);
    ws.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect((await ws.waitClose()).code).toBe(4004);
    tried("upgrade reaching a removed channel's room");
    const tables = await runInDurableObject(stub, (_room, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray(),
    );
    expect(tables).toEqual([]);
  });
});
