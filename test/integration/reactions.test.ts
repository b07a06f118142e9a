import { describe, expect, it } from "vitest";
import { channelWs, post, trio, userShape, userWs } from "../helpers/life";
import { api } from "../helpers/workerd";

const SMILE = "U 1F600";

describe("chat.reactmessage", () => {
  it("adds a reaction: {message} with emoticons [{uid, dn, ev}] and chat.updateMessage (seq); adding again changes nothing", async () => {
    const { alice, bob, channel } = await trio();
    const msg = await post(alice.token, channel.id, "react to me");
    const ws = await channelWs(channel.id, alice.wsToken);

    const body = await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE }, bob.token);
    const expected = { ...msg, emoticons: [{ uid: bob.user.id, dn: "Bob", ev: SMILE }] };
    expect(body).toEqual({ meta: { ok: true }, message: expected });
    const ev = await ws.event("chat.updateMessage");
    expect(ev).toEqual({ meta: { api: "v1", time: expect.any(Number), seq: 3 }, event: "chat.updateMessage", payload: { message: expected } });

    const again = await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE, remove: false }, bob.token);
    expect(again.message).toEqual(expected);
    await ws.nothing((f) => f.event === "chat.updateMessage");

    // a literal emoji is any string of 1-32 code points; a second emoji adds a second entry
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: "🎉" }, alice.token);
    const second = await ws.event("chat.updateMessage");
    expect(second.meta.seq).toBe(4);
    expect(second.payload.message.emoticons).toEqual([
      { uid: bob.user.id, dn: "Bob", ev: SMILE },
      { uid: alice.user.id, dn: "Alice", ev: "🎉" },
    ]);
    ws.close();
  });

  it("remove accepts true/1/\"1\"/\"true\" and removes only the caller's reaction; removing nothing emits nothing", async () => {
    const { alice, bob, carol, channel } = await trio();
    const msg = await post(alice.token, channel.id, "m");
    const ws = await channelWs(channel.id, alice.wsToken);
    for (const remove of [true, 1, "1", "true"]) {
      await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE }, bob.token);
      await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE }, carol.token);
      const body = await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE, remove }, bob.token);
      expect(body.message.emoticons, String(remove)).toEqual([{ uid: carol.user.id, dn: "Carol", ev: SMILE }]);
      await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE, remove: "1" }, carol.token);
    }
    for (let i = 0; i < 16; i++) await ws.event("chat.updateMessage");
    const none = await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE, remove: "true" }, bob.token);
    expect(none.message.emoticons).toEqual([]);
    await ws.nothing((f) => f.event === "chat.updateMessage");
    ws.close();
  });

  it("validates: emoji_value 1-32 code points, remove flags, ids (422); non-members 403; missing message 404", async () => {
    const { alice, channel } = await trio();
    const outsider = await api.newUser("Eve");
    const msg = await post(alice.token, channel.id, "m");
    const base = { channel_id: channel.id, message_id: msg.id };
    for (const [params, field] of [
      [{ ...base, emoji_value: "" }, "emoji_value"],
      [{ ...base, emoji_value: "x".repeat(33) }, "emoji_value"],
      [{ ...base, emoji_value: SMILE, remove: "yes" }, "remove"],
      [{ ...base, emoji_value: SMILE, remove: 2 }, "remove"],
      [{ channel_id: channel.id, message_id: "abc", emoji_value: SMILE }, "message_id"],
    ] as const) {
      const r = await api.call("chat.reactmessage", params, alice.token);
      expect(r.status, JSON.stringify(params)).toBe(422);
      expect(r.body[field], JSON.stringify(params)).toEqual(expect.any(String));
    }
    const ok32 = await api.call("chat.reactmessage", { ...base, emoji_value: "😀".repeat(32) }, alice.token);
    expect(ok32.status).toBe(200);
    const out = await api.call("chat.reactmessage", { ...base, emoji_value: SMILE }, outsider.token);
    expect(out.status).toBe(403);
    const missing = await api.call("chat.reactmessage", { ...base, message_id: 4242, emoji_value: SMILE }, alice.token);
    expect(missing.status).toBe(404);
  });

  it("a reaction by someone else alerts the author on their stream; reacting to one's own message does not", async () => {
    const { alice, bob, channel } = await trio();
    const msg = await post(alice.token, channel.id, "look at this");
    const stream = await userWs(alice.user.id, alice.wsToken);

    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: "👍" }, alice.token);
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: msg.id, emoji_value: SMILE }, bob.token);
    const alert = await stream.event("alert.notification");
    expect(alert).toEqual({
      meta: { api: "v1", time: expect.any(Number) },
      event: "alert.notification",
      payload: {
        alert_id: expect.any(Number),
        from: [userShape(bob, "Bob")],
        message_id: msg.id,
        alert_text: `Bob reacted ${SMILE} to your message: look at this`,
        channel_id: channel.id,
        is_read: false,
        created_on_ts: expect.any(Number),
      },
    });
    await stream.nothing((f) => f.event === "alert.notification");
    const { alerts } = await api.ok("user.alerts", {}, alice.token);
    expect(alerts).toEqual([alert.payload]);
    stream.close();
  });
});

