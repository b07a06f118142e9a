import { SELF, env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { advanceClock } from "../helpers/clock";
import { report, tried } from "../helpers/hostile";
import type { TestSocket } from "../helpers/socket";
import { BASE, api, channelSocket, userSocket, userStub } from "../helpers/workerd";

afterAll(() => report("integration quotas"));

const config = loadConfig(env as unknown as Record<string, unknown>);
/** User ids nobody has (real ones start at 91010000 and tests create a few hundred). */
const unknownIds = (from: number, n: number) => Array.from({ length: n }, (_, i) => 99_000_000 + from + i);

async function channelsCreatedBy(userId: number): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM channels WHERE created_by = ?1").bind(userId).first<{ n: number }>();
  return row!.n;
}

/** Spends part of a user's hourly quota directly in their room, so a test can reach the limit in a few requests. */
async function prespend(userId: number, spend: { channels?: number; users_added?: number; failed_lookups?: number }) {
  const verdict = await userStub(userId).reserveQuota(spend, {});
  expect(verdict).toEqual({ ok: true });
}

function expect429(r: { status: number; body: Record<string, any>; headers: Headers }, code: string): number {
  expect(r.status).toBe(429);
  expect(r.body.meta).toMatchObject({ ok: false, code });
  const retry = Number(r.headers.get("retry-after"));
  expect(Number.isInteger(retry) && retry >= 1).toBe(true);
  return retry;
}

describe("account discovery through invitee lookups", () => {
  it("an enumeration sweep: the first 500 ids are sorted by the 422, the next sweep meets 429 naming nobody", async () => {
    const alice = await api.newUser("Alice");
    const mallory = await api.newUser("Mallory");
    const first = [alice.user.id, ...unknownIds(0, 499)];
    const r1 = await api.call("channel.create", { channel_name: "sweep", user_ids: first }, mallory.token);
    tried("enumeration sweep ids", first.length);
    expect(r1.status).toBe(422);
    expect(r1.body.user_ids).toContain(String(99_000_000)); // the contract: unknown ids are named
    expect(r1.body.user_ids).not.toContain(String(alice.user.id));

    const second = [alice.user.id, ...unknownIds(500, 499)];
    const r2 = await api.call("channel.create", { channel_name: "sweep", user_ids: second }, mallory.token);
    tried("enumeration sweep ids", second.length);
    const retry = expect429(r2, "lookup_quota");
    expect(r2.body.user_ids).toBeUndefined();
    expect(JSON.stringify(r2.body)).not.toContain("99000");

    // Past the quota, existing and unknown invitees get the same answer, on both routes.
    const own = await api.newChannel(mallory.token);
    const probes = [
      api.call("channel.create", { channel_name: "probe", user_ids: [alice.user.id] }, mallory.token),
      api.call("channel.create", { channel_name: "probe", emails: [alice.email] }, mallory.token),
      api.call("channel.create", { channel_name: "probe", emails: ["nobody.at.all@example.test"] }, mallory.token),
      api.call("channel.adduser", { channel_id: own.id, email: alice.email }, mallory.token),
      api.call("channel.adduser", { channel_id: own.id, email: "nobody.at.all@example.test" }, mallory.token),
      api.call("channel.adduser", { channel_id: own.id, user_id: 99_999_999 }, mallory.token),
    ];
    for (const r of await Promise.all(probes)) expect429(r, "lookup_quota");
    tried("lookups past the quota", probes.length);
    expect(await channelsCreatedBy(mallory.user.id)).toBe(1);
    expect((await api.ok("channel.members", { channel_id: own.id }, mallory.token)).members).toHaveLength(1);

    // The bucket drains: after Retry-After the contract's 422 comes back.
    await advanceClock(userStub(mallory.user.id), retry * 1000);
    const later = await api.call("channel.create", { channel_name: "later", user_ids: [99_999_998] }, mallory.token);
    expect(later.status).toBe(422);
    expect(later.body.user_ids).toContain("99999998");
  });

  it("channel.adduser misses count: 499 failed by channel.create, one 404, then 429 instead of 404", async () => {
    const mallory = await api.newUser("Mallory");
    const own = await api.newChannel(mallory.token);
    const r1 = await api.call("channel.create", { channel_name: "sweep", user_ids: unknownIds(2000, config.failedLookupsPerHour - 1) }, mallory.token);
    expect(r1.status).toBe(422);
    const miss = await api.call("channel.adduser", { channel_id: own.id, email: "nobody.1@example.test" }, mallory.token);
    expect(miss.status).toBe(404);
    expect(miss.body.meta.code).toBe("user_not_found");
    const next = await api.call("channel.adduser", { channel_id: own.id, email: "nobody.2@example.test" }, mallory.token);
    expect429(next, "lookup_quota");
    tried("adduser misses", 2);
  });

  it("a refused lookup gives back the channel and the users it had reserved", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    await prespend(alice.user.id, { channels: config.channelsPerHour - 1, users_added: config.usersAddedPerHour - 2 });
    const refused = await api.call("channel.create", { channel_name: "typo", user_ids: [bob.user.id, 99_999_997] }, alice.token);
    expect(refused.status).toBe(422);
    await api.ok("channel.create", { channel_name: "fixed", user_ids: [bob.user.id] }, alice.token);
    expect429(await api.call("channel.create", { channel_name: "one more" }, alice.token), "channel_quota");
  });
});

