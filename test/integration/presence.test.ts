import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { nextPresence, onlyOne, presenceOf } from "../helpers/members";
import type { TestUser } from "../helpers/api";
import type { TestSocket } from "../helpers/socket";
import { advanceAndRunAlarm, alarmOf, api, channelSocket, channelStub, userSocket, userStub } from "../helpers/workerd";

const PING = 25_000;

/** A liveness ping that reaches the room (not the runtime's auto-response), so it counts as a frame on the room's clock. */
async function keepAlive(ws: TestSocket, id: string): Promise<void> {
  ws.send({ command: "ws_ping", correlationId: id });
  await ws.next((f) => f.event === "pong", 5000, "pong");
}

async function onlineStatus(token: string, channelId: number, userId: number): Promise<boolean> {
  const { members } = await api.ok("channel.members", { channel_id: channelId }, token);
  return members.find((m: any) => m.id === userId).online_status;
}

async function userInfoOnline(u: TestUser): Promise<boolean> {
  return (await api.ok("user.info", {}, u.token)).user.online_status;
}

/**
 * alice and bob share channel `shared`; alice alone is in `solo` (where her sockets go when a test
 * drives that room's alarms without touching bob's socket). bob watches from `shared`.
 */
async function setup() {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const shared = await api.newChannel(alice.token, [bob.user.id], "shared");
  const solo = await api.newChannel(alice.token, [], "solo");
  const watcher = await channelSocket(shared.id);
  await watcher.auth(bob.wsToken);
  await nextPresence(watcher, bob.user.id); // bob's own user.online
  return { alice, bob, shared, solo, watcher };
}

