import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { nextPresence, onlyOne, presenceOf } from "../helpers/members";
import { api, channelSocket, userSocket, userStub } from "../helpers/workerd";

/** The channel ids the user room holds for its user, and whether it knows the whole list. */
async function roomList(userId: number): Promise<{ ids: number[]; complete: boolean }> {
  return runInDurableObject(userStub(userId), (_room, state) => ({
    ids: state.storage.sql.exec<{ channel_id: number }>("SELECT channel_id FROM channels ORDER BY channel_id").toArray().map((r) => r.channel_id),
    complete: state.storage.sql.exec("SELECT 1 FROM _meta WHERE key = 'channels_complete' AND value = 1").toArray().length === 1,
  }));
}

/** Drops the user's rows from D1's membership index, so only the user room's list can still name the channels. */
async function dropDirectoryMemberships(userId: number): Promise<void> {
  await env.DB.prepare("DELETE FROM memberships WHERE user_id = ?1").bind(userId).run();
}

/**
 * Where a presence transition goes is the user room's own list of the user's channels, kept in
 * step by the channel rooms; the directory is read only to fill the list of a room that never
 * learnt it.
 */
describe("the user room's channel list (presence fan-out)", () => {
  it("follows create, adduser, kick and remove, and a transition needs no directory query", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const x = await api.newChannel(bob.token, [alice.user.id], "x");
    const y = await api.newChannel(bob.token, [], "y");
    await api.ok("channel.adduser", { channel_id: y.id, user_id: alice.user.id }, bob.token);
    const z = await api.newChannel(bob.token, [alice.user.id], "z");
    const gone = await api.newChannel(bob.token, [alice.user.id], "gone");
    expect(await roomList(alice.user.id)).toEqual({ ids: [x.id, y.id, z.id, gone.id].sort((a, b) => a - b), complete: true });

    await api.ok("channel.kick", { channel_id: z.id, user_id: alice.user.id }, bob.token);
    await api.ok("channel.remove", { channel_id: gone.id }, bob.token);
    expect((await roomList(alice.user.id)).ids).toEqual([x.id, y.id]);

    // Watchers in x, y and z; the directory no longer knows alice's memberships at all, and the
    // user room is evicted, so the list must come from its storage.
    const watchers = await Promise.all([x, y, z].map((c) => channelSocket(c.id)));
    for (const w of watchers) await w.auth(bob.wsToken);
    await dropDirectoryMemberships(alice.user.id);
    await evictDurableObject(userStub(alice.user.id));

    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    expect((await onlyOne(watchers[0]!, presenceOf(alice.user.id), "online in x")).payload.channel_id).toBe(x.id);
    expect((await onlyOne(watchers[1]!, presenceOf(alice.user.id), "online in y")).payload.channel_id).toBe(y.id);
    await watchers[2]!.nothing(presenceOf(alice.user.id), 200); // kicked from z
    stream.close();
    expect((await nextPresence(watchers[0]!, alice.user.id)).event).toBe("user.offline");
    expect((await nextPresence(watchers[1]!, alice.user.id)).event).toBe("user.offline");
    for (const w of watchers) w.close();
  });

  it("a user room that never learnt the list reads it from the directory once, then keeps it", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const shared = await api.newChannel(bob.token, [alice.user.id], "shared");
    // A user from before the list existed: no rows, not complete (evicted, so memory forgets too).
    await runInDurableObject(userStub(alice.user.id), (_room, state) => {
      state.storage.sql.exec("DELETE FROM channels");
      state.storage.sql.exec("DELETE FROM _meta WHERE key = 'channels_complete'");
    });
    await evictDurableObject(userStub(alice.user.id));
    expect(await roomList(alice.user.id)).toEqual({ ids: [], complete: false });

    const watcher = await channelSocket(shared.id);
    await watcher.auth(bob.wsToken);
    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).payload.channel_id).toBe(shared.id);
    expect(await roomList(alice.user.id)).toEqual({ ids: [shared.id], complete: true });

    // From now on the directory is not asked: the offline transition still reaches `shared`.
    await dropDirectoryMemberships(alice.user.id);
    stream.close();
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.offline");
    watcher.close();
  });

  it("last_active_on is the last presence transition, in user.info and in a channel's member copy", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const loginTs = alice.user.last_active_on_ts as number;
    // Alice's presence moves an hour after her login (on her user room's clock).
    await runInDurableObject(userStub(alice.user.id), (room) => {
      (room as unknown as { clock: { advance(ms: number): void } }).clock.advance(3_600_000);
    });
    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    const online = (await api.ok("user.info", {}, alice.token)).user;
    expect(online.online_status).toBe(true);
    expect(online.last_active_on_ts - loginTs).toBeGreaterThanOrEqual(3600);
    stream.close();
    await expect.poll(async () => (await api.ok("user.info", {}, alice.token)).user.online_status).toBe(false);
    const offline = (await api.ok("user.info", {}, alice.token)).user;
    expect(offline.last_active_on_ts - loginTs).toBeGreaterThanOrEqual(3600);

    // A channel made afterwards shows the offline member with the same last activity.
    const c = await api.newChannel(bob.token, [alice.user.id], "later");
    const member = c.members.find((m: { id: number }) => m.id === alice.user.id);
    expect(member).toMatchObject({ online_status: false, last_active_on_ts: offline.last_active_on_ts, last_active_on: offline.last_active_on });
  });
});
