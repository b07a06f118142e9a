import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChannelRoom } from "../../src/channel/ChannelRoom";
import type { Env } from "../../src/env";
import { type FaultyD1, faultyD1 } from "../helpers/faultyD1";
import type { TestUser } from "../helpers/api";
import { advanceAndRunAlarm, alarmOf, api, channelStub } from "../helpers/workerd";

/**
 * The D1 directory converges on the channel rooms (docs/architecture.md "The directory outbox"):
 * a room commits a membership change with an outbox row, the route answers success whatever D1
 * does, and the room's alarm delivers the outbox until D1 has applied it.
 */

const OPERATOR = { authorization: "Bearer test-operator-token" };

/** Hands the channel's live room instance a D1 binding whose first `failures` writes throw. */
async function breakD1(channelId: number, failures: number): Promise<FaultyD1> {
  const faulty = faultyD1(env.DB, failures);
  await runInDurableObject(channelStub(channelId), (room: ChannelRoom) => {
    const r = room as unknown as { env: Env };
    r.env = Object.create(r.env, { DB: { value: faulty.db } }) as Env;
  });
  return faulty;
}

async function backlog(channelId: number): Promise<number> {
  return runInDurableObject(channelStub(channelId), (_room, state) =>
    state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM directory_outbox").one().n,
  );
}

/** The channels channel.list shows the user (the directory's index, filtered by each room). */
async function listed(user: TestUser): Promise<number[]> {
  const { channels } = await api.ok("channel.list", {}, user.token);
  return channels.map((c: { id: number }) => c.id);
}

async function d1Members(channelId: number): Promise<{ user_id: number; user_role: number }[]> {
  const { results } = await env.DB.prepare("SELECT user_id, user_role FROM memberships WHERE channel_id = ?1 ORDER BY user_id")
    .bind(channelId)
    .all<{ user_id: number; user_role: number }>();
  return results;
}

async function roomMembers(channelId: number, asUser: TestUser): Promise<{ user_id: number; user_role: number }[]> {
  const { members } = await api.ok("channel.members", { channel_id: channelId }, asUser.token);
  return members.map((m: { id: number; user_role: number }) => ({ user_id: m.id, user_role: m.user_role })).sort((a: any, b: any) => a.user_id - b.user_id);
}

/** channel.list and user.info agree with the room for each user. */
async function agrees(channelId: number, owner: TestUser, users: { user: TestUser; member: boolean }[]): Promise<void> {
  expect(await d1Members(channelId)).toEqual(await roomMembers(channelId, owner));
  for (const { user, member } of users) {
    expect((await listed(user)).includes(channelId)).toBe(member);
    expect((await api.ok("user.info", {}, user.token)).user.id).toBe(user.user.id);
  }
}

