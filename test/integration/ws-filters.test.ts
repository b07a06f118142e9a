import { describe, expect, it } from "vitest";
import type { TestSocket } from "../helpers/socket";
import { advanceClock } from "../helpers/clock";
import { advanceAndRunAlarm, api, channelSocket, channelStub, userSocket } from "../helpers/workerd";

async function room() {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const channel = await api.newChannel(alice.token, [bob.user.id], "filters");
  const a = await channelSocket(channel.id);
  const b = await channelSocket(channel.id);
  await a.auth(alice.wsToken);
  await b.auth(bob.wsToken);
  return { alice, bob, channel, a, b };
}

/** Sets filters and returns the reply. */
async function setFilters(ws: TestSocket, filters: unknown, correlationId: string, spelling: "type" | "command" = "type") {
  ws.send(spelling === "type" ? { type: "filter", correlationId, filters } : { command: "ws_filter", correlationId, filters });
  return ws.reply(correlationId);
}

async function post(token: string, channelId: number, text: string) {
  await api.ok("chat.postmessage", { channel_id: channelId, text }, token);
}

const isPost = (text: string) => (f: Record<string, any>) => f.event === "chat.postMessage" && f.payload.message.content === text;

describe("the filter message", () => {
  for (const spelling of ["type", "command"] as const) {
    it(`{"${spelling === "type" ? 'type":"filter' : 'command":"ws_filter'}"}: success reply; filters apply to broadcasts`, async () => {
      const { alice, bob, channel, a, b } = await room();
      const reply = await setFilters(b, [{ property: "event", value: "chat.userTyping" }], "f1", spelling);
      expect(reply).toEqual({ correlationId: "f1", time: expect.any(Number), type: "success" });
      await post(alice.token, channel.id, "hidden from bob");
      await a.next(isPost("hidden from bob"));
      a.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
      // the next event bob sees is the typing: the post was filtered out
      const next = await b.next((f) => f.event !== undefined);
      expect(next.event).toBe("chat.userTyping");
      expect(next.payload.user.id).toBe(alice.user.id);
      void bob;
      a.close();
      b.close();
    });
  }

  it("is answered even without a correlationId (correlationId null)", async () => {
    const { a, b } = await room();
    a.send({ type: "filter", filters: [{ property: "event", value: "x" }] });
    expect(await a.reply(null)).toEqual({ correlationId: null, time: expect.any(Number), type: "success" });
    a.close();
    b.close();
  });

  const invalid: { why: string; filters: unknown }[] = [
    { why: "filters not an array", filters: { property: "event", value: "x" } },
    { why: "filters missing", filters: undefined },
    { why: "more than 32 entries", filters: Array.from({ length: 33 }, (_, i) => ({ property: "event", value: `e${i}` })) },
    { why: "an entry without property", filters: [{ value: "x" }] },
    { why: "a property that is not a string", filters: [{ property: 1, value: "x" }] },
    { why: "a property over 128 characters", filters: [{ property: "p".repeat(129), value: "x" }] },
    { why: "a value that is an object", filters: [{ property: "event", value: { a: 1 } }] },
    { why: "a value that is null", filters: [{ property: "event", value: null }] },
  ];
  for (const row of invalid) {
    it(`invalid (${row.why}) → error reply, the old filters are kept`, async () => {
      const { alice, channel, a, b } = await room();
      await setFilters(b, [{ property: "event", value: "chat.userTyping" }], "old");
      b.send({ type: "filter", correlationId: "bad", filters: row.filters });
      expect(await b.reply("bad")).toEqual({ correlationId: "bad", error: expect.any(String), time: expect.any(Number), type: "error" });
      expect(b.closed).toBeNull();
      await post(alice.token, channel.id, "still filtered");
      await a.next(isPost("still filtered"));
      a.send({ command: "ws_ephemeral_typing", channel_id: channel.id });
      expect((await b.next((f) => f.event !== undefined)).event).toBe("chat.userTyping");
      a.close();
      b.close();
    });
  }

  it("exactly 32 filters are accepted", async () => {
    const { a, b } = await room();
    const reply = await setFilters(b, Array.from({ length: 32 }, (_, i) => ({ property: "event", value: `e${i}` })), "max");
    expect(reply.type).toBe("success");
    a.close();
    b.close();
  });

  it("the empty list clears filtering", async () => {
    const { alice, channel, a, b } = await room();
    await setFilters(b, [{ property: "event", value: "nothing.matches" }], "f");
    await post(alice.token, channel.id, "dropped");
    await a.next(isPost("dropped"));
    await setFilters(b, [], "clear");
    await post(alice.token, channel.id, "delivered");
    const next = await b.next((f) => f.event !== undefined);
    expect(next.payload.message.content).toBe("delivered");
    a.close();
    b.close();
  });
});

