import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { listedChannelIds, userAs } from "../helpers/members";
import { api, channelSocket, channelStub, userSocket } from "../helpers/workerd";

const BOT_ID = 91000001;
const isEvent = (name: string) => (f: Record<string, any>) => f.event === name;

/** alice owns a channel with carol (invited at creation); bob is not a member yet. */
async function setup() {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const carol = await api.newUser("Carol");
  const channel = await api.newChannel(alice.token, [carol.user.id], "team");
  return { alice, bob, carol, channel };
}

async function memberRow(channelId: number, userId: number) {
  return runInDurableObject(channelStub(channelId), (_room, state) =>
    state.storage.sql.exec("SELECT user_role, read_cursor FROM members WHERE user_id = ?", userId).toArray()[0] ?? null,
  );
}

describe("channel.adduser", () => {
  it("by email: user_added.channel, the type-2 bot message and channel.update to the channel; channel.create and user_added.channel to the added user's stream only", async () => {
    const { alice, bob, carol, channel } = await setup();
    const a = await channelSocket(channel.id);
    const ready = await a.auth(alice.wsToken);
    const bobStream = await userSocket(bob.user.id);
    await bobStream.auth(bob.wsToken);
    const carolStream = await userSocket(carol.user.id);
    await carolStream.auth(carol.wsToken);
    // Bob is online (his stream), so the added user object says so.
    const bobNow = (await api.ok("user.info", {}, bob.token)).user;
    expect(bobNow.online_status).toBe(true);

    const seq0 = ready.payload.seq as number;
    const res = await api.ok("channel.adduser", { channel_id: channel.id, email: bob.email.toUpperCase() }, alice.token);

    const added = await a.event("user_added.channel");
    expect(added).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: seq0 + 1 },
      event: "user_added.channel",
      payload: { channel_id: channel.id, user: bobNow },
    });
    const bot = await a.event("chat.postMessage");
    expect(bot.meta.seq).toBe(seq0 + 2);
    expect(bot.payload.message).toEqual({
      id: expect.any(Number),
      user_id: BOT_ID,
      channel_id: channel.id,
      display_name: "AirBot",
      content: { type: 2, bot_message: `@${alice.user.id} has added @${bob.user.id} to this channel` },
      attachments: [],
      message_type: 5,
      is_edited: false,
      parent_message: [],
      emoticons: [],
      created_on: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      created_on_ts: expect.any(Number),
      read_user_count: 0,
      read_users: [],
    });
    const update = await a.event("channel.update");
    expect(update.meta.seq).toBe(seq0 + 3);
    expect(update.payload).toEqual({ channel: res.channel });
    expect(res.channel.latest_message).toEqual(bot.payload.message);
    expect(res.channel.members.map((m: any) => [m.id, m.user_role])).toEqual([
      [alice.user.id, 100],
      [carol.user.id, 20],
      [bob.user.id, 20],
    ]);
    expect(res.channel.members[2]).toEqual({ ...bobNow, user_role: 20 });

    const created = await bobStream.event("channel.create");
    expect(created).toEqual({ meta: { api: "v1", time: expect.any(Number) }, event: "channel.create", payload: { channel: res.channel } });
    const streamAdded = await bobStream.event("user_added.channel");
    expect(streamAdded.payload).toEqual(added.payload);
    expect(streamAdded.meta.seq).toBeUndefined();
    await carolStream.nothing((f) => f.event === "channel.create" || f.event === "user_added.channel");

    // No backlog is unread for the new member: the cursor starts at the bot message announcing them.
    expect(await memberRow(channel.id, bob.user.id)).toEqual({ user_role: 20, read_cursor: bot.payload.message.id });
    expect(await listedChannelIds(api, bob.token)).toEqual([channel.id]);
    const bobSocket = await channelSocket(channel.id);
    expect((await bobSocket.auth(bob.wsToken)).payload.channel_id).toBe(channel.id);
    for (const ws of [a, bobStream, carolStream, bobSocket]) ws.close();
  });

  it("by user_id, with the member list and D1 index in step", async () => {
    const { alice, bob, channel } = await setup();
    const res = await api.ok("channel.adduser", { channel_id: String(channel.id), user_id: bob.user.id }, alice.token);
    expect(res.channel.members.at(-1)).toEqual({ ...userAs(bob, false), user_role: 20 });
    const members = await api.ok("channel.members", { channel_id: channel.id }, bob.token);
    expect(members.members).toEqual(res.channel.members);
    const rows = await env.DB.prepare("SELECT user_id, user_role FROM memberships WHERE channel_id = ?1 ORDER BY user_role DESC, user_id")
      .bind(channel.id)
      .all();
    expect(rows.results.map((r: any) => r.user_id).sort()).toEqual(res.channel.members.map((m: any) => m.id).sort());
  });

  it("refuses: unknown user 404, already a member 409, non-owner 403, non-member 403, no channel 404, bad params 422, GET 405", async () => {
    const { alice, bob, carol, channel } = await setup();
    const call = (params: Record<string, unknown>, token: string) => api.call("channel.adduser", params, token);

    const unknownEmail = await call({ channel_id: channel.id, email: "nobody.here@example.test" }, alice.token);
    expect(unknownEmail.status).toBe(404);
    expect(unknownEmail.body.meta).toEqual({ ok: false, error: "no such user", code: "user_not_found" });
    expect((await call({ channel_id: channel.id, user_id: 99999999 }, alice.token)).status).toBe(404);

    const dup = await call({ channel_id: channel.id, user_id: carol.user.id }, alice.token);
    expect(dup.status).toBe(409);
    expect(dup.body.meta.code).toBe("already_member");

    const byMember = await call({ channel_id: channel.id, user_id: bob.user.id }, carol.token);
    expect(byMember.status).toBe(403);
    expect(byMember.body.meta.code).toBe("not_owner");
    const byOutsider = await call({ channel_id: channel.id, user_id: bob.user.id }, bob.token);
    expect(byOutsider.status).toBe(403);
    expect(byOutsider.body.meta.code).toBe("not_a_member");

    expect((await call({ channel_id: 99999999, user_id: bob.user.id }, alice.token)).status).toBe(404);

    const neither = await call({ channel_id: channel.id }, alice.token);
    expect(neither.status).toBe(422);
    expect(neither.body.user_id).toBe("email or user_id is required");
    const both = await call({ channel_id: channel.id, user_id: bob.user.id, email: bob.email }, alice.token);
    expect(both.status).toBe(422);

    const get = await api.call("channel.adduser", {}, alice.token, { method: "GET", body: undefined });
    expect(get.status).toBe(405);
    // Nothing changed.
    expect(await listedChannelIds(api, bob.token)).toEqual([]);
  });
});