describe("the directory converges when D1 writes fail", () => {
  it("adduser, rename and kick answer success; the alarm retries with doubling waits until D1 is in step", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const channel = await api.newChannel(alice.token, [carol.user.id]);
    const stub = channelStub(channel.id);
    const faulty = await breakD1(channel.id, 4);

    // every route answers success although D1 refuses its writes
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    await api.ok("channel.rename", { channel_id: channel.id, channel_name: "renamed" }, alice.token);
    await api.ok("channel.kick", { channel_id: channel.id, user_id: carol.user.id }, alice.token);
    // each route's own delivery attempt failed: three refusals, nothing applied yet
    expect(faulty.refused()).toBe(3);
    expect(await backlog(channel.id)).toBe(3);
    expect(await listed(bob)).not.toContain(channel.id);
    expect((await d1Members(channel.id)).map((m) => m.user_id)).toContain(carol.user.id);
    const alarm = await alarmOf(stub);
    expect(alarm).not.toBeNull();

    // three failures: the next attempt waits 4 s (1, 2, 4, ...); 3 s later nothing is due yet
    // (margins of a second or more: real time passes too while a loaded machine runs the test)
    expect(await advanceAndRunAlarm(stub, 3_000)).toBe(true);
    expect(faulty.refused()).toBe(3);
    // the alarm's attempt at 4 s fails too; the next waits 8 s
    expect(await advanceAndRunAlarm(stub, 1_500)).toBe(true);
    expect(faulty.refused()).toBe(4);
    expect(await backlog(channel.id)).toBe(3);
    expect(await advanceAndRunAlarm(stub, 6_000)).toBe(true);
    expect(await backlog(channel.id)).toBe(3);
    expect(await advanceAndRunAlarm(stub, 2_500)).toBe(true);
    expect(await backlog(channel.id)).toBe(0);
    expect(await alarmOf(stub)).toBeNull(); // nothing left to do: no alarm kept armed

    await agrees(channel.id, alice, [
      { user: alice, member: true },
      { user: bob, member: true },
      { user: carol, member: false },
    ]);
    const row = await env.DB.prepare("SELECT channel_name FROM channels WHERE id = ?1").bind(channel.id).first<{ channel_name: string }>();
    expect(row?.channel_name).toBe("renamed");
    expect((await api.ok("channel.info", { channel_id: channel.id }, bob.token)).channel.channel_name).toBe("renamed");
  });

  it("the same holds when the room is evicted between its commit and the delivery", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, []);
    const stub = channelStub(channel.id);
    await breakD1(channel.id, 1);
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    expect(await backlog(channel.id)).toBe(1);
    expect(await listed(bob)).not.toContain(channel.id);

    // a fresh instance (with the real D1) knows nothing in memory: the outbox row and the alarm did survive
    await evictDurableObject(stub);
    expect(await alarmOf(stub)).not.toBeNull();
    expect(await advanceAndRunAlarm(stub, 1_500)).toBe(true);
    expect(await backlog(channel.id)).toBe(0);
    await agrees(channel.id, alice, [
      { user: alice, member: true },
      { user: bob, member: true },
    ]);
  });

  it("an owner leaving hands over ownership in D1 too, after the room was evicted mid-retry", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const stub = channelStub(channel.id);
    await breakD1(channel.id, 1);
    await api.ok("channel.leave", { channel_id: channel.id }, alice.token);
    await evictDurableObject(stub);
    expect(await advanceAndRunAlarm(stub, 1_500)).toBe(true);
    expect(await d1Members(channel.id)).toEqual([{ user_id: bob.user.id, user_role: 100 }]);
    await agrees(channel.id, bob, [
      { user: alice, member: false },
      { user: bob, member: true },
    ]);
  });

  it("channel.remove under a D1 fault: success at once, removed in D1 after the retry", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, []);
    const stub = channelStub(channel.id);
    await breakD1(channel.id, 1);
    await api.ok("channel.remove", { channel_id: channel.id }, alice.token);
    expect(await d1Members(channel.id)).toEqual([{ user_id: alice.user.id, user_role: 100 }]); // not applied yet
    expect(await advanceAndRunAlarm(stub, 1_500)).toBe(true);
    expect(await d1Members(channel.id)).toEqual([]);
    expect(await listed(alice)).not.toContain(channel.id);
    const row = await env.DB.prepare("SELECT removed FROM channels WHERE id = ?1").bind(channel.id).first<{ removed: number }>();
    expect(row?.removed).toBe(1);
    // the room kept its outbox through the outage, and vacates once the removal is delivered
    const left = await runInDurableObject(stub, (_room, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
        .toArray(),
    );
    expect(left).toEqual([]);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("a delivery that D1 applied twice (the room never heard back) changes nothing", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const before = await d1Members(channel.id);
    await runInDurableObject(channelStub(channel.id), async (_room, state) => {
      // replay the outbox rows the room delivered, as a retry after a lost answer would
      state.storage.sql.exec(
        "INSERT INTO directory_outbox (change, created_on) VALUES (?, 0)",
        JSON.stringify({ op: "set_members", channel_id: channel.id, members: before }),
      );
      state.storage.sql.exec("INSERT OR REPLACE INTO pending (kind, key, due) VALUES ('directory', 'outbox', 0)");
      await state.storage.setAlarm(Date.now());
    });
    expect(await advanceAndRunAlarm(channelStub(channel.id), 1_500)).toBe(true);
    expect(await d1Members(channel.id)).toEqual(before);
    expect(await backlog(channel.id)).toBe(0);
  });
});

describe("system.directory: consistency check and repair", () => {
  it("reports what D1 lacks and has wrong, repairs it from the room, and refuses without the operator token", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    // drift from outside: bob's row lost, a stranger listed, the name changed
    await env.DB.batch([
      env.DB.prepare("DELETE FROM memberships WHERE channel_id = ?1 AND user_id = ?2").bind(channel.id, bob.user.id),
      env.DB.prepare("INSERT INTO memberships (user_id, channel_id, user_role) VALUES (?1, ?2, 20)").bind(carol.user.id, channel.id),
      env.DB.prepare("UPDATE channels SET channel_name = 'drifted' WHERE id = ?1").bind(channel.id),
    ]);
    expect(await listed(bob)).not.toContain(channel.id);

    const call = (params: Record<string, unknown>, headers: Record<string, string> = OPERATOR) =>
      api.call("system.directory", params, undefined, { headers: { "content-type": "application/json", ...headers } });
    const denied = await call({ channel_ids: [channel.id] }, {});
    expect(denied.status).toBe(401);

    const check = await call({ channel_ids: [channel.id, 99_999_999] });
    expect(check.status).toBe(200);
    expect(check.body.channels).toEqual([
      {
        channel_id: channel.id,
        found: true,
        in_sync: false,
        backlog: 0,
        missing: [bob.user.id],
        extra: [carol.user.id],
        wrong_role: [],
        name_differs: true,
        removed_differs: false,
        repaired: false,
      },
      expect.objectContaining({ channel_id: 99_999_999, found: false, in_sync: false }),
    ]);
    // a check alone changes nothing
    expect(await listed(bob)).not.toContain(channel.id);

    const repair = await call({ channel_ids: String(channel.id), repair: 1 });
    expect(repair.body.channels[0]).toMatchObject({ in_sync: true, repaired: true, missing: [], extra: [], name_differs: false });
    await agrees(channel.id, alice, [
      { user: alice, member: true },
      { user: bob, member: true },
      { user: carol, member: false },
    ]);
    // a channel in step is left alone
    expect((await call({ channel_ids: [channel.id], repair: true })).body.channels[0]).toMatchObject({ in_sync: true, repaired: false });
    expect((await call({ channel_ids: [] })).status).toBe(422);
  });
});
