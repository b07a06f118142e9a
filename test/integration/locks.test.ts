import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { channelWs, trio } from "../helpers/life";
import { advanceAndRunAlarm, alarmOf, api, channelSocket, channelStub } from "../helpers/workerd";

const PATH = "/cf/4/attachments/Screen Shot 2020-04-10 at 1.25.09 PM.png";
const nowSec = () => Math.floor(Date.now() / 1000);

async function advanceClock(channelId: number, ms: number): Promise<void> {
  await runInDurableObject(channelStub(channelId), (room) => {
    (room as unknown as { clock: { advance(ms: number): void } }).clock.advance(ms);
  });
}

describe("lock.acquire / lock.refresh / lock.release", () => {
  it("acquire: {lock} with expires_on_ts (default TTL 600 s) and lock.acquire carrying the lock (seq)", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, bob.wsToken);
    const before = nowSec();
    const body = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH }, alice.token);
    const after = nowSec();
    expect(body).toEqual({
      meta: { ok: true },
      lock: { lock_id: expect.any(Number), channel_id: channel.id, user_id: alice.user.id, path: PATH, expires_on_ts: expect.any(Number) },
    });
    expect(body.lock.expires_on_ts).toBeGreaterThanOrEqual(before + 600);
    expect(body.lock.expires_on_ts).toBeLessThanOrEqual(after + 600);
    expect(await ws.event("lock.acquire")).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: 2 },
      event: "lock.acquire",
      payload: body.lock,
    });
    ws.close();
  });

  it("409 while another user holds the path; the holder acquiring again refreshes it with the same lock_id and no event", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, alice.wsToken);
    const first = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: 60 }, alice.token);
    await ws.event("lock.acquire");

    const held = await api.call("lock.acquire", { channel_id: channel.id, path: PATH }, bob.token);
    expect(held.status).toBe(409);
    expect(held.body.meta).toEqual({ ok: false, error: "path is locked by another user", code: "lock_held" });

    const again = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: "3600" }, alice.token);
    expect(again.lock).toEqual({ ...first.lock, expires_on_ts: expect.any(Number) });
    expect(again.lock.expires_on_ts).toBeGreaterThanOrEqual(first.lock.expires_on_ts + 3540 - 1);
    await ws.nothing((f) => f.event?.startsWith("lock."));

    // another path is independent, and its lock_id is larger (a fencing token)
    const other = await api.ok("lock.acquire", { channel_id: channel.id, path: "/cf/other" }, bob.token);
    expect(other.lock.lock_id).toBeGreaterThan(first.lock.lock_id);
    ws.close();
  });

  it("ttl_seconds 1-3600 (else 422); path required; non-members 403; GET 405", async () => {
    const { alice, channel } = await trio();
    const eve = await api.newUser("Eve");
    for (const ttl of [0, 3601, -1, 1.5, "abc", "", true]) {
      const r = await api.call("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: ttl }, alice.token);
      expect(r.status, String(ttl)).toBe(422);
      expect(r.body.ttl_seconds, String(ttl)).toEqual(expect.any(String));
    }
    const none = await api.call("lock.acquire", { channel_id: channel.id }, alice.token);
    expect(none.status).toBe(422);
    expect(none.body.path).toEqual(expect.any(String));
    expect((await api.call("lock.acquire", { channel_id: channel.id, path: "/a", ttl_seconds: 1 }, alice.token)).status).toBe(200);
    expect((await api.call("lock.acquire", { channel_id: channel.id, path: "/b", ttl_seconds: 3600 }, alice.token)).status).toBe(200);
    const out = await api.call("lock.acquire", { channel_id: channel.id, path: "/c" }, eve.token);
    expect(out.status).toBe(403);
    expect(out.body.meta.code).toBe("not_a_member");
    const get = await api.call("lock.acquire", {}, alice.token, { method: "GET", body: undefined });
    expect(get.status).toBe(405);
  });

  it("refresh: holder only (403 otherwise), default TTL is the lock's original, 404 for an unknown lock", async () => {
    const { alice, bob, channel } = await trio();
    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: 100 }, bob.token);

    const before = nowSec();
    const refreshed = await api.ok("lock.refresh", { channel_id: channel.id, lock_id: lock.lock_id }, bob.token);
    expect(refreshed).toEqual({ meta: { ok: true }, lock: { ...lock, expires_on_ts: expect.any(Number) } });
    expect(refreshed.lock.expires_on_ts).toBeGreaterThanOrEqual(before + 100);
    expect(refreshed.lock.expires_on_ts).toBeLessThanOrEqual(nowSec() + 100);
    const longer = await api.ok("lock.refresh", { channel_id: channel.id, lock_id: String(lock.lock_id), ttl_seconds: 1000 }, bob.token);
    expect(longer.lock.expires_on_ts).toBeGreaterThanOrEqual(before + 1000);

    const byOwner = await api.call("lock.refresh", { channel_id: channel.id, lock_id: lock.lock_id }, alice.token);
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.meta.code).toBe("not_lock_holder");
    const unknown = await api.call("lock.refresh", { channel_id: channel.id, lock_id: 9999 }, bob.token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.meta.code).toBe("lock_not_found");
    const tooLong = await api.call("lock.refresh", { channel_id: channel.id, lock_id: lock.lock_id, ttl_seconds: 3601 }, bob.token);
    expect(tooLong.status).toBe(422);
  });

  it("release: 403 for a foreign release by a member; the holder or the channel owner releases, announced by lock.release", async () => {
    const { alice, bob, carol, channel } = await trio();
    const ws = await channelWs(channel.id, alice.wsToken);
    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH }, bob.token);
    await ws.event("lock.acquire");

    const foreign = await api.call("lock.release", { channel_id: channel.id, lock_id: lock.lock_id }, carol.token);
    expect(foreign.status).toBe(403);
    expect(foreign.body.meta.code).toBe("not_lock_holder");
    await ws.nothing((f) => f.event === "lock.release");

    expect(await api.ok("lock.release", { channel_id: channel.id, lock_id: lock.lock_id }, alice.token)).toEqual({ meta: { ok: true } });
    expect(await ws.event("lock.release")).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: 3 }, // bot message, acquire, release
      event: "lock.release",
      payload: lock,
    });
    expect((await api.call("lock.release", { channel_id: channel.id, lock_id: lock.lock_id }, bob.token)).status).toBe(404);
    expect((await api.call("lock.refresh", { channel_id: channel.id, lock_id: lock.lock_id }, bob.token)).status).toBe(404);

    // the path is free again; the new lock has a larger id; its holder releases it
    const next = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH }, carol.token);
    expect(next.lock.lock_id).toBeGreaterThan(lock.lock_id);
    expect(await api.ok("lock.release", { channel_id: channel.id, lock_id: next.lock.lock_id }, carol.token)).toEqual({ meta: { ok: true } });
    expect((await ws.event("lock.release")).payload).toEqual(next.lock);
    ws.close();
  });
});