describe("channel.kick and channel.leave", () => {
  it("kick: user_removed.channel to every socket and the user's stream, the kicked socket closed 4003 and refused after, channel.update to the rest, no bot message", async () => {
    const { alice, carol, channel } = await setup();
    const a = await channelSocket(channel.id);
    const ready = await a.auth(alice.wsToken);
    const c = await channelSocket(channel.id);
    await c.auth(carol.wsToken);
    const carolStream = await userSocket(carol.user.id);
    await carolStream.auth(carol.wsToken);
    const seq0 = ready.payload.seq as number;

    const res = await api.ok("channel.kick", { channel_id: channel.id, user_id: carol.user.id }, alice.token);
    const removed = { removed_user_id: carol.user.id, removed_by_user_id: alice.user.id, channel_id: channel.id };

    const seen = await a.event("user_removed.channel");
    expect(seen).toEqual({ meta: { api: "v1", time: expect.any(Number), seq: seq0 + 1 }, event: "user_removed.channel", payload: removed });
    const update = await a.event("channel.update");
    expect(update.meta.seq).toBe(seq0 + 2);
    expect(update.payload).toEqual({ channel: res.channel });
    expect(res.channel.members.map((m: any) => m.id)).toEqual([alice.user.id]);

    expect((await c.event("user_removed.channel")).payload).toEqual(removed);
    expect(await c.waitClose()).toEqual({ code: 4003, reason: "removed from channel" });
    expect(c.frames.some((f) => f.event === "channel.update")).toBe(false);

    const streamEvent = await carolStream.event("user_removed.channel");
    expect(streamEvent).toEqual({ meta: { api: "v1", time: expect.any(Number) }, event: "user_removed.channel", payload: removed });

    const again = await channelSocket(channel.id);
    again.send({ command: "ws_auth", auth_token: carol.wsToken });
    expect((await again.waitClose()).code).toBe(4003);

    await a.nothing(isEvent("chat.postMessage"));
    expect(await listedChannelIds(api, carol.token)).toEqual([]);
    expect(await listedChannelIds(api, alice.token)).toEqual([channel.id]);
    expect((await api.call("channel.info", { channel_id: channel.id }, carol.token)).status).toBe(403);
    expect((await api.call("chat.postmessage", { channel_id: channel.id, text: "hi" }, carol.token)).status).toBe(403);
    a.close();
    carolStream.close();
  });

  it("a kicked user can be added back, and may then connect again", async () => {
    const { alice, carol, channel } = await setup();
    await api.ok("channel.kick", { channel_id: channel.id, user_id: carol.user.id }, alice.token);
    const back = await api.ok("channel.adduser", { channel_id: channel.id, user_id: carol.user.id }, alice.token);
    expect(back.channel.members.map((m: any) => [m.id, m.user_role])).toEqual([
      [alice.user.id, 100],
      [carol.user.id, 20],
    ]);
    expect(await listedChannelIds(api, carol.token)).toEqual([channel.id]);
    const c = await channelSocket(channel.id);
    expect((await c.auth(carol.wsToken)).payload.channel_id).toBe(channel.id);
    c.close();
  });

  it("kick refuses: non-owner 403, a non-member target 404, oneself 422", async () => {
    const { alice, bob, carol, channel } = await setup();
    const byMember = await api.call("channel.kick", { channel_id: channel.id, user_id: alice.user.id }, carol.token);
    expect(byMember.status).toBe(403);
    expect(byMember.body.meta.code).toBe("not_owner");
    const outsider = await api.call("channel.kick", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    expect(outsider.status).toBe(404);
    expect(outsider.body.meta.code).toBe("member_not_found");
    const self = await api.call("channel.kick", { channel_id: channel.id, user_id: alice.user.id }, alice.token);
    expect(self.status).toBe(422);
    expect(self.body.user_id).toBe("use channel.leave to leave");
    expect((await api.call("channel.kick", { channel_id: channel.id }, alice.token)).status).toBe(422);
    expect(await listedChannelIds(api, carol.token)).toEqual([channel.id]);
  });

  it("leave: removed and removing ids are equal; the leaver's socket is closed 4003", async () => {
    const { alice, carol, channel } = await setup();
    const a = await channelSocket(channel.id);
    await a.auth(alice.wsToken);
    const c = await channelSocket(channel.id);
    await c.auth(carol.wsToken);

    const res = await api.ok("channel.leave", { channel_id: channel.id }, carol.token);
    expect(res).toEqual({ meta: { ok: true } });
    const removed = { removed_user_id: carol.user.id, removed_by_user_id: carol.user.id, channel_id: channel.id };
    expect((await a.event("user_removed.channel")).payload).toEqual(removed);
    expect((await a.event("channel.update")).payload.channel.members.map((m: any) => m.id)).toEqual([alice.user.id]);
    expect((await c.event("user_removed.channel")).payload).toEqual(removed);
    expect((await c.waitClose()).code).toBe(4003);
    await a.nothing(isEvent("chat.postMessage"));
    expect(await listedChannelIds(api, carol.token)).toEqual([]);
    // Leaving twice: no longer a member.
    expect((await api.call("channel.leave", { channel_id: channel.id }, carol.token)).status).toBe(403);
    a.close();
  });

  it("an owner who leaves hands the channel to the longest-standing member", async () => {
    const { alice, bob, carol, channel } = await setup();
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    const c = await channelSocket(channel.id);
    await c.auth(carol.wsToken);

    await api.ok("channel.leave", { channel_id: channel.id }, alice.token);
    expect((await c.event("user_removed.channel")).payload).toEqual({
      removed_user_id: alice.user.id,
      removed_by_user_id: alice.user.id,
      channel_id: channel.id,
    });
    const update = await c.event("channel.update");
    expect(update.payload.channel.members.map((m: any) => [m.id, m.user_role])).toEqual([
      [carol.user.id, 100],
      [bob.user.id, 20],
    ]);
    expect(await listedChannelIds(api, alice.token)).toEqual([]);
    const role = await env.DB.prepare("SELECT user_role FROM memberships WHERE channel_id = ?1 AND user_id = ?2")
      .bind(channel.id, carol.user.id)
      .first<{ user_role: number }>();
    expect(role?.user_role).toBe(100);
    // The new owner may now do what only owners do.
    await api.ok("channel.rename", { channel_id: channel.id, channel_name: "carol's" }, carol.token);
    expect((await api.call("channel.rename", { channel_id: channel.id, channel_name: "x" }, bob.token)).status).toBe(403);
    c.close();
  });

  it("an owner who is the last member removes the channel by leaving", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const a = await channelSocket(channel.id);
    await a.auth(alice.wsToken);
    await api.ok("channel.leave", { channel_id: channel.id }, alice.token);
    expect((await a.event("channel.remove")).payload).toEqual({ channel_id: channel.id });
    expect((await a.waitClose()).code).toBe(4004);
    expect(await listedChannelIds(api, alice.token)).toEqual([]);
    expect((await api.call("channel.info", { channel_id: channel.id }, alice.token)).status).toBe(404);
  });
});

