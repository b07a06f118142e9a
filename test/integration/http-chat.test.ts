import { describe, expect, it } from "vitest";
import { form, query } from "../helpers/requests";
import { api, channelSocket } from "../helpers/workerd";

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

async function setup() {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const channel = await api.newChannel(alice.token, [bob.user.id], "chat");
  return { alice, bob, channel };
}

async function history(token: string, channelId: number) {
  return (await api.ok("channel.history", { channel_id: channelId }, token)).messages as Record<string, any>[];
}

describe("chat.postmessage", () => {
  it("→ {message} with the seed's fields; stored; broadcast as chat.postMessage with seq", async () => {
    const { alice, bob, channel } = await setup();
    const ws = await channelSocket(channel.id);
    const ready = await ws.auth(bob.wsToken);
    expect(ready.payload.seq).toBe(1); // the bot message of channel.create
    const text = "<b>hi</b> & @91010000 [Bob](user://1) \u{1F600}";
    const r = await api.ok("chat.postmessage", { channel_id: channel.id, text }, alice.token);
    expect(Object.keys(r).sort()).toEqual(["message", "meta"]);
    expect(r.message).toEqual({
      id: 2,
      user_id: alice.user.id,
      channel_id: channel.id,
      display_name: "Alice",
      content: text, // verbatim: clients escape
      attachments: [],
      message_type: 1,
      is_edited: false,
      parent_message: [],
      emoticons: [],
      created_on: expect.stringMatching(TIME),
      created_on_ts: expect.any(Number),
      read_user_count: 0,
      read_users: [],
    });
    const ev = await ws.event("chat.postMessage");
    expect(ev).toEqual({ meta: { api: "v1", time: expect.any(Number), seq: 2 }, event: "chat.postMessage", payload: { message: r.message } });
    expect((await history(bob.token, channel.id)).at(-1)).toEqual(r.message);
    ws.close();
  });

  it("form body and query string; ids as strings; a quote carries its parent", async () => {
    const { alice, bob, channel } = await setup();
    const a = await form("chat.postmessage", { channel_id: String(channel.id), text: "from a form" }, alice.token);
    expect(a.status).toBe(200);
    expect(a.body.message).toMatchObject({ id: 2, content: "from a form" });
    const b = await query("chat.postmessage", { channel_id: channel.id, text: "from a query", parent_message_id: "2" }, bob.token, "POST");
    expect(b.status).toBe(200);
    expect(b.body.message).toMatchObject({
      id: 3,
      user_id: bob.user.id,
      content: "from a query",
      parent_message: {
        message_id: 2,
        user_id: alice.user.id,
        display_name: "Alice",
        content: "from a form",
        created_on: expect.stringMatching(TIME),
        created_on_ts: expect.any(Number),
      },
    });
    expect((await history(alice.token, channel.id)).map((m) => m.content)).toEqual([expect.any(Object), "from a form", "from a query"]);
  });

  it("text of exactly 16 KiB of UTF-8 is accepted; one byte more is 413 and nothing is stored or sent", async () => {
    const { alice, channel } = await setup();
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    const ok = await api.call("chat.postmessage", { channel_id: channel.id, text: "é".repeat(8192) }, alice.token);
    expect(ok.status).toBe(200);
    await ws.event("chat.postMessage");
    const before = await history(alice.token, channel.id);
    const big = await api.call("chat.postmessage", { channel_id: channel.id, text: `${"é".repeat(8192)}x` }, alice.token);
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ meta: { ok: false, error: expect.any(String), code: "text_too_large" }, text: expect.any(String) });
    expect(await history(alice.token, channel.id)).toEqual(before);
    await ws.nothing((f) => f.event === "chat.postMessage", 200);
    ws.close();
  });

  const bad: { why: string; params: (channelId: number) => Record<string, unknown>; status: number; code: string; field?: string }[] = [
    { why: "no text", params: (id) => ({ channel_id: id }), status: 422, code: "invalid_params", field: "text" },
    { why: "empty text", params: (id) => ({ channel_id: id, text: "" }), status: 422, code: "invalid_params", field: "text" },
    { why: "text not a string", params: (id) => ({ channel_id: id, text: { a: 1 } }), status: 422, code: "invalid_params", field: "text" },
    { why: "no channel_id", params: () => ({ text: "x" }), status: 422, code: "invalid_params", field: "channel_id" },
    { why: "channel_id not an id", params: () => ({ channel_id: "-3", text: "x" }), status: 422, code: "invalid_params", field: "channel_id" },
    { why: "unknown parent", params: (id) => ({ channel_id: id, text: "x", parent_message_id: 999 }), status: 422, code: "unknown_message", field: "parent_message_id" },
    { why: "a channel that never existed", params: () => ({ channel_id: 987654321, text: "x" }), status: 404, code: "channel_not_found" },
  ];
  for (const row of bad) {
    it(`${row.status} for ${row.why}; nothing stored or broadcast`, async () => {
      const { alice, channel } = await setup();
      const ws = await channelSocket(channel.id);
      await ws.auth(alice.wsToken);
      const before = await history(alice.token, channel.id);
      const r = await api.call("chat.postmessage", row.params(channel.id), alice.token);
      expect(r.status).toBe(row.status);
      expect(r.body.meta).toEqual({ ok: false, error: expect.any(String), code: row.code });
      if (row.field) expect(r.body[row.field]).toEqual(expect.any(String));
      expect(await history(alice.token, channel.id)).toEqual(before);
      await ws.nothing((f) => f.event === "chat.postMessage", 150);
      ws.close();
    });
  }

  it("403 for a non-member, 401 without token, 405 on GET; nothing stored", async () => {
    const { alice, channel } = await setup();
    const eve = await api.newUser("Eve");
    const before = await history(alice.token, channel.id);
    const r = await api.call("chat.postmessage", { channel_id: channel.id, text: "let me in" }, eve.token);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ meta: { ok: false, error: expect.any(String), code: "not_a_member" } });
    expect((await api.call("chat.postmessage", { channel_id: channel.id, text: "anon" })).status).toBe(401);
    const get = await query("chat.postmessage", { channel_id: channel.id, text: "via get" }, alice.token);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(await history(alice.token, channel.id)).toEqual(before);
  });
});