describe("lock expiry (the room's alarm)", () => {
  it("a lock expiring while the room is evicted (sockets hibernated) is released by the alarm and announced", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, bob.wsToken);
    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: 1 }, alice.token);
    const acquired = await ws.event("lock.acquire");
    const stub = channelStub(channel.id);
    expect(await alarmOf(stub)).not.toBeNull();

    await evictDurableObject(stub);
    await advanceAndRunAlarm(stub, 1500);
    expect(await ws.event("lock.release")).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: acquired.meta.seq + 1 },
      event: "lock.release",
      payload: lock,
    });
    const next = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH }, bob.token);
    expect(next.lock.lock_id).toBeGreaterThan(lock.lock_id);
    ws.close();
  });

  it("expires with no sockets at all: the alarm stays armed through eviction, releases it, logs lock.release for resume, then leaves no alarm", async () => {
    const { alice, bob, channel } = await trio();
    const probe = await channelSocket(channel.id);
    const ready = await probe.auth(alice.wsToken);
    probe.close();
    await probe.waitClose();

    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: 2 }, alice.token);
    const stub = channelStub(channel.id);
    await evictDurableObject(stub, { webSockets: "close" });
    expect(await alarmOf(stub)).not.toBeNull();
    await advanceAndRunAlarm(stub, 2500);
    expect(await alarmOf(stub)).toBeNull();

    const ws = await channelSocket(channel.id);
    await ws.auth(bob.wsToken);
    ws.send({ command: "ws_resume", epoch: ready.payload.epoch, since_seq: ready.payload.seq });
    expect(await ws.event("lock.acquire")).toMatchObject({ meta: { seq: ready.payload.seq + 1 }, payload: lock });
    expect(await ws.event("lock.release")).toMatchObject({ meta: { seq: ready.payload.seq + 2 }, payload: lock });
    expect((await ws.event("rtm.resumed")).payload).toEqual({ recovered: true, seq: ready.payload.seq + 2 });
    const next = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH }, bob.token);
    expect(next.lock.lock_id).toBeGreaterThan(lock.lock_id);
    ws.close();
  });

  it("a lease that ran out before the alarm fired does not block others: it is released (announced) first", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, alice.wsToken);
    const { lock } = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH, ttl_seconds: 5 }, alice.token);
    await ws.event("lock.acquire");
    await advanceClock(channel.id, 6000);
    const next = await api.ok("lock.acquire", { channel_id: channel.id, path: PATH }, bob.token);
    expect((await ws.event("lock.release")).payload).toEqual(lock);
    expect((await ws.event("lock.acquire")).payload).toEqual(next.lock);
    // refreshing an expired lease is too late
    expect((await api.call("lock.refresh", { channel_id: channel.id, lock_id: lock.lock_id }, alice.token)).status).toBe(404);
    ws.close();
  });
});