describe("channel.rename / channel.update", () => {
  it("owner renames: {channel}, channel.update to every socket, D1 and channel.list in step", async () => {
    const { alice, carol, channel } = await setup();
    const a = await channelSocket(channel.id);
    const ready = await a.auth(alice.wsToken);
    const c = await channelSocket(channel.id);
    await c.auth(carol.wsToken);

    const res = await api.ok("channel.rename", { channel_id: channel.id, channel_name: "  renamed  " }, alice.token);
    expect(res.channel).toMatchObject({ id: channel.id, channel_name: "renamed" });
    for (const ws of [a, c]) {
      const ev = await ws.event("channel.update");
      expect(ev).toEqual({ meta: { api: "v1", time: expect.any(Number), seq: ready.payload.seq + 1 }, event: "channel.update", payload: { channel: res.channel } });
    }
    const viaUpdate = await api.ok("channel.update", { channel_id: channel.id, channel_name: "again" }, alice.token);
    expect(viaUpdate.channel.channel_name).toBe("again");
    expect((await c.event("channel.update")).payload.channel.channel_name).toBe("again");

    const listed = await api.ok("channel.list", {}, carol.token);
    expect(listed.channels.map((ch: any) => ch.channel_name)).toEqual(["again"]);
    const row = await env.DB.prepare("SELECT channel_name FROM channels WHERE id = ?1").bind(channel.id).first<{ channel_name: string }>();
    expect(row?.channel_name).toBe("again");
    a.close();
    c.close();
  });

  it("refuses a non-owner (403 on both names), a non-member (403), an empty name (422)", async () => {
    const { alice, bob, carol, channel } = await setup();
    for (const route of ["channel.rename", "channel.update"]) {
      const r = await api.call(route, { channel_id: channel.id, channel_name: "mine" }, carol.token);
      expect(r.status).toBe(403);
      expect(r.body.meta.code).toBe("not_owner");
      expect((await api.call(route, { channel_id: channel.id, channel_name: "mine" }, bob.token)).status).toBe(403);
      const empty = await api.call(route, { channel_id: channel.id, channel_name: " " }, alice.token);
      expect(empty.status).toBe(422);
      expect(empty.body.channel_name).toBe("must not be empty");
    }
    expect((await api.ok("channel.info", { channel_id: channel.id }, alice.token)).channel.channel_name).toBe("team");
  });
});

