/**
 * The rooms keep what every socket's auth reads (member rows, `_meta` keys, the alarm time) in
 * memory. These tests prove the memory never disagrees with SQLite in the ways a user would see:
 * a rolled-back transaction, a membership change, concurrent alarm scheduling, an eviction.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChannelRoom } from "../../src/channel/ChannelRoom";
import type { ChannelStore } from "../../src/storage/channelStore";
import { metaKey } from "../../src/storage/metaKeys";
import { advanceAndRunAlarm, alarmOf, api, channelSocket, channelStub } from "../helpers/workerd";

type Internals = { store: ChannelStore; armAt(at: number): Promise<void> };
const inside = (room: ChannelRoom) => room as unknown as Internals;
const PROBE = metaKey.typing(0);

describe("room caches agree with storage", () => {
  it("a rolled-back transaction leaves the cached member, meta and seq as storage has them", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const before = await runInDurableObject(channelStub(channel.id), (room: ChannelRoom) => {
      const { store } = inside(room);
      const seq = store.seq();
      // warm every cache the transaction touches
      expect(store.member(bob.user.id)).not.toBeNull();
      store.meta.set(PROBE, 1); // a key no user ever writes: user 0 does not exist
      expect(() =>
        store.transaction(() => {
          store.removeMember(bob.user.id);
          store.meta.set(PROBE, 2);
          store.appendEvent("chat.deleteMessage", { message_id: 1, channel_id: channel.id }, Date.now());
          expect(store.member(bob.user.id)).toBeNull(); // seen inside the transaction
          throw new Error("abort");
        }),
      ).toThrow("abort");
      return { seq, after: store.seq(), member: store.member(bob.user.id)?.user_id, probe: store.meta.get(PROBE) };
    });
    expect(before).toEqual({ seq: before.seq, after: before.seq, member: bob.user.id, probe: 1 });

    // and the member is still admitted over a real socket
    const sock = await channelSocket(channel.id);
    const ready = await sock.auth(bob.wsToken);
    expect(ready.payload.seq).toBe(before.seq);
    sock.close();
  });

  it("a member removed over HTTP is refused at once (4003), though their row was cached by an earlier auth", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const first = await channelSocket(channel.id);
    await first.auth(bob.wsToken);
    await api.ok("channel.kick", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    const again = await channelSocket(channel.id);
    again.send({ command: "ws_auth", auth_token: bob.wsToken });
    expect(await again.waitClose()).toEqual({ code: 4003, reason: "not a member of this channel" });
  });

  it("concurrent alarm requests leave the earliest time set, whatever order they finish in", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const stub = channelStub(channel.id);
    await evictDurableObject(stub); // a fresh instance: the alarm time is not known in memory yet
    const base = Date.now() + 60_000;
    await runInDurableObject(stub, async (room: ChannelRoom) => {
      await Promise.all([inside(room).armAt(base + 1_000), inside(room).armAt(base + 5_000)]);
    });
    expect(await alarmOf(stub)).toBe(base + 1_000);
    await runInDurableObject(stub, async (room: ChannelRoom) => {
      await Promise.all([inside(room).armAt(base + 9_000), inside(room).armAt(base + 500)]);
    });
    expect(await alarmOf(stub)).toBe(base + 500);
  });

  it("after an eviction the alarm time is read again, not assumed", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const stub = channelStub(channel.id);
    const at = Date.now() + 120_000;
    await runInDurableObject(stub, (room: ChannelRoom) => inside(room).armAt(at));
    await evictDurableObject(stub);
    // a later time must not replace the stored earlier one just because memory was wiped
    await runInDurableObject(stub, (room: ChannelRoom) => inside(room).armAt(at + 60_000));
    expect(await alarmOf(stub)).toBe(at);
  });

  it("an alarm that fires for an unread push still leaves the next one at a waiting socket's auth deadline", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const stub = channelStub(channel.id);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    // a first alarm (an unread push) has the room learn its sockets' deadlines
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "makes bob's unread dirty" }, alice.token);
    await advanceAndRunAlarm(stub, 1_100);
    const lurker = await channelSocket(channel.id); // never authenticates: 10 s deadline
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "and again" }, alice.token);
    const deadline = Date.now() + 1_100 + 10_000; // the room clock runs 1.1 s ahead
    // the next unread push is due within a second: this alarm is for it, not for any socket
    await advanceAndRunAlarm(stub, 1_100);
    expect(lurker.closed).toBeNull();
    const next = await alarmOf(stub);
    expect(next).not.toBeNull();
    expect(next!).toBeLessThanOrEqual(deadline);
    await advanceAndRunAlarm(stub, 9_000);
    expect(await lurker.waitClose()).toEqual({ code: 4001, reason: "authentication timeout" });
    expect(ws.closed).toBeNull();
    ws.close();
  });
});