describe("filter semantics on live events", () => {
  it("a property path with a number compared as a string; OR within a property; AND across properties", async () => {
    const { alice, bob, channel, a, b } = await room();
    // only messages by bob (id given as a string), and only chat.postMessage or chat.updateMessage
    await setFilters(a, [
      { property: "payload.message.user_id", value: String(bob.user.id) },
      { property: "type", value: "chat.postMessage" },
      { property: "event", value: "chat.updateMessage" },
    ], "f");
    await post(alice.token, channel.id, "from alice");
    await post(bob.token, channel.id, "from bob");
    await b.next(isPost("from bob"));
    // typing is handled (and broadcast) before the next post: wait for its reply
    b.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t" });
    await b.reply("t");
    await post(bob.token, channel.id, "after typing");
    const seen = [];
    seen.push(await a.next((f) => f.event !== undefined));
    seen.push(await a.next((f) => f.event !== undefined));
    expect(seen.map((f) => [f.event, f.payload.message?.content])).toEqual([
      ["chat.postMessage", "from bob"],
      ["chat.postMessage", "after typing"],
    ]);
    a.close();
    b.close();
  });

  it("an event lacking the filtered property is not delivered; \"*\" matches any present value", async () => {
    const { alice, bob, channel, a, b } = await room();
    await setFilters(a, [{ property: "payload.message.id", value: "*" }], "f");
    b.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t1" }); // no payload.message
    await b.reply("t1");
    await post(bob.token, channel.id, "has an id");
    const next = await a.next((f) => f.event !== undefined);
    expect(next.event).toBe("chat.postMessage");
    // meta.seq as a filter: durable events only
    await setFilters(a, [{ property: "meta.seq", value: "*" }], "g");
    await advanceClock(channelStub(channel.id), 2_000); // past the typing throttle
    b.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "t2" });
    await b.reply("t2");
    await post(alice.token, channel.id, "durable");
    expect((await a.next((f) => f.event !== undefined)).event).toBe("chat.postMessage");
    a.close();
    b.close();
  });

  it("replies, rtm.ready, pong and ping are never filtered", async () => {
    const { alice, channel, a, b } = await room();
    await setFilters(a, [{ property: "event", value: "nothing.matches" }], "f");
    a.send({ command: "ws_ephemeral_typing", channel_id: "zzz", correlationId: "err" });
    expect((await a.reply("err")).type).toBe("error");
    a.send({ command: "ws_ephemeral_typing", channel_id: channel.id, correlationId: "ok" });
    expect((await a.reply("ok")).type).toBe("success");
    expect((await a.auth(alice.wsToken)).event).toBe("rtm.ready");
    a.send({ command: "ws_ping", correlationId: 1 });
    await a.next((f) => f.event === "pong");
    await advanceAndRunAlarm(channelStub(channel.id), 26_000);
    expect(await a.event("ping")).toEqual({ meta: { api: "v1", time: expect.any(Number) }, event: "ping", payload: {} });
    a.close();
    b.close();
  });

  it("filters on the user stream", async () => {
    const alice = await api.newUser("Alice");
    const stream = await userSocket(alice.user.id);
    await stream.auth(alice.wsToken);
    await setFilters(stream, [{ property: "payload.channel.channel_name", value: "wanted" }], "f");
    await api.newChannel(alice.token, [], "unwanted");
    const wanted = await api.newChannel(alice.token, [], "wanted");
    const ev = await stream.event("channel.create");
    expect(ev.payload.channel.id).toBe(wanted.id);
    await stream.nothing((f) => f.event === "channel.create", 100);
    stream.close();
  });
});