describe("global presence", () => {
  it("two sockets of one user: one user.online, and one user.offline after both close, to channel sockets only", async () => {
    const { alice, bob, shared, watcher } = await setup();
    const bobStream = await userSocket(bob.user.id);
    await bobStream.auth(bob.wsToken);
    expect(await onlineStatus(bob.token, shared.id, alice.user.id)).toBe(false);

    const a1 = await channelSocket(shared.id);
    await a1.auth(alice.wsToken);
    const a2 = await userSocket(alice.user.id);
    await a2.auth(alice.wsToken);

    const online = await onlyOne(watcher, presenceOf(alice.user.id), "alice online");
    const aliceNow = (await api.ok("user.info", {}, alice.token)).user;
    expect(online).toEqual({
      meta: { api: "v1", time: expect.any(Number) },
      event: "user.online",
      payload: { user: { ...aliceNow, online_status: true }, channel_id: shared.id },
    });
    expect(aliceNow.online_status).toBe(true);
    expect(await onlineStatus(bob.token, shared.id, alice.user.id)).toBe(true);
    // Her own channel socket hears it too; user streams never do.
    expect((await nextPresence(a1, alice.user.id)).event).toBe("user.online");
    await a2.nothing(presenceOf(alice.user.id), 100);
    await bobStream.nothing((f) => f.event === "user.online" || f.event === "user.offline", 100);

    a1.close();
    await watcher.nothing(presenceOf(alice.user.id), 300);
    expect(await userInfoOnline(alice)).toBe(true);
    a2.close();
    const offline = await onlyOne(watcher, presenceOf(alice.user.id), "alice offline");
    expect(offline.event).toBe("user.offline");
    expect(offline.payload.channel_id).toBe(shared.id);
    expect(offline.payload.user).toMatchObject({ id: alice.user.id, email: alice.email, online_status: false });
    expect(offline.meta.seq).toBeUndefined();
    expect(await onlineStatus(bob.token, shared.id, alice.user.id)).toBe(false);
    expect(await userInfoOnline(alice)).toBe(false);
    const login = await api.ok("user.login", { email: alice.email, password: alice.password });
    expect(login.user.online_status).toBe(false);
    await bobStream.nothing((f) => f.event === "user.online" || f.event === "user.offline", 100);
    watcher.close();
    bobStream.close();
  });

  it("goes to every channel of the user, with channel_id set per channel", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const x = await api.newChannel(alice.token, [bob.user.id], "x");
    const y = await api.newChannel(alice.token, [carol.user.id], "y");
    const bx = await channelSocket(x.id);
    await bx.auth(bob.wsToken);
    const cy = await channelSocket(y.id);
    await cy.auth(carol.wsToken);

    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    expect((await nextPresence(bx, alice.user.id)).payload.channel_id).toBe(x.id);
    expect((await nextPresence(cy, alice.user.id)).payload.channel_id).toBe(y.id);
    stream.close();
    const offX = await nextPresence(bx, alice.user.id);
    expect([offX.event, offX.payload.channel_id]).toEqual(["user.offline", x.id]);
    const offY = await nextPresence(cy, alice.user.id);
    expect([offY.event, offY.payload.channel_id]).toEqual(["user.offline", y.id]);
    bx.close();
    cy.close();
  });

  it("online_status is right in a channel created, or joined, while the user is online", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const bobStream = await userSocket(bob.user.id);
    await bobStream.auth(bob.wsToken);
    const aliceStream = await userSocket(alice.user.id);
    await aliceStream.auth(alice.wsToken);
    const channel = await api.newChannel(alice.token, [bob.user.id, carol.user.id]);
    expect(channel.members.map((m: any) => [m.id, m.online_status])).toEqual([
      [alice.user.id, true],
      [bob.user.id, true],
      [carol.user.id, false],
    ]);
    const dave = await api.newUser("Dave");
    const daveStream = await userSocket(dave.user.id);
    await daveStream.auth(dave.wsToken);
    const res = await api.ok("channel.adduser", { channel_id: channel.id, user_id: dave.user.id }, alice.token);
    expect(res.channel.members.at(-1)).toMatchObject({ id: dave.user.id, online_status: true });
    // Going offline afterwards reaches the new channel.
    const a = await channelSocket(channel.id);
    await a.auth(alice.wsToken);
    daveStream.close();
    const off = await nextPresence(a, dave.user.id);
    expect([off.event, off.payload.channel_id]).toEqual(["user.offline", channel.id]);
    for (const ws of [bobStream, aliceStream, a]) ws.close();
  });

  it("a silent socket closed by the ping check (4008) ends in user.offline", async () => {
    const { alice, solo, watcher, shared } = await setup();
    const a = await channelSocket(solo.id);
    await a.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.online");

    const stub = channelStub(solo.id);
    await advanceAndRunAlarm(stub, PING + 1);
    await a.event("ping");
    await watcher.nothing(presenceOf(alice.user.id), 100);
    await advanceAndRunAlarm(stub, PING);
    expect((await a.waitClose()).code).toBe(4008);
    const off = await onlyOne(watcher, presenceOf(alice.user.id), "alice offline");
    expect([off.event, off.payload.channel_id]).toEqual(["user.offline", shared.id]);
    expect(await alarmOf(stub)).toBeNull();
    watcher.close();
  });

  it("renewed leases keep a live connection online past the lease lifetime", async () => {
    const { alice, solo, watcher } = await setup();
    const a = await channelSocket(solo.id);
    await a.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.online");
    const room = channelStub(solo.id);
    const user = userStub(alice.user.id);
    // Four intervals on both clocks; the room renews each interval, the lease lives two.
    for (let i = 0; i < 4; i++) {
      await keepAlive(a, `k${i}`);
      await advanceAndRunAlarm(room, PING);
      await advanceAndRunAlarm(user, PING);
    }
    await watcher.nothing(presenceOf(alice.user.id), 200);
    expect(await userInfoOnline(alice)).toBe(true);
    a.close();
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.offline");
    watcher.close();
  });

  it("a socket that vanishes with no close event: the room's next renewal reports it gone (user.offline within one interval)", async () => {
    const { alice, solo, watcher } = await setup();
    const a = await channelSocket(solo.id);
    await a.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.online");

    const stub = channelStub(solo.id);
    await evictDurableObject(stub, { webSockets: "close" });
    await watcher.nothing(presenceOf(alice.user.id), 200);
    expect(await userInfoOnline(alice)).toBe(true);
    await advanceAndRunAlarm(stub, PING);
    const off = await onlyOne(watcher, presenceOf(alice.user.id), "alice offline");
    expect(off.event).toBe("user.offline");
    expect(await userInfoOnline(alice)).toBe(false);
    watcher.close();
  });

  it("a socket whose room never reports again: its lease expires in the UserRoom within two intervals", async () => {
    const { alice, solo, watcher } = await setup();
    const a = await channelSocket(solo.id);
    await a.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.online");

    await evictDurableObject(channelStub(solo.id), { webSockets: "close" });
    const user = userStub(alice.user.id);
    await advanceAndRunAlarm(user, PING);
    await watcher.nothing(presenceOf(alice.user.id), 200);
    await advanceAndRunAlarm(user, PING);
    const off = await onlyOne(watcher, presenceOf(alice.user.id), "alice offline");
    expect(off.event).toBe("user.offline");
    expect(await onlineStatus(alice.token, solo.id, alice.user.id)).toBe(false);
    watcher.close();
  });

  it("a user stream that vanishes with no close event is dropped by its own room's lease check", async () => {
    const { alice, watcher } = await setup();
    const s = await userSocket(alice.user.id);
    await s.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.online");
    const user = userStub(alice.user.id);
    await evictDurableObject(user, { webSockets: "close" });
    await advanceAndRunAlarm(user, 2 * PING);
    expect((await onlyOne(watcher, presenceOf(alice.user.id), "alice offline")).event).toBe("user.offline");
    watcher.close();
  });

  it("removing a channel closes its sockets (4004); a user with no other connection goes offline elsewhere", async () => {
    const { alice, solo, watcher, shared } = await setup();
    const a = await channelSocket(solo.id);
    await a.auth(alice.wsToken);
    expect((await nextPresence(watcher, alice.user.id)).event).toBe("user.online");
    await api.ok("channel.remove", { channel_id: solo.id }, alice.token);
    expect((await a.waitClose()).code).toBe(4004);
    const off = await onlyOne(watcher, presenceOf(alice.user.id), "alice offline");
    expect([off.event, off.payload.channel_id]).toEqual(["user.offline", shared.id]);
    expect(await alarmOf(channelStub(solo.id))).toBeNull();
    watcher.close();
  });

  it("a kicked user's closed socket counts as gone", async () => {
    const { alice, bob, shared, watcher } = await setup();
    const a = await channelSocket(shared.id);
    await a.auth(alice.wsToken);
    expect(await userInfoOnline(bob)).toBe(true);
    await api.ok("channel.kick", { channel_id: shared.id, user_id: bob.user.id }, alice.token);
    expect((await watcher.waitClose()).code).toBe(4003);
    expect(await userInfoOnline(bob)).toBe(false);
    // The kicked channel hears nothing more about bob.
    await a.nothing(presenceOf(bob.user.id), 200);
    a.close();
  });
});