describe("channels created and users added per hour", () => {
  it(`concurrent channel.create: never more than QUOTA_CHANNELS_PER_HOUR (${config.channelsPerHour}); the rest 429 with nothing created`, async () => {
    const alice = await api.newUser("Alice");
    const left = 10;
    await prespend(alice.user.id, { channels: config.channelsPerHour - left });
    const results = await Promise.all(
      Array.from({ length: 2 * left }, (_, i) => api.call("channel.create", { channel_name: `c${i}` }, alice.token)),
    );
    tried("channel.create flood", results.length);
    expect(results.filter((r) => r.status === 200)).toHaveLength(left);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(left);
    const retries = refused.map((r) => expect429(r, "channel_quota"));
    expect(await channelsCreatedBy(alice.user.id)).toBe(left);
    // one channel's worth drains in an hour / limit
    expect(Math.min(...retries)).toBeLessThanOrEqual(Math.ceil(3600 / config.channelsPerHour));
    await advanceClock(userStub(alice.user.id), Math.min(...retries) * 1000);
    await api.ok("channel.create", { channel_name: "after the wait" }, alice.token);
    expect429(await api.call("channel.create", { channel_name: "and no more" }, alice.token), "channel_quota");
  });

  it("users added: channel.create and channel.adduser share the quota; concurrent adds never pass it", async () => {
    const alice = await api.newUser("Alice");
    const others = await Promise.all(["B", "C", "D", "E", "F", "G"].map((n) => api.newUser(n)));
    await prespend(alice.user.id, { users_added: config.usersAddedPerHour - 4 });
    const channel = await api.newChannel(alice.token, [others[0]!.user.id]);
    // a create naming more than is left is refused whole, before any lookup
    const tooMany = await api.call("channel.create", { channel_name: "big", user_ids: others.map((u) => u.user.id) }, alice.token);
    expect429(tooMany, "invite_quota");
    const adds = await Promise.all(
      others.slice(1).map((u) => api.call("channel.adduser", { channel_id: channel.id, user_id: u.user.id }, alice.token)),
    );
    expect(adds.filter((r) => r.status === 200)).toHaveLength(3);
    for (const r of adds.filter((r) => r.status !== 200)) expect429(r, "invite_quota");
    const members = (await api.ok("channel.members", { channel_id: channel.id }, alice.token)).members;
    expect(members).toHaveLength(1 + 1 + 3);
  });
});

