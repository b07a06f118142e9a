import { evictDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { advanceClock } from "../helpers/clock";
import { report, tried } from "../helpers/hostile";
import { channelWs, post, trio } from "../helpers/life";
import { api, channelStub } from "../helpers/workerd";

afterAll(() => report("integration input bounds"));

const LONE = ["\ud800", "\udfff", "a\ud83d", "\ude00b", "x\ud83d\ude00\ud83d"];

describe("unpaired surrogates are refused, never turned into U+FFFD", () => {
  it("HTTP: 422 naming the field on every text parameter; nothing is stored", async () => {
    const { alice, bob, channel } = await trio();
    const msg = await post(alice.token, channel.id, "a message");
    const cases: [string, (bad: string) => Record<string, unknown>, string, string | undefined][] = [
      ["chat.postmessage", (b) => ({ channel_id: channel.id, text: `hi ${b}` }), "text", alice.token],
      ["chat.updatemessage", (b) => ({ channel_id: channel.id, message_id: msg.id, text: b }), "text", alice.token],
      ["chat.reactmessage", (b) => ({ channel_id: channel.id, message_id: msg.id, emoji_value: b }), "emoji_value", bob.token],
      ["lock.acquire", (b) => ({ channel_id: channel.id, path: `/docs/${b}` }), "path", alice.token],
      ["action.create", (b) => ({ channel_id: channel.id, action_name: "a", action_desc: b }), "action_desc", alice.token],
      ["channel.create", (b) => ({ channel_name: `room ${b}` }), "channel_name", alice.token],
      ["channel.create", (b) => ({ channel_name: "room", emails: [bob.email, `x${b}@example.test`] }), "emails", alice.token],
      ["channel.rename", (b) => ({ channel_id: channel.id, channel_name: b }), "channel_name", alice.token],
      ["user.profile.set", (b) => ({ name: b }), "name", bob.token],
      ["user.create", (b) => ({ email: "s@example.test", password: `password ${b}`, name: "S" }), "password", undefined],
      ["user.login", (b) => ({ email: bob.email, password: `correct horse battery${b}` }), "password", undefined],
    ];
    for (const [route, params, field, token] of cases) {
      for (const bad of LONE) {
        const r = await api.call(route, params(bad), token);
        const what = `${route} ${field} ${JSON.stringify(bad)}`;
        expect(r.status, what).toBe(422);
        expect(r.body.meta.code, what).toBe("invalid_params");
        expect(r.body[field], what).toBe("must be valid Unicode text (unpaired surrogate)");
        tried("unpaired surrogate (HTTP)");
      }
    }
    const history = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(history.messages.map((m: any) => [m.content, m.emoticons])).toEqual([
      [expect.objectContaining({ type: 2 }), []],
      ["a message", []],
    ]);
    expect((await api.ok("channel.info", { channel_id: channel.id }, alice.token)).channel.channel_name).toBe("room");
    // well-formed text (pairs, U+FFFD itself) still round-trips byte for byte
    for (const text of ["😀 \ud83d\ude00", "\ufffd", "a\u0000b"]) {
      expect((await post(alice.token, channel.id, text)).content).toBe(text);
    }
  });

  it("two lock paths that differ only in an unpaired surrogate never become one lock", async () => {
    const { alice, bob, channel } = await trio();
    const held = await api.ok("lock.acquire", { channel_id: channel.id, path: "/f/\ufffd" }, alice.token);
    const other = await api.call("lock.acquire", { channel_id: channel.id, path: "/f/\ud800" }, bob.token);
    expect(other.status).toBe(422);
    expect(other.body.path).toBe("must be valid Unicode text (unpaired surrogate)");
    const again = await api.ok("lock.acquire", { channel_id: channel.id, path: held.lock.path }, alice.token);
    expect(again.lock.lock_id).toBe(held.lock.lock_id);
    expect(again.lock.path).toBe("/f/\ufffd");
    tried("unpaired surrogate (lock path)");
  });

  it("websocket: a command carrying one gets an error reply naming the field; the socket stays open", async () => {
    const { alice, channel } = await trio();
    const msg = await post(alice.token, channel.id, "react to me");
    const ws = await channelWs(channel.id, alice.wsToken);
    const frames: [Record<string, unknown>, string][] = [
      [{ command: "ws_add_reaction", message_id: msg.id, emoji_value: "\ud83d" }, "emoji_value"],
      [{ command: "ws_remove_reaction", message_id: msg.id, emoji_value: "x\udc00" }, "emoji_value"],
      [{ type: "filter", filters: [{ property: "payload.\ud800", value: "x" }] }, "filters.0.property"],
      [{ type: "filter", filters: [{ property: "event", value: "chat.\udfff" }] }, "filters.0.value"],
      [{ command: "ws_resume", epoch: "\ud800", since_seq: 0 }, "epoch"],
    ];
    for (const [i, [frame, path]] of frames.entries()) {
      ws.send({ ...frame, correlationId: `s${i}` });
      expect(await ws.reply(`s${i}`)).toEqual({
        correlationId: `s${i}`,
        error: `${path}: must be valid Unicode text (unpaired surrogate)`,
        time: expect.any(Number),
        type: "error",
      });
      tried("unpaired surrogate (ws)");
    }
    // nothing was applied: no reaction, no filter (the next post arrives), resume still available
    await post(alice.token, channel.id, "still delivered");
    expect((await ws.event("chat.postMessage")).payload.message.content).toBe("still delivered");
    expect((await api.ok("channel.history", { channel_id: channel.id }, alice.token)).messages[1].emoticons).toEqual([]);
    ws.send({ command: "ws_resume", epoch: "x", since_seq: 0, correlationId: "r" });
    expect((await ws.event("rtm.resumed")).payload.recovered).toBe(false);
    expect(ws.closed).toBeNull();
    ws.close();
  });
});

describe("action.create due_on: years 1970 to 9999", () => {
  it("answers 422 outside the range, in every accepted format, and stores the edges exactly", async () => {
    const { alice, channel } = await trio();
    const outside: unknown[] = [
      8640000000001,
      999999999999,
      "999999999999",
      -1,
      253402300800, // 10000-01-01 00:00:00
      "0019-06-01 00:00:00",
      "1969-12-31 23:59:59",
      "0019-06-01T00:00:00Z",
      "1970-01-01T00:30:00+01:00",
    ];
    for (const due_on of outside) {
      const r = await api.call("action.create", { channel_id: channel.id, action_name: "a", due_on }, alice.token);
      expect(r.status, String(due_on)).toBe(422);
      expect(r.body.due_on, String(due_on)).toBe("must be in the years 1970 to 9999 (UTC)");
      tried("due_on out of range");
    }
    const edges: [unknown, string][] = [
      [0, "1970-01-01 00:00:00"],
      ["1970-01-01 00:00:00", "1970-01-01 00:00:00"],
      [253402300799, "9999-12-31 23:59:59"],
      ["9999-12-31 23:59:59", "9999-12-31 23:59:59"],
      ["9999-12-31T23:59:59Z", "9999-12-31 23:59:59"],
      ["2019-11-29 01:31:18", "2019-11-29 01:31:18"],
    ];
    for (const [due_on, shown] of edges) {
      const { action } = await api.ok("action.create", { channel_id: channel.id, action_name: "edge", due_on }, alice.token);
      expect(action.due_on, String(due_on)).toBe(shown);
    }
  });
});

describe("filters are limited by the socket attachment's encoded size", () => {
  const cjk = Array.from({ length: 32 }, (_, i) => ({ property: `${i}`.padEnd(128, "中"), value: "文".repeat(128) }));

  it("too large for the attachment: error reply, old filters kept, later commands answered, filters survive eviction", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, bob.wsToken);
    ws.send({ type: "filter", correlationId: "keep", filters: [{ property: "event", value: "chat.userTyping" }] });
    expect((await ws.reply("keep")).type).toBe("success");

    ws.send({ type: "filter", correlationId: "big", filters: cjk });
    expect(await ws.reply("big")).toEqual({
      correlationId: "big",
      error: "filters too large: the connection's saved state is limited to 16384 bytes",
      time: expect.any(Number),
      type: "error",
    });
    tried("filters over the attachment cap");

    // commands a second and more later are still carried out (each re-saves the attachment)
    for (let i = 0; i < 3; i++) {
      await advanceClock(channelStub(channel.id), 1500);
      ws.send({ command: "ws_all_read_notification", channel_id: channel.id, correlationId: `c${i}` });
      expect((await ws.reply(`c${i}`)).type, `command ${i}`).toBe("success");
    }
    await evictDurableObject(channelStub(channel.id));
    await post(alice.token, channel.id, "filtered out");
    const typer = await channelWs(channel.id, alice.wsToken);
    typer.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
    // the old filter still applies after hibernation: the typing arrives, the post did not
    expect((await ws.next((f) => f.event !== undefined)).event).toBe("chat.userTyping");
    ws.close();
    typer.close();
  });

  it("a large list that fits (CJK properties, ASCII values) is accepted and survives eviction", async () => {
    const { alice, bob, channel } = await trio();
    const ws = await channelWs(channel.id, bob.wsToken);
    const filters = [
      { property: "event", value: "chat.postMessage" },
      ...Array.from({ length: 31 }, (_, i) => ({ property: `${i}`.padEnd(128, "中"), value: `${i}`.padEnd(128, "v") })),
    ];
    ws.send({ type: "filter", correlationId: "fits", filters });
    expect((await ws.reply("fits")).type).toBe("success");
    await evictDurableObject(channelStub(channel.id));
    await advanceClock(channelStub(channel.id), 1500);
    ws.send({ command: "ws_all_read_notification", channel_id: channel.id, correlationId: "after" });
    expect((await ws.reply("after")).type).toBe("success");
    tried("filters near the attachment cap");
    void alice;
    ws.close();
  });
});