describe("channel.remove", () => {
  it("channel.remove to the sockets (then 4004) and members' streams; routes 404; new sockets 4004; D1 marks it removed", async () => {
    const { alice, carol, channel } = await setup();
    const a = await channelSocket(channel.id);
    const ready = await a.auth(alice.wsToken);
    const c = await channelSocket(channel.id);
    await c.auth(carol.wsToken);
    const aliceStream = await userSocket(alice.user.id);
    await aliceStream.auth(alice.wsToken);
    const carolStream = await userSocket(carol.user.id);
    await carolStream.auth(carol.wsToken);

    const res = await api.ok("channel.remove", { channel_id: channel.id }, alice.token);
    expect(res).toEqual({ meta: { ok: true } });
    for (const ws of [a, c]) {
      const ev = await ws.event("channel.remove");
      expect(ev).toEqual({ meta: { api: "v1", time: expect.any(Number), seq: ready.payload.seq + 1 }, event: "channel.remove", payload: { channel_id: channel.id } });
      expect(await ws.waitClose()).toEqual({ code: 4004, reason: "channel removed" });
    }
    for (const ws of [aliceStream, carolStream]) {
      expect(await ws.event("channel.remove")).toEqual({ meta: { api: "v1", time: expect.any(Number) }, event: "channel.remove", payload: { channel_id: channel.id } });
    }

    expect(await listedChannelIds(api, alice.token)).toEqual([]);
    expect(await listedChannelIds(api, carol.token)).toEqual([]);
    const calls: [string, Record<string, unknown>][] = [
      ["channel.info", {}],
      ["channel.members", {}],
      ["channel.history", {}],
      ["chat.postmessage", { text: "hello?" }],
      ["channel.rename", { channel_name: "x" }],
      ["channel.update", { channel_name: "x" }],
      ["channel.adduser", { user_id: carol.user.id }],
      ["channel.kick", { user_id: carol.user.id }],
      ["channel.leave", {}],
      ["channel.remove", {}],
    ];
    for (const [route, extra] of calls) {
      const r = await api.call(route, { channel_id: channel.id, ...extra }, alice.token);
      expect([route, r.status, r.body.meta.code]).toEqual([route, 404, "channel_not_found"]);
    }
    const late = await channelSocket(channel.id);
    late.send({ command: "ws_auth", auth_token: carol.wsToken });
    expect(await late.waitClose()).toEqual({ code: 4004, reason: "channel removed" });

    const row = await env.DB.prepare("SELECT removed FROM channels WHERE id = ?1").bind(channel.id).first<{ removed: number }>();
    expect(row?.removed).toBe(1);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM memberships WHERE channel_id = ?1").bind(channel.id).first<{ n: number }>();
    expect(count?.n).toBe(0);
    aliceStream.close();
    carolStream.close();
  });

  it("refuses a non-owner (403) and changes nothing", async () => {
    const { alice, carol, channel } = await setup();
    const r = await api.call("channel.remove", { channel_id: channel.id }, carol.token);
    expect(r.status).toBe(403);
    expect(r.body.meta.code).toBe("not_owner");
    expect(await listedChannelIds(api, alice.token)).toEqual([channel.id]);
    expect(await listedChannelIds(api, carol.token)).toEqual([channel.id]);
  });
});

