import { SELF, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TestUser } from "../helpers/api";
import { BASE, api, channelStub } from "../helpers/workerd";

interface Setup {
  alice: TestUser;
  bob: TestUser;
  channelId: number;
  /** ids of every message in the channel, oldest first (the bot message included) */
  ids: number[];
}

/** A channel with a bot message (bob added) and `n` posts alternating between alice and bob. */
async function channelWith(n: number): Promise<Setup> {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const channel = await api.newChannel(alice.token, [bob.user.id]);
  const ids = [1];
  for (let i = 0; i < n; i++) {
    const { message } = await api.ok(
      "chat.postmessage",
      { channel_id: channel.id, text: `m${i}` },
      i % 2 ? bob.token : alice.token,
    );
    ids.push(message.id);
  }
  return { alice, bob, channelId: channel.id, ids };
}

/**
 * Marks messages deleted (and edits/reacts) straight in the room's storage. The routes that do it
 * belong to the message-life tests; history only has to show the stored state, which is what this checks.
 */
async function inRoom(channelId: number, sql: [string, ...(string | number)[]][]): Promise<void> {
  await runInDurableObject(channelStub(channelId), (_room, state) => {
    for (const [q, ...args] of sql) state.storage.sql.exec(q, ...args);
  });
}

async function page(s: Setup, params: Record<string, unknown>) {
  const body = await api.ok("channel.history", { channel_id: s.channelId, ...params }, s.alice.token);
  return body as { messages: Record<string, any>[]; has_more: boolean };
}

function isAscending(ids: number[]): boolean {
  return ids.every((id, i) => i === 0 || ids[i - 1]! < id);
}