describe("invites_from: opting out of being added by strangers", () => {
  it("defaults to anyone; shared_channels refuses strangers with 403 and lets people who share a channel in", async () => {
    const bob = await api.newUser("Bob");
    const alice = await api.newUser("Alice");
    const mallory = await api.newUser("Mallory");
    expect((await api.ok("user.settings", {}, bob.token)).settings).toEqual({ invites_from: "anyone" });
    await api.newChannel(alice.token, [bob.user.id], "shared");

    const set = await api.ok("user.settings.set", { invites_from: "shared_channels" }, bob.token);
    expect(set.settings).toEqual({ invites_from: "shared_channels" });
    expect((await api.ok("user.settings", {}, bob.token)).settings).toEqual({ invites_from: "shared_channels" });

    const byId = await api.call("channel.create", { channel_name: "grab", user_ids: [bob.user.id] }, mallory.token);
    expect(byId.status).toBe(403);
    expect(byId.body.meta.code).toBe("invite_refused");
    expect(byId.body.user_ids).toContain(String(bob.user.id));
    const byEmail = await api.call("channel.create", { channel_name: "grab", emails: [bob.email.toUpperCase()] }, mallory.token);
    expect(byEmail.status).toBe(403);
    expect(byEmail.body.emails).toContain(bob.email.toUpperCase());
    const own = await api.newChannel(mallory.token);
    const add = await api.call("channel.adduser", { channel_id: own.id, email: bob.email }, mallory.token);
    expect(add.status).toBe(403);
    expect(add.body.meta.code).toBe("invite_refused");
    expect(await channelsCreatedBy(mallory.user.id)).toBe(1);
    expect((await api.ok("channel.members", { channel_id: own.id }, mallory.token)).members).toHaveLength(1);

    // Alice shares "shared" with Bob: she may still create channels with him and add him.
    await api.ok("channel.create", { channel_name: "second", user_ids: [bob.user.id] }, alice.token);
    const third = await api.newChannel(alice.token, [], "third");
    await api.ok("channel.adduser", { channel_id: third.id, user_id: bob.user.id }, alice.token);

    // Back to anyone: Mallory's add goes through.
    await api.ok("user.settings.set", { invites_from: "anyone" }, bob.token);
    await api.ok("channel.adduser", { channel_id: own.id, user_id: bob.user.id }, mallory.token);
  });

  it("a removed shared channel no longer counts; bad values are 422 naming invites_from", async () => {
    const bob = await api.newUser("Bob");
    const alice = await api.newUser("Alice");
    const shared = await api.newChannel(alice.token, [bob.user.id]);
    await api.ok("user.settings.set", { invites_from: "shared_channels" }, bob.token);
    await api.ok("channel.remove", { channel_id: shared.id }, alice.token);
    const r = await api.call("channel.create", { channel_name: "again", user_ids: [bob.user.id] }, alice.token);
    expect(r.status).toBe(403);
    for (const value of ["nobody", "", 1, null]) {
      const bad = await api.call("user.settings.set", { invites_from: value }, bob.token);
      expect(bad.status).toBe(422);
      expect(typeof bad.body.invites_from).toBe("string");
      tried("bad settings value");
    }
    expect((await api.ok("user.settings", {}, bob.token)).settings).toEqual({ invites_from: "shared_channels" });
  });

  it("appears in the OpenAPI document through the route catalog", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/api/v1/openapi.json`)).json()) as any;
    expect(doc.paths["/api/v1/user.settings.set"].post).toBeDefined();
    expect(doc.paths["/api/v1/user.settings"].get).toBeDefined();
    expect(JSON.stringify(doc.components.schemas)).toContain("shared_channels");
  });
});

describe("locks held per user and channel", () => {
  it(`MAX_LOCKS_PER_USER (${config.maxLocksPerUser}): the next lock is 429 until one is released; refreshes and other users are unaffected`, async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const locks = [];
    for (let i = 0; i < config.maxLocksPerUser; i++) {
      locks.push((await api.ok("lock.acquire", { channel_id: channel.id, path: `/f/${i}`, ttl_seconds: 600 }, alice.token)).lock);
    }
    const over = await api.call("lock.acquire", { channel_id: channel.id, path: "/f/over" }, alice.token);
    tried("locks past the quota");
    const retry = expect429(over, "lock_quota");
    expect(retry).toBeGreaterThan(590);
    expect(retry).toBeLessThanOrEqual(600);
    await api.ok("lock.acquire", { channel_id: channel.id, path: "/f/0", ttl_seconds: 600 }, alice.token); // a refresh
    await api.ok("lock.acquire", { channel_id: channel.id, path: "/f/bob" }, bob.token);
    await api.ok("lock.release", { channel_id: channel.id, lock_id: locks[0].lock_id }, alice.token);
    await api.ok("lock.acquire", { channel_id: channel.id, path: "/f/over" }, alice.token);
  });
});

describe("sockets per user and room", () => {
  it(`MAX_SOCKETS_PER_USER (${config.maxSocketsPerUser}): the next ws_auth is closed 4029; other users and other rooms are unaffected`, async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const open: TestSocket[] = [];
    for (let i = 0; i < config.maxSocketsPerUser; i++) {
      const ws = await channelSocket(channel.id);
      await ws.auth(alice.wsToken);
      open.push(ws);
    }
    const over = await channelSocket(channel.id);
    over.send({ command: "ws_auth", auth_token: alice.wsToken });
    expect(await over.waitClose()).toEqual({ code: 4029, reason: "too many sockets" });
    tried("sockets past the quota");

    const bobs = await channelSocket(channel.id);
    await bobs.auth(bob.wsToken);
    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);

    const gone = open.shift()!;
    gone.close();
    await gone.waitClose(); // the room has handled the close
    const again = await channelSocket(channel.id);
    await again.auth(alice.wsToken);
    for (const ws of [...open, again, bobs, stream]) ws.close();
  });
});