describe("durability", () => {
  it("membership, channel and profile events carry seq and are replayed by ws_resume, byte for byte", async () => {
    const { alice, bob, carol, channel } = await setup();
    const first = await channelSocket(channel.id);
    const ready = await first.auth(alice.wsToken);
    const { epoch, seq } = ready.payload;

    await api.ok("channel.adduser", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    await api.ok("channel.rename", { channel_id: channel.id, channel_name: "durable" }, alice.token);
    await api.ok("user.profile.set", { name: "Carol B" }, carol.token);
    await api.ok("channel.kick", { channel_id: channel.id, user_id: bob.user.id }, alice.token);
    await first.event("user_removed.channel");
    await first.event("channel.update");
    const live = first.raw.filter((text) => JSON.parse(text).meta?.seq > seq);
    first.close();

    const names = live.map((text) => JSON.parse(text).event);
    expect(names).toEqual([
      "user_added.channel",
      "chat.postMessage",
      "channel.update",
      "channel.update",
      "user.profileUpdate",
      "user_removed.channel",
      "channel.update",
    ]);
    expect(live.map((text) => JSON.parse(text).meta.seq)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => seq + n));

    const again = await channelSocket(channel.id);
    await again.auth(alice.wsToken);
    again.send({ command: "ws_resume", epoch, since_seq: seq });
    const resumed = await again.event("rtm.resumed");
    expect(resumed.payload).toEqual({ recovered: true, seq: seq + 7 });
    const replayed = again.raw.filter((text) => JSON.parse(text).meta?.seq > seq);
    expect(replayed).toEqual(live);
    again.close();
  });
});

describe("room state survives eviction", () => {
  it("a kicked user is still refused after the room is evicted", async () => {
    const { alice, carol, channel } = await setup();
    await api.ok("channel.kick", { channel_id: channel.id, user_id: carol.user.id }, alice.token);
    await evictDurableObject(channelStub(channel.id));
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_auth", auth_token: carol.wsToken });
    expect((await ws.waitClose()).code).toBe(4003);
  });
});
