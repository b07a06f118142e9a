import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, channelObjects, channelSocket, userStub } from "../helpers/workerd";

async function leases(userId: number): Promise<{ conn_id: string; room: string }[]> {
  return runInDurableObject(userStub(userId), (_room, state) =>
    state.storage.sql.exec<{ conn_id: string; room: string }>("SELECT conn_id, room FROM leases ORDER BY room").toArray(),
  );
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("presence leases per user and room", () => {
  it("many sockets of one user in one room hold one lease; it goes with the last socket", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const sockets = [];
    for (let i = 0; i < 5; i++) {
      const s = await channelSocket(channel.id);
      await s.auth(alice.wsToken);
      sockets.push(s);
    }
    // One lease per object holding her sockets: the channel's room (and each fan-out shard, when sharded).
    const objects = channelObjects(channel.id, 5).map((o) => o.name);
    const held = await until(() => leases(alice.user.id), (l) => l.length === objects.length);
    expect(held).toEqual(objects.map((room) => ({ conn_id: expect.any(String), room })));
    for (const s of sockets.slice(0, 4)) s.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(await leases(alice.user.id)).toHaveLength(1);
    expect((await api.ok("user.info", {}, alice.token)).user.online_status).toBe(true);
    sockets[4]!.close();
    expect(await until(() => leases(alice.user.id), (l) => l.length === 0)).toEqual([]);
    expect((await api.ok("user.info", {}, alice.token)).user.online_status).toBe(false);

    // a quick reconnect opens a fresh lease (the closed one is remembered as gone)
    const again = await channelSocket(channel.id);
    await again.auth(alice.wsToken);
    const reopened = await until(() => leases(alice.user.id), (l) => l.length === 1);
    expect(reopened).toHaveLength(1);
    expect(reopened[0]!.conn_id).not.toBe(held[0]!.conn_id);
    expect((await api.ok("user.info", {}, alice.token)).user.online_status).toBe(true);
    again.close();
  });

  it("a renewal that arrives after the close does not revive the lease, even across an eviction", async () => {
    const alice = await api.newUser("Alice");
    const stub = userStub(alice.user.id);
    const room = "channel:11099999";
    expect((await stub.connectionOpened("conn-late", room)).online).toBe(true);
    expect((await stub.connectionClosed("conn-late")).online).toBe(false);
    await evictDurableObject(stub);
    // the room computed its list before the close reached the user room
    const state = await stub.renewLeases(room, ["conn-late"]);
    expect(state.online).toBe(false);
    expect(await leases(alice.user.id)).toEqual([]);
    expect((await api.ok("user.info", {}, alice.token)).user.online_status).toBe(false);
    // a new connection of the same user still counts
    expect((await stub.connectionOpened("conn-new", room)).online).toBe(true);
  });
});
