import { describe, expect, it } from "vitest";
import { channelWs, post, trio } from "../helpers/life";
import { BASE, api } from "../helpers/workerd";
import { SELF } from "cloudflare:test";

describe("chat.updatemessage", () => {
  it("the author edits: {message} with is_edited, and chat.updateMessage (seq) to every socket", async () => {
    const { alice, bob, channel } = await trio();
    const msg = await post(alice.token, channel.id, "first draft");
    const ws = await channelWs(channel.id, bob.wsToken);
    const seq = (await api.ok("channel.history", { channel_id: channel.id }, alice.token)).messages.length; // bot + msg

    const body = await api.ok("chat.updatemessage", { channel_id: channel.id, message_id: msg.id, text: "final" }, alice.token);
    expect(body).toEqual({ meta: { ok: true }, message: { ...msg, content: "final", is_edited: true } });

    const ev = await ws.event("chat.updateMessage");
    expect(ev).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: seq + 1 },
      event: "chat.updateMessage",
      payload: { message: body.message },
    });
    const history = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    expect(history.messages.at(-1)).toEqual(body.message);
    ws.close();
  });

  it("accepts ids as strings and form bodies", async () => {
    const { alice, channel } = await trio();
    const msg = await post(alice.token, channel.id, "x");
    const res = await SELF.fetch(`${BASE}/api/v1/chat.updatemessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ channel_id: String(channel.id), message_id: String(msg.id), text: "y" }).toString(),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).message).toMatchObject({ id: msg.id, content: "y", is_edited: true });
  });

  it("only the author edits (403 for other members, even the owner), 403 for non-members, 404 for no message", async () => {
    const { alice, bob, channel } = await trio();
    const outsider = await api.newUser("Eve");
    const msg = await post(bob.token, channel.id, "bob's");
    const params = { channel_id: channel.id, message_id: msg.id, text: "hijack" };

    const byOwner = await api.call("chat.updatemessage", params, alice.token);
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.meta).toEqual({ ok: false, error: expect.any(String), code: "not_author" });
    const byOutsider = await api.call("chat.updatemessage", params, outsider.token);
    expect(byOutsider.status).toBe(403);
    expect(byOutsider.body.meta.code).toBe("not_a_member");
    const missing = await api.call("chat.updatemessage", { ...params, message_id: 99999 }, bob.token);
    expect(missing.status).toBe(404);
    expect(missing.body.meta.code).toBe("message_not_found");
    // the bot message (id 1) has no human author
    const bot = await api.call("chat.updatemessage", { ...params, message_id: 1 }, alice.token);
    expect(bot.status).toBe(403);

    const history = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    expect(history.messages.at(-1)).toMatchObject({ content: "bob's", is_edited: false });
  });

  it("413 for text over 16 KiB of UTF-8, 422 for missing text, 405 for GET", async () => {
    const { alice, channel } = await trio();
    const msg = await post(alice.token, channel.id, "x");
    const big = await api.call("chat.updatemessage", { channel_id: channel.id, message_id: msg.id, text: "é".repeat(8193) }, alice.token);
    expect(big.status).toBe(413);
    expect(big.body.meta.code).toBe("text_too_large");
    const exact = await api.call("chat.updatemessage", { channel_id: channel.id, message_id: msg.id, text: "é".repeat(8192) }, alice.token);
    expect(exact.status).toBe(200);
    const none = await api.call("chat.updatemessage", { channel_id: channel.id, message_id: msg.id }, alice.token);
    expect(none.status).toBe(422);
    expect(none.body.text).toEqual(expect.any(String));
    const get = await SELF.fetch(`${BASE}/api/v1/chat.updatemessage?channel_id=${channel.id}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(get.status).toBe(405);
  });
});

describe("chat.deletemessage", () => {
  it("the author deletes: {meta} only, chat.deleteMessage {message_id, channel_id} with seq, history leaves it out", async () => {
    const { alice, bob, channel } = await trio();
    const keep = await post(bob.token, channel.id, "keep");
    const gone = await post(bob.token, channel.id, "gone");
    const ws = await channelWs(channel.id, alice.wsToken);

    const body = await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: gone.id }, bob.token);
    expect(body).toEqual({ meta: { ok: true } });
    const ev = await ws.event("chat.deleteMessage");
    expect(ev).toEqual({
      meta: { api: "v1", time: expect.any(Number), seq: 4 }, // bot message, keep, gone, delete
      event: "chat.deleteMessage",
      payload: { message_id: gone.id, channel_id: channel.id },
    });
    const history = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(history.messages.map((m: any) => m.id)).toEqual([1, keep.id]);

    // gone is gone: editing, deleting again, reacting all answer 404
    for (const [route, extra] of [
      ["chat.updatemessage", { text: "z" }],
      ["chat.deletemessage", {}],
      ["chat.reactmessage", { emoji_value: "U 1F600" }],
    ] as const) {
      const r = await api.call(route, { channel_id: channel.id, message_id: gone.id, ...extra }, bob.token);
      expect(r.status, route).toBe(404);
    }
    ws.close();
  });

  it("the channel owner may delete anyone's message; other members may not (403); non-members 403", async () => {
    const { alice, bob, carol, channel } = await trio();
    const outsider = await api.newUser("Eve");
    const bobs = await post(bob.token, channel.id, "bob's");
    const alices = await post(alice.token, channel.id, "alice's");

    const byCarol = await api.call("chat.deletemessage", { channel_id: channel.id, message_id: bobs.id }, carol.token);
    expect(byCarol.status).toBe(403);
    expect(byCarol.body.meta.code).toBe("not_allowed");
    const byBob = await api.call("chat.deletemessage", { channel_id: channel.id, message_id: alices.id }, bob.token);
    expect(byBob.status).toBe(403);
    const byOutsider = await api.call("chat.deletemessage", { channel_id: channel.id, message_id: bobs.id }, outsider.token);
    expect(byOutsider.status).toBe(403);
    expect(byOutsider.body.meta.code).toBe("not_a_member");

    expect(await api.ok("chat.deletemessage", { channel_id: channel.id, message_id: bobs.id }, alice.token)).toEqual({ meta: { ok: true } });
    const history = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    expect(history.messages.map((m: any) => m.id)).toEqual([1, alices.id]);
  });

  it("404 for a channel that does not exist", async () => {
    const { alice } = await trio();
    const r = await api.call("chat.deletemessage", { channel_id: 987654321, message_id: 1 }, alice.token);
    expect(r.status).toBe(404);
  });
});