describe("ws_add_reaction / ws_remove_reaction", () => {
  it("on a channel socket channel_id is optional; success replies only with a correlationId", async () => {
    const { alice, bob, channel } = await trio();
    const msg = await post(alice.token, channel.id, "m");
    const bobWs = await channelWs(channel.id, bob.wsToken);
    const aliceWs = await channelWs(channel.id, alice.wsToken);

    bobWs.send({ command: "ws_add_reaction", message_id: String(msg.id), emoji_value: SMILE, correlationId: "r1" });
    expect(await bobWs.reply("r1")).toEqual({ correlationId: "r1", time: expect.any(Number), type: "success" });
    const ev = await aliceWs.event("chat.updateMessage");
    expect(ev.payload.message).toEqual({ ...msg, emoticons: [{ uid: bob.user.id, dn: "Bob", ev: SMILE }] });

    bobWs.send({ command: "ws_remove_reaction", channel_id: channel.id, message_id: msg.id, emoji_value: SMILE });
    const removed = await aliceWs.event("chat.updateMessage");
    expect(removed.payload.message).toEqual(msg);
    expect(removed.meta.seq).toBe(ev.meta.seq + 1);
    await bobWs.nothing((f) => f.type === "success" || f.type === "error");
    bobWs.close();
    aliceWs.close();
  });

  it("a message that does not exist gets an error reply and the socket stays open", async () => {
    const { alice, channel } = await trio();
    const ws = await channelWs(channel.id, alice.wsToken);
    ws.send({ command: "ws_add_reaction", message_id: 777, emoji_value: SMILE, correlationId: 1 });
    expect(await ws.reply(1)).toEqual({ correlationId: 1, error: "no such message in this channel", time: expect.any(Number), type: "error" });
    ws.send({ command: "ws_add_reaction", message_id: 777, emoji_value: SMILE });
    expect(await ws.reply(null)).toMatchObject({ correlationId: null, type: "error" });
    const msg = await post(alice.token, channel.id, "now it exists");
    ws.send({ command: "ws_add_reaction", message_id: msg.id, emoji_value: SMILE, correlationId: 2 });
    expect((await ws.reply(2)).type).toBe("success");
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it("on the user stream channel_id is required, and the command is carried out in that channel", async () => {
    const { alice, bob, channel } = await trio();
    const msg = await post(alice.token, channel.id, "m");
    const stream = await userWs(bob.user.id, bob.wsToken);
    const aliceWs = await channelWs(channel.id, alice.wsToken);

    stream.send({ command: "ws_add_reaction", message_id: msg.id, emoji_value: SMILE, correlationId: "a" });
    expect(await stream.reply("a")).toMatchObject({ type: "error", error: "channel_id is required on the user stream" });
    stream.send({ command: "ws_add_reaction", channel_id: String(channel.id), message_id: msg.id, emoji_value: SMILE, correlationId: "b" });
    expect(await stream.reply("b")).toMatchObject({ type: "success" });
    const ev = await aliceWs.event("chat.updateMessage");
    expect(ev.payload.message.emoticons).toEqual([{ uid: bob.user.id, dn: "Bob", ev: SMILE }]);
    stream.send({ command: "ws_remove_reaction", channel_id: channel.id, message_id: msg.id, emoji_value: SMILE, correlationId: "c" });
    expect(await stream.reply("c")).toMatchObject({ type: "success" });
    expect((await aliceWs.event("chat.updateMessage")).payload.message.emoticons).toEqual([]);

    // a channel the user is not in: error reply, stream stays open
    const other = await api.newChannel(alice.token);
    stream.send({ command: "ws_add_reaction", channel_id: other.id, message_id: 1, emoji_value: SMILE, correlationId: "d" });
    expect(await stream.reply("d")).toMatchObject({ type: "error" });
    expect(stream.closed).toBeNull();
    stream.close();
    aliceWs.close();
  });
});
