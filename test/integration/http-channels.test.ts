import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "../helpers/api";
import { form, query } from "../helpers/requests";
import { api, userSocket } from "../helpers/workerd";

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const userShape = (u: { id: number; email: string; name: string }, role?: number) => ({
  id: u.id,
  email: u.email,
  display_name: u.name,
  has_avatar: false,
  online_status: expect.any(Boolean),
  last_active_on: expect.stringMatching(TIME),
  last_active_on_ts: expect.any(Number),
  ...(role === undefined ? {} : { user_role: role }),
});

async function channelCountBy(userId: number): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM channels WHERE created_by = ?1").bind(userId).first<{ n: number }>();
  return row!.n;
}

describe("channel.create", () => {
  it("alone: the creator is the owner (100); no bot message; the creator's stream gets channel.create", async () => {
    const alice = await api.newUser("Alice");
    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    const before = Date.now();
    const r = await api.ok("channel.create", { channel_name: "solo" }, alice.token);
    expect(r.channel).toEqual({
      id: expect.any(Number),
      channel_name: "solo",
      created_by: alice.user.id,
      created_on: expect.stringMatching(TIME),
      created_on_ts: expect.any(Number),
      last_active_on: expect.stringMatching(TIME),
      last_active_on_ts: expect.any(Number),
      latest_message: null,
      members: [userShape({ id: alice.user.id, email: alice.email, name: "Alice" }, 100)],
      channel_roots: [],
    });
    expect(r.channel.id).toBeGreaterThanOrEqual(11010000);
    expect(Math.abs(r.channel.created_on_ts - before / 1000)).toBeLessThan(60);
    const ev = await stream.event("channel.create");
    expect(ev.payload).toEqual({ channel: r.channel });
    expect(ev.meta).toEqual({ api: "v1", time: expect.any(Number) });
    stream.close();
  });

  it("with user_ids (JSON array): members 100/20, one type-2 bot message, channel.create on every member's stream", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const streams = await Promise.all([alice, bob, carol].map(async (u) => {
      const s = await userSocket(u.user.id);
      await s.auth(u.wsToken);
      return s;
    }));
    // duplicates and the creator herself are ignored
    const r = await api.ok("channel.create", { channel_name: "team", user_ids: [bob.user.id, carol.user.id, bob.user.id, alice.user.id] }, alice.token);
    expect(r.channel.members).toEqual([
      userShape({ id: alice.user.id, email: alice.email, name: "Alice" }, 100),
      userShape({ id: bob.user.id, email: bob.email, name: "Bob" }, 20),
      userShape({ id: carol.user.id, email: carol.email, name: "Carol" }, 20),
    ]);
    expect(r.channel.latest_message).toMatchObject({
      id: 1,
      user_id: 91000001,
      message_type: 5,
      content: { type: 2, bot_message: `@${alice.user.id} has added @${bob.user.id} @${carol.user.id} to this channel` },
    });
    for (const s of streams) {
      const ev = await s.event("channel.create");
      expect(ev.payload.channel.id).toBe(r.channel.id);
      expect(ev.meta.seq).toBeUndefined();
      s.close();
    }
  });

  it("emails as a comma-separated form field (any case) and user_ids as a query string", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const carol = await api.newUser("Carol");
    const viaForm = await form("channel.create", { channel_name: "by-form", emails: `${bob.email.toUpperCase()}, ${carol.email}` }, alice.token);
    expect(viaForm.status).toBe(200);
    expect(viaForm.body.channel.members.map((m: any) => m.id)).toEqual([alice.user.id, bob.user.id, carol.user.id]);
    const viaQuery = await query("channel.create", { channel_name: "by-query", user_ids: `${bob.user.id},${carol.user.id}` }, alice.token, "POST");
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.body.channel.members.map((m: any) => m.id).sort()).toEqual([alice.user.id, bob.user.id, carol.user.id].sort());
    const viaJsonString = await form("channel.create", { channel_name: "json-in-form", user_ids: JSON.stringify([bob.user.id]) }, alice.token);
    expect(viaJsonString.body.channel.members.map((m: any) => m.id)).toEqual([alice.user.id, bob.user.id]);
    const { channels } = await api.ok("channel.list", {}, bob.token);
    expect(channels.map((c: any) => c.channel_name).sort()).toEqual(["by-form", "by-query", "json-in-form"]);
  });

  const unknown: { why: string; params: (known: { id: number; email: string }) => Record<string, unknown>; field: string; names: (k: { id: number; email: string }) => string }[] = [
    { why: "an unknown email", params: (k) => ({ emails: [k.email, "ghost@example.test"] }), field: "emails", names: () => "ghost@example.test" },
    { why: "an unknown user id", params: (k) => ({ user_ids: [k.id, 99999999] }), field: "user_ids", names: () => "99999999" },
    { why: "an unknown id with a known email", params: (k) => ({ emails: k.email, user_ids: "99999998" }), field: "user_ids", names: () => "99999998" },
  ];
  for (const row of unknown) {
    it(`${row.why} → 422 naming it; nothing created, nobody told`, async () => {
      const alice = await api.newUser("Alice");
      const bob = await api.newUser("Bob");
      const stream = await userSocket(bob.user.id);
      await stream.auth(bob.wsToken);
      const r = await api.call("channel.create", { channel_name: "never", ...row.params({ id: bob.user.id, email: bob.email }) }, alice.token);
      expect(r.status).toBe(422);
      expect(r.body.meta).toEqual({ ok: false, error: expect.stringContaining(row.names({ id: 0, email: "" })), code: "unknown_user" });
      expect(r.body[row.field]).toContain(row.names({ id: 0, email: "" }));
      expect(await channelCountBy(alice.user.id)).toBe(0);
      expect((await api.ok("channel.list", {}, alice.token)).channels).toEqual([]);
      expect((await api.ok("channel.list", {}, bob.token)).channels).toEqual([]);
      await stream.nothing((f) => f.event === "channel.create", 200);
      stream.close();
    });
  }

  const bad: { why: string; params: Record<string, unknown>; field: string }[] = [
    { why: "no name", params: {}, field: "channel_name" },
    { why: "blank name", params: { channel_name: " " }, field: "channel_name" },
    { why: "name over 100", params: { channel_name: "c".repeat(101) }, field: "channel_name" },
    { why: "user_ids not ids", params: { channel_name: "x", user_ids: "a,b" }, field: "user_ids" },
    { why: "emails not emails", params: { channel_name: "x", emails: ["nope"] }, field: "emails" },
  ];
  for (const row of bad) {
    it(`422 ${row.why}, field repeated at top level; nothing created`, async () => {
      const alice = await api.newUser("Alice");
      const r = await api.call("channel.create", row.params, alice.token);
      expect(r.status).toBe(422);
      expect(r.body.meta.code).toBe("invalid_params");
      expect(r.body[row.field]).toEqual(expect.any(String));
      expect(await channelCountBy(alice.user.id)).toBe(0);
    });
  }

  it("401 without a token; 405 on GET; nothing created", async () => {
    const alice = await api.newUser("Alice");
    expect((await api.call("channel.create", { channel_name: "x" })).status).toBe(401);
    const get = await query("channel.create", { channel_name: "x" }, alice.token);
    expect(get.status).toBe(405);
    expect(await channelCountBy(alice.user.id)).toBe(0);
  });
});