describe("channel.history", () => {
  it("no cursor: the newest page, oldest → newest, default limit 50, has_more", async () => {
    const s = await channelWith(54); // 55 messages
    const p = await page(s, {});
    expect(p.messages.map((m) => m.id)).toEqual(s.ids.slice(-50));
    expect(p.has_more).toBe(true);
    const all = await page(s, { limit: 200 });
    expect(all.messages.map((m) => m.id)).toEqual(s.ids);
    expect(all.has_more).toBe(false);
  });

  it("a before_id walk and an after_id walk each visit every live message exactly once", async () => {
    const s = await channelWith(30);
    const deleted = [s.ids[3]!, s.ids[10]!, s.ids[11]!, s.ids.at(-1)!];
    await inRoom(s.channelId, deleted.map((id) => ["UPDATE messages SET deleted = 1 WHERE id = ?", id]));
    const live = s.ids.filter((id) => !deleted.includes(id));

    // backwards: newest page, then before_id = oldest id of the page just read
    const back: number[][] = [];
    let p = await page(s, { limit: 7 });
    back.unshift(p.messages.map((m) => m.id));
    while (p.has_more) {
      p = await page(s, { limit: 7, before_id: p.messages[0]!.id });
      back.unshift(p.messages.map((m) => m.id));
    }
    expect(back.flat()).toEqual(live);
    expect(back.every(isAscending)).toBe(true);
    expect(back.slice(1).every((ids) => ids.length === 7)).toBe(true); // only the oldest page is short

    // forwards: after_id 0 (the start), then after_id = newest id of the page just read
    const fwd: number[][] = [];
    p = await page(s, { limit: 7, after_id: 0 });
    fwd.push(p.messages.map((m) => m.id));
    while (p.has_more) {
      p = await page(s, { limit: 7, after_id: p.messages.at(-1)!.id });
      fwd.push(p.messages.map((m) => m.id));
    }
    expect(fwd.flat()).toEqual(live);
    expect(fwd.every(isAscending)).toBe(true);
    expect(fwd.slice(0, -1).every((ids) => ids.length === 7)).toBe(true);
  });

  it("before_id/after_id are exclusive bounds; a page that ends exactly at the last message has has_more false", async () => {
    const s = await channelWith(9); // ids 1..10
    expect((await page(s, { before_id: 4 })).messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect((await page(s, { after_id: 7 })).messages.map((m) => m.id)).toEqual([8, 9, 10]);
    const edge = await page(s, { after_id: 5, limit: 5 });
    expect(edge.messages.map((m) => m.id)).toEqual([6, 7, 8, 9, 10]);
    expect(edge.has_more).toBe(false);
    const before = await page(s, { before_id: 6, limit: 5 });
    expect(before.messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(before.has_more).toBe(false);
    expect(await page(s, { before_id: 1 })).toMatchObject({ messages: [], has_more: false });
    expect(await page(s, { after_id: 10 })).toMatchObject({ messages: [], has_more: false });
  });

  it("includes bot messages, leaves deleted ones out, and shows edited and reaction state", async () => {
    const s = await channelWith(3); // 1 bot, 2 alice, 3 bob, 4 alice
    await inRoom(s.channelId, [
      ["UPDATE messages SET deleted = 1 WHERE id = 3"],
      ["UPDATE messages SET content = 'm2 (edited)', is_edited = 1 WHERE id = 4"],
      [
        "INSERT INTO reactions (message_id, user_id, emoji, display_name, created_on) VALUES (4, ?, 'U 1F600', 'Bob', 1)",
        s.bob.user.id,
      ],
      ["INSERT INTO reads (message_id, user_id) VALUES (4, ?)", s.bob.user.id],
    ]);
    const { messages, has_more } = await page(s, {});
    expect(has_more).toBe(false);
    expect(messages.map((m) => m.id)).toEqual([1, 2, 4]);
    expect(messages[0]).toMatchObject({
      message_type: 5,
      content: { type: 2, bot_message: `@${s.alice.user.id} has added @${s.bob.user.id} to this channel` },
    });
    expect(messages[2]).toMatchObject({
      id: 4,
      channel_id: s.channelId,
      user_id: s.alice.user.id,
      content: "m2 (edited)",
      is_edited: true,
      emoticons: [{ uid: s.bob.user.id, dn: "Bob", ev: "U 1F600" }],
      read_users: [s.bob.user.id],
      read_user_count: 1,
    });
  });

  it("the message objects are the ones chat.postmessage returned", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: "same" }, alice.token);
    const body = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(body.messages).toEqual([message]);
  });

  it("validates: both cursors, limit above 200 or below 1 → 422 naming the field; 200 is fine", async () => {
    const s = await channelWith(1);
    const both = await api.call("channel.history", { channel_id: s.channelId, before_id: 5, after_id: 1 }, s.alice.token);
    expect(both.status).toBe(422);
    expect(both.body).toMatchObject({ meta: { ok: false, code: "invalid_params" }, after_id: expect.any(String) });
    const big = await api.call("channel.history", { channel_id: s.channelId, limit: 201 }, s.alice.token);
    expect(big.status).toBe(422);
    expect(big.body).toMatchObject({ meta: { ok: false, code: "invalid_params" }, limit: "must be at most 200" });
    for (const limit of [0, -1, 1.5, "ten"]) {
      const bad = await api.call("channel.history", { channel_id: s.channelId, limit }, s.alice.token);
      expect(bad.status, `limit ${limit}`).toBe(422);
      expect(bad.body.limit, `limit ${limit}`).toEqual(expect.any(String));
    }
    const badCursor = await api.call("channel.history", { channel_id: s.channelId, before_id: "x" }, s.alice.token);
    expect(badCursor.status).toBe(422);
    expect(badCursor.body.before_id).toEqual(expect.any(String));
    expect((await api.call("channel.history", { channel_id: s.channelId, limit: 200 }, s.alice.token)).status).toBe(200);
  });

  it("answers GET with query parameters (a read route)", async () => {
    const s = await channelWith(5);
    const res = await SELF.fetch(`${BASE}/api/v1/channel.history?channel_id=${s.channelId}&before_id=5&limit=2`, {
      headers: { authorization: `Bearer ${s.bob.token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: { id: number }[]; has_more: boolean };
    expect(body.messages.map((m) => m.id)).toEqual([3, 4]);
    expect(body.has_more).toBe(true);
  });

  it("a non-member gets 403, an unknown channel 404", async () => {
    const s = await channelWith(1);
    const eve = await api.newUser("Eve");
    const r = await api.call("channel.history", { channel_id: s.channelId }, eve.token);
    expect(r.status).toBe(403);
    const none = await api.call("channel.history", { channel_id: 999_999_999 }, eve.token);
    expect(none.status).toBe(404);
  });
});