describe("channel.info / channel.list / channel.members", () => {
  it("info by JSON, form and GET query answer the same {channel}", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "info");
    const a = await api.ok("channel.info", { channel_id: channel.id }, alice.token);
    const b = await form("channel.info", { channel_id: String(channel.id) }, bob.token);
    const c = await query("channel.info", { channel_id: channel.id }, bob.token);
    expect(a.channel).toEqual(channel);
    expect(b.body.channel).toEqual(channel);
    expect(c.body.channel).toEqual(channel);
  });

  it("list: only the caller's channels, GET or POST; members: user + user_role", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const c1 = await api.newChannel(alice.token, [bob.user.id], "one");
    const c2 = await api.newChannel(alice.token, [], "two");
    const c3 = await api.newChannel(bob.token, [], "bobs");
    const aliceList = await query("channel.list", {}, alice.token);
    expect(aliceList.body.channels.map((c: any) => c.id)).toEqual([c1.id, c2.id]);
    expect(aliceList.body.channels[0]).toEqual(c1);
    const bobList = await api.ok("channel.list", {}, bob.token);
    expect(bobList.channels.map((c: any) => c.id)).toEqual([c1.id, c3.id]);

    const members = await query("channel.members", { channel_id: c1.id }, bob.token);
    expect(members.status).toBe(200);
    expect(Object.keys(members.body).sort()).toEqual(["members", "meta"]);
    expect(members.body.members).toEqual([
      userShape({ id: alice.user.id, email: alice.email, name: "Alice" }, 100),
      userShape({ id: bob.user.id, email: bob.email, name: "Bob" }, 20),
    ]);
  });

  for (const route of ["channel.info", "channel.members", "channel.history"]) {
    it(`${route}: 403 for a non-member, 404 for a channel that never existed, 422 without channel_id, 401 without token`, async () => {
      const alice = await api.newUser("Alice");
      const eve = await api.newUser("Eve");
      const channel = await api.newChannel(alice.token, [], "private");
      const r403 = await api.call(route, { channel_id: channel.id }, eve.token);
      expect(r403.status).toBe(403);
      expect(r403.body).toEqual({ meta: { ok: false, error: expect.any(String), code: "not_a_member" } });
      const r404 = await query(route, { channel_id: 987654321 }, alice.token);
      expect(r404.status).toBe(404);
      expect(r404.body).toEqual({ meta: { ok: false, error: expect.any(String), code: "channel_not_found" } });
      const r422 = await api.call(route, { channel_id: "general" }, alice.token);
      expect(r422.status).toBe(422);
      expect(r422.body.channel_id).toEqual(expect.any(String));
      const missing = await api.call(route, {}, alice.token);
      expect(missing.status).toBe(422);
      expect(missing.body.channel_id).toEqual(expect.any(String));
      expect((await api.call(route, { channel_id: channel.id })).status).toBe(401);
    });
  }
});

describe("channel.history", () => {
  async function channelWith(n: number) {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "history");
    const ids: number[] = [];
    for (let i = 1; i <= n; i++) {
      const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: `m${i}` }, alice.token);
      ids.push(message.id);
    }
    return { alice, channel, ids };
  }
  const idsOf = (r: { body: Record<string, any> }) => r.body.messages.map((m: any) => m.id);

  it("no cursor = the newest page, oldest → newest; default limit 50", async () => {
    const { alice, channel, ids } = await channelWith(5);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    const all = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(Object.keys(all).sort()).toEqual(["has_more", "messages", "meta"]);
    expect(all.messages.map((m: any) => m.content)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(all.has_more).toBe(false);
    const newest = await query("channel.history", { channel_id: channel.id, limit: 2 }, alice.token);
    expect(idsOf(newest)).toEqual([4, 5]);
    expect(newest.body.has_more).toBe(true);
  });

  it("before_id pages backwards, after_id forwards, has_more at the ends; form and query parameters", async () => {
    const { alice, channel } = await channelWith(5);
    const cases: { params: Record<string, number>; ids: number[]; more: boolean }[] = [
      { params: { before_id: 4, limit: 2 }, ids: [2, 3], more: true },
      { params: { before_id: 3, limit: 2 }, ids: [1, 2], more: false },
      { params: { before_id: 1 }, ids: [], more: false },
      { params: { after_id: 1, limit: 2 }, ids: [2, 3], more: true },
      { params: { after_id: 3, limit: 2 }, ids: [4, 5], more: false },
      { params: { after_id: 5 }, ids: [], more: false },
      { params: { limit: 5 }, ids: [1, 2, 3, 4, 5], more: false },
      { params: { limit: 200 }, ids: [1, 2, 3, 4, 5], more: false },
    ];
    for (const c of cases) {
      const params = { channel_id: channel.id, ...c.params };
      for (const r of [await form("channel.history", params, alice.token), await query("channel.history", params, alice.token)]) {
        expect(r.status, JSON.stringify(c.params)).toBe(200);
        expect(idsOf(r), JSON.stringify(c.params)).toEqual(c.ids);
        expect(r.body.has_more, JSON.stringify(c.params)).toBe(c.more);
      }
    }
  });

  it("includes the bot message of channel.create", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "after the bot" }, bob.token);
    const { messages } = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    expect(messages.map((m: any) => [m.id, m.message_type])).toEqual([
      [1, 5],
      [2, 1],
    ]);
  });

  const bad: { why: string; params: Record<string, unknown>; field: string }[] = [
    { why: "before_id and after_id together", params: { before_id: 3, after_id: 1 }, field: "after_id" },
    { why: "limit above 200", params: { limit: 201 }, field: "limit" },
    { why: "limit 0", params: { limit: 0 }, field: "limit" },
    { why: "limit not a number", params: { limit: "all" }, field: "limit" },
    { why: "before_id not an id", params: { before_id: "x" }, field: "before_id" },
  ];
  for (const row of bad) {
    it(`422 for ${row.why}, the field repeated at top level`, async () => {
      const { alice, channel } = await channelWith(1);
      const r = await api.call("channel.history", { channel_id: channel.id, ...row.params }, alice.token);
      expect(r.status).toBe(422);
      expect(r.body.meta).toEqual({ ok: false, error: expect.any(String), code: "invalid_params" });
      expect(r.body[row.field]).toEqual(expect.any(String));
    });
  }

  it("limit 201 by query string is 422 too", async () => {
    const { alice, channel } = await channelWith(0);
    const r = await query("channel.history", { channel_id: channel.id, limit: 201 }, alice.token);
    expect(r.status).toBe(422);
    expect(r.body.limit).toBe("must be at most 200");
  });
});

describe("emails are matched case-insensitively across the directory", () => {
  it("an invitee by email in another case is the same user", async () => {
    const alice = await api.newUser("Alice");
    const email = uniqueEmail("Mixed.Case");
    const { user } = await api.ok("user.create", { email, password: "correct horse battery", name: "Mixed" });
    const channel = await api.ok("channel.create", { channel_name: "x", emails: [email.toUpperCase()] }, alice.token);
    expect(channel.channel.members.map((m: any) => m.id)).toEqual([alice.user.id, user.id]);
  });
});
