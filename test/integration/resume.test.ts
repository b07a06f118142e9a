import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChannelRoom } from "../../src/channel/ChannelRoom";
import type { ChannelStore } from "../../src/storage/channelStore";
import { durableTexts, isDurable, range, resume, seqsOf, untilSeq } from "../helpers/events";
import type { TestUser } from "../helpers/api";
import type { TestSocket } from "../helpers/socket";
import { api, channelSocket, channelStub, userSocket } from "../helpers/workerd";

interface Room {
  alice: TestUser;
  bob: TestUser;
  channelId: number;
}

async function room(): Promise<Room> {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const channel = await api.newChannel(alice.token, [bob.user.id]);
  return { alice, bob, channelId: channel.id };
}

async function connected(channelId: number, user: TestUser): Promise<{ sock: TestSocket; ready: Record<string, any> }> {
  const sock = await channelSocket(channelId);
  const ready = await sock.auth(user.wsToken);
  return { sock, ready: ready.payload };
}

/**
 * Ways to produce one durable event while a client is away. Each produces exactly one event with
 * a seq; add edits, reactions and membership changes here as they land (issues 3 and 4).
 */
const producers: { name: string; run: (r: Room, i: number) => Promise<unknown> }[] = [
  {
    name: "post by the owner",
    run: (r, i) => api.ok("chat.postmessage", { channel_id: r.channelId, text: `from alice ${i}` }, r.alice.token),
  },
  {
    name: "post by a member",
    run: (r, i) => api.ok("chat.postmessage", { channel_id: r.channelId, text: `from bob ${i}` }, r.bob.token),
  },
  {
    name: "quote (post with parent_message_id)",
    run: async (r, i) => {
      const { message } = await api.ok("chat.postmessage", { channel_id: r.channelId, text: `parent ${i}` }, r.alice.token);
      return api.ok(
        "chat.postmessage",
        { channel_id: r.channelId, text: `quote ${i}`, parent_message_id: message.id },
        r.bob.token,
      );
    },
  },
];

/** Runs every producer `rounds` times, in turn; returns how many durable events that made. */
async function produce(r: Room, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) for (const p of producers) await p.run(r, i);
}

describe("ws_resume after a reconnect", () => {
  it("replays exactly the missed events, byte-identical and in order, then rtm.resumed, then live events", async () => {
    const r = await room();
    const observer = await connected(r.channelId, r.alice); // stays connected: sees every event live
    const first = await connected(r.channelId, r.bob);
    const since = first.ready.seq as number;
    expect(since).toBe(1); // the bot message announcing bob
    first.sock.close();
    await first.sock.waitClose();

    await produce(r, 3);
    const total = since + 3 * (1 + 1 + 2);
    await untilSeq(observer.sock, total);
    const missed = durableTexts(observer.sock).filter((t) => JSON.parse(t).meta.seq > since);
    expect(missed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(since + 1, total));

    const again = await connected(r.channelId, r.bob);
    expect(again.ready).toMatchObject({ epoch: first.ready.epoch, seq: total });
    const { replayed, resumed } = await resume(again.sock, first.ready.epoch, since);
    expect(replayed).toEqual(missed); // the exact bytes the observer got live
    expect(resumed.payload).toEqual({ recovered: true, seq: total });
    expect(resumed.meta.seq).toBeUndefined();

    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "live again" }, r.alice.token);
    const live = await again.sock.next(isDurable);
    expect(live.meta.seq).toBe(total + 1);
    expect(live.payload.message.content).toBe("live again");
    expect(seqsOf(again.sock)).toEqual(range(since + 1, total + 1));
    for (const s of [observer.sock, again.sock]) s.close();
  });

  it("replays nothing and answers recovered:false for a foreign epoch or a since_seq ahead of the room", async () => {
    const r = await room();
    await produce(r, 1);
    for (const [epoch, since] of [
      ["not-this-rooms-epoch", 0],
      [null, 99],
    ] as const) {
      const { sock, ready } = await connected(r.channelId, r.bob);
      const { replayed, resumed } = await resume(sock, epoch ?? ready.epoch, since);
      expect(replayed).toEqual([]);
      expect(resumed.payload).toEqual({ recovered: false, seq: ready.seq });
      // the connection stays live after a failed recovery
      await api.ok("chat.postmessage", { channel_id: r.channelId, text: "after" }, r.alice.token);
      expect((await sock.next(isDurable)).meta.seq).toBe(ready.seq + 1);
      sock.close();
    }
  });

  it("resuming at the current seq replays nothing and recovers", async () => {
    const r = await room();
    await produce(r, 1);
    const { sock, ready } = await connected(r.channelId, r.bob);
    const { replayed, resumed } = await resume(sock, ready.epoch, ready.seq);
    expect(replayed).toEqual([]);
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq });
    sock.close();
  });

  it("applies the connection's filters to replayed events", async () => {
    const r = await room();
    const { sock: gone, ready } = await connected(r.channelId, r.bob);
    gone.close();
    await produce(r, 2);
    const { sock } = await connected(r.channelId, r.bob);
    sock.send({
      type: "filter",
      correlationId: "f",
      filters: [{ property: "payload.message.user_id", value: String(r.alice.user.id) }],
    });
    expect(await sock.reply("f")).toMatchObject({ type: "success" });
    const { replayed, resumed } = await resume(sock, ready.epoch, ready.seq);
    const authors = replayed.map((t) => JSON.parse(t).payload.message.user_id);
    // per round: alice's post, bob's post, alice's parent, bob's quote
    expect(authors).toEqual([r.alice.user.id, r.alice.user.id, r.alice.user.id, r.alice.user.id]);
    expect(replayed.map((t) => JSON.parse(t).payload.message.content)).toEqual([
      "from alice 0",
      "parent 0",
      "from alice 1",
      "parent 1",
    ]);
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq + 8 });
    sock.close();
  });

  it("is allowed once per connection: a second ws_resume gets an error reply and the socket stays open", async () => {
    const r = await room();
    const { sock, ready } = await connected(r.channelId, r.bob);
    await resume(sock, ready.epoch, ready.seq);
    sock.send({ command: "ws_resume", epoch: ready.epoch, since_seq: 0, correlationId: "again" });
    expect(await sock.reply("again")).toEqual({
      correlationId: "again",
      error: "ws_resume is allowed once per connection",
      time: expect.any(Number),
      type: "error",
    });
    await sock.nothing((f) => f.event === "rtm.resumed", 200);
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "still here" }, r.alice.token);
    expect((await sock.next(isDurable)).payload.message.content).toBe("still here");
    expect(sock.closed).toBeNull();
    sock.close();
  });

  it("a successful ws_resume with a correlationId is also answered with a success reply", async () => {
    const r = await room();
    const { sock, ready } = await connected(r.channelId, r.bob);
    sock.send({ command: "ws_resume", epoch: ready.epoch, since_seq: ready.seq, correlationId: 7 });
    const resumed = await sock.event("rtm.resumed");
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq });
    expect(await sock.reply(7)).toMatchObject({ type: "success" });
    sock.close();
  });

  it("invalid ws_resume parameters get an error reply and do not use up the one resume", async () => {
    const r = await room();
    const { sock, ready } = await connected(r.channelId, r.bob);
    sock.send({ command: "ws_resume", epoch: ready.epoch, since_seq: -1, correlationId: "bad" });
    expect(await sock.reply("bad")).toMatchObject({ type: "error" });
    const { resumed } = await resume(sock, ready.epoch, ready.seq);
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq });
    sock.close();
  });

  it("the user stream cannot resume: error reply, socket stays open", async () => {
    const alice = await api.newUser("Alice");
    const sock = await userSocket(alice.user.id);
    const ready = await sock.auth(alice.wsToken);
    expect(ready.payload.epoch).toBeUndefined();
    expect(ready.payload.seq).toBeUndefined();
    sock.send({ command: "ws_resume", epoch: "x", since_seq: 0, correlationId: "r" });
    expect(await sock.reply("r")).toEqual({
      correlationId: "r",
      error: "ws_resume is not supported on the user stream",
      time: expect.any(Number),
      type: "error",
    });
    await sock.nothing((f) => f.event === "rtm.resumed", 200);
    await api.newChannel(alice.token);
    expect((await sock.event("channel.create")).event).toBe("channel.create");
    sock.close();
  });

  it("ws_resume before ws_auth closes the socket 1008 like any other command", async () => {
    const r = await room();
    const sock = await channelSocket(r.channelId);
    sock.send({ command: "ws_resume", epoch: "x", since_seq: 0 });
    expect((await sock.waitClose()).code).toBe(1008);
  });
});

describe("exactly once, in order, around a replay", () => {
  it("events delivered live between rtm.ready and ws_resume are not replayed again", async () => {
    const r = await room();
    const { sock: gone, ready: old } = await connected(r.channelId, r.bob);
    gone.close();
    await produce(r, 1); // 4 missed: seq 2..5
    const { sock, ready } = await connected(r.channelId, r.bob);
    expect(ready.seq).toBe(old.seq + 4);
    // two live events reach the new connection before it asks to resume
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "live 1" }, r.alice.token);
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "live 2" }, r.alice.token);
    await untilSeq(sock, ready.seq + 2);
    const { replayed, resumed } = await resume(sock, old.epoch, old.seq);
    expect(replayed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(old.seq + 1, ready.seq));
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq + 2 });
    // every seq exactly once
    expect([...seqsOf(sock)].sort((a, b) => a - b)).toEqual(range(old.seq + 1, ready.seq + 2));
    sock.close();
  });

  it("events produced while a replay is requested come after rtm.resumed, in order, exactly once", async () => {
    const r = await room();
    const { sock: gone, ready: old } = await connected(r.channelId, r.bob);
    gone.close();
    await produce(r, 5); // 20 missed
    const { sock, ready } = await connected(r.channelId, r.bob);
    const start = sock.raw.length;
    sock.send({ command: "ws_resume", epoch: old.epoch, since_seq: old.seq });
    const posts = Array.from({ length: 20 }, (_, i) =>
      api.ok("chat.postmessage", { channel_id: r.channelId, text: `during ${i}` }, i % 2 ? r.alice.token : r.bob.token),
    );
    await Promise.all(posts);
    const last = ready.seq + 20;
    await untilSeq(sock, last);
    const after = sock.frames.slice(start).filter((f) => isDurable(f) || f.event === "rtm.resumed");
    const at = after.findIndex((f) => f.event === "rtm.resumed");
    const resumed = after[at]!;
    const before = after.slice(0, at).map((f) => f.meta.seq);
    const later = after.slice(at + 1).map((f) => f.meta.seq);
    // whatever went out live before the replay was processed is not replayed; the replay itself
    // is (old.seq, ready.seq]; everything after rtm.resumed continues from its seq
    const replay = before.filter((s) => s <= ready.seq);
    const liveBefore = before.filter((s) => s > ready.seq);
    expect(replay).toEqual(range(old.seq + 1, ready.seq));
    expect(before).toEqual([...liveBefore, ...replay]);
    expect(resumed.payload.recovered).toBe(true);
    expect(later).toEqual(range(resumed.payload.seq + 1, last));
    expect(liveBefore).toEqual(liveBefore.length ? range(ready.seq + 1, resumed.payload.seq) : []);
    expect([...before, ...later].sort((a, b) => a - b)).toEqual(range(old.seq + 1, last));
    sock.close();
  });

  it("a durable frame broadcast out of order is delivered after the ones before it, and only once", async () => {
    const r = await room();
    const { sock, ready } = await connected(r.channelId, r.alice);
    await runInDurableObject(channelStub(r.channelId), (instance: ChannelRoom) => {
      const room = instance as unknown as {
        store: { transaction<T>(fn: () => T): T; appendEvent(e: string, p: object, now: number): { event: any; text: string } };
        broadcast(frame: unknown): number;
      };
      const [a, b] = room.store.transaction(() => [
        room.store.appendEvent("channel.remove", { channel_id: 1 }, Date.now()),
        room.store.appendEvent("chat.deleteMessage", { message_id: 2, channel_id: 1 }, Date.now()),
      ]);
      room.broadcast(b); // as if the code that stored `a` were still awaiting something
      room.broadcast(a);
      room.broadcast(b);
    });
    await untilSeq(sock, ready.seq + 2);
    await sock.nothing(isDurable, 200);
    expect(sock.frames.filter(isDurable).map((f) => [f.event, f.meta.seq])).toEqual([
      ["channel.remove", ready.seq + 1],
      ["chat.deleteMessage", ready.seq + 2],
    ]);
    sock.close();
  });
});

describe("resume across an eviction of the room", () => {
  it("the epoch is fixed per room: the same after an eviction, different in another room", async () => {
    const r = await room();
    const other = await room();
    const { sock: s1, ready: r1 } = await connected(r.channelId, r.bob);
    s1.close();
    await evictDurableObject(channelStub(r.channelId));
    const { sock: s2, ready: r2 } = await connected(r.channelId, r.bob);
    const { sock: s3, ready: r3 } = await connected(other.channelId, other.bob);
    expect(r1.epoch).toMatch(/^[0-9a-f-]{36}$/);
    expect(r2.epoch).toBe(r1.epoch);
    expect(r3.epoch).not.toBe(r1.epoch);
    for (const s of [s2, s3]) s.close();
  });

  it("a client that reconnects after the room was evicted recovers everything it missed", async () => {
    const r = await room();
    const { sock: gone, ready } = await connected(r.channelId, r.bob);
    gone.close();
    await gone.waitClose();
    await produce(r, 2);
    await evictDurableObject(channelStub(r.channelId));
    const { sock, ready: again } = await connected(r.channelId, r.bob);
    expect(again.epoch).toBe(ready.epoch);
    expect(again.seq).toBe(ready.seq + 8);
    const { replayed, resumed } = await resume(sock, ready.epoch, ready.seq);
    expect(replayed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(ready.seq + 1, ready.seq + 8));
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq + 8 });
    sock.close();
  });

  it("a connection that hibernated with the room gets the next event live after the room wakes for a post", async () => {
    const r = await room();
    const { sock, ready } = await connected(r.channelId, r.bob);
    await evictDurableObject(channelStub(r.channelId));
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "wakes the room" }, r.alice.token);
    const live = await sock.next(isDurable);
    expect(live.meta.seq).toBe(ready.seq + 1);
    expect(live.payload.message.content).toBe("wakes the room");
    sock.close();
  });

  it("a connection that hibernated with the room keeps its place: resume after eviction replays only what it missed", async () => {
    const r = await room();
    const { sock: gone, ready: old } = await connected(r.channelId, r.bob);
    gone.close();
    await produce(r, 1); // 4 missed
    const { sock, ready } = await connected(r.channelId, r.bob);
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "live before eviction" }, r.alice.token);
    await untilSeq(sock, ready.seq + 1);
    await evictDurableObject(channelStub(r.channelId)); // the socket hibernates, the instance goes
    const { replayed, resumed } = await resume(sock, old.epoch, old.seq);
    expect(replayed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(old.seq + 1, ready.seq));
    expect(resumed.payload).toEqual({ recovered: true, seq: ready.seq + 1 });
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "live after eviction" }, r.alice.token);
    expect((await sock.next(isDurable)).meta.seq).toBe(ready.seq + 2);
    sock.close();
  });
});

describe("a resume older than the event log", () => {
  it("keeps at least the last EVENT_LOG_MIN_EVENTS once older than EVENT_LOG_MIN_AGE_MS; older resumes get recovered:false, never a partial replay", async () => {
    const r = await room(); // seq 1: bot message
    const stub = channelStub(r.channelId);
    const day = 86_400_000;
    const logged = await runInDurableObject(stub, async (instance: ChannelRoom) => {
      const room = instance as unknown as { clock: { advance(ms: number): void } };
      for (let i = 0; i < 1099; i++) await instance.post(r.alice.user.id, { text: `old ${i}` });
      room.clock.advance(day + 60_000); // everything so far is now older than 24 h
      for (let i = 0; i < 100; i++) await instance.post(r.alice.user.id, { text: `new ${i}` });
      const sql = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
      return sql.exec<{ n: number; lo: number; hi: number }>("SELECT COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM events").one();
    });
    // trimmed on the 1,200th event: 1..200 are both beyond the newest 1,000 and older than 24 h
    expect(logged).toEqual({ n: 1000, lo: 201, hi: 1200 });

    const tooOld = await connected(r.channelId, r.bob);
    const lost = await resume(tooOld.sock, tooOld.ready.epoch, 199);
    expect(lost.replayed).toEqual([]);
    expect(lost.resumed.payload).toEqual({ recovered: false, seq: 1200 });
    tooOld.sock.close();

    const fresh = await connected(r.channelId, r.bob);
    const kept = await resume(fresh.sock, fresh.ready.epoch, 200, 20_000);
    expect(kept.replayed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(201, 1200));
    expect(kept.resumed.payload).toEqual({ recovered: true, seq: 1200 });
    fresh.sock.close();
  });

  it("keeps everything younger than EVENT_LOG_MIN_AGE_MS even beyond EVENT_LOG_MIN_EVENTS", async () => {
    const r = await room();
    const stub = channelStub(r.channelId);
    const n = await runInDurableObject(stub, async (instance: ChannelRoom) => {
      for (let i = 0; i < 1199; i++) await instance.post(r.alice.user.id, { text: `m ${i}` });
      const sql = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
      return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
    });
    expect(n).toBe(1200);
    // the oldest young event is still replayable (within RESUME_MAX_EVENTS of the room's seq)
    const { sock, ready } = await connected(r.channelId, r.bob);
    const { replayed, resumed } = await resume(sock, ready.epoch, 200, 20_000);
    expect(replayed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(201, 1200));
    expect(resumed.payload).toEqual({ recovered: true, seq: 1200 });
    sock.close();
  });

  it("trimming drops only a prefix, so a range is either complete or refused", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token); // no invitees: seq 0
    const day = 86_400_000;
    const out = await runInDurableObject(channelStub(channel.id), (instance: ChannelRoom) => {
      const store = (instance as unknown as { store: ChannelStore }).store;
      const now = Date.now();
      // seq 1..4 stored at: old, young, old, old. Only seq 1 is an old prefix; 3 and 4 stay.
      store.transaction(() => {
        for (const t of [now - 2 * day, now, now - 2 * day, now - 2 * day]) {
          store.appendEvent("chat.deleteMessage", { message_id: 1, channel_id: channel.id }, t);
        }
      });
      store.trimEvents(1, day, now);
      return {
        first: store.firstLoggedSeq(),
        from0: store.eventsBetween(0, 4),
        from1: store.eventsBetween(1, 4)?.map((t) => JSON.parse(t).meta.seq),
        ahead: store.eventsAfter(5),
        current: store.eventsAfter(4),
      };
    });
    expect(out).toEqual({ first: 2, from0: null, from1: [2, 3, 4], ahead: null, current: [] });
  });
});

describe("a resume more than RESUME_MAX_EVENTS (1,000) behind", () => {
  /** A room whose log holds `n` posts after the bot message: seq 1..n+1, all young enough to keep. */
  async function busyRoom(n: number): Promise<Room> {
    const r = await room();
    await runInDurableObject(channelStub(r.channelId), async (instance: ChannelRoom) => {
      for (let i = 0; i < n; i++) await instance.post(r.alice.user.id, { text: `m ${i}` });
    });
    return r;
  }

  it("5,000 behind: recovered:false and not one replayed frame, though the log holds every event", async () => {
    const r = await busyRoom(5000);
    const logged = await runInDurableObject(channelStub(r.channelId), (instance: ChannelRoom) => {
      const sql = (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
      return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
    });
    expect(logged).toBe(5001);
    const { sock, ready } = await connected(r.channelId, r.bob);
    expect(ready.seq).toBe(5001);
    const { replayed, resumed, start } = await resume(sock, ready.epoch, 1, 20_000);
    expect(replayed).toEqual([]);
    expect(resumed.payload).toEqual({ recovered: false, seq: 5001 });
    // nothing trails the answer either: the next durable frame is the next live event
    await api.ok("chat.postmessage", { channel_id: r.channelId, text: "live" }, r.alice.token);
    expect((await sock.next(isDurable)).meta.seq).toBe(5002);
    expect(seqsOf(sock, start)).toEqual([5002]);
    sock.close();
  }, 120_000);

  it("500 behind: replays exactly the 500 missed events; exactly 1,000 behind still replays", async () => {
    const r = await busyRoom(1000);
    const { sock, ready } = await connected(r.channelId, r.bob);
    const { replayed, resumed } = await resume(sock, ready.epoch, 501, 20_000);
    expect(replayed.map((t) => JSON.parse(t).meta.seq)).toEqual(range(502, 1001));
    expect(resumed.payload).toEqual({ recovered: true, seq: 1001 });
    sock.close();
    const edge = await connected(r.channelId, r.bob);
    const full = await resume(edge.sock, edge.ready.epoch, 1, 20_000);
    expect(full.replayed.length).toBe(1000);
    expect(full.resumed.payload).toEqual({ recovered: true, seq: 1001 });
    const over = await connected(r.channelId, r.bob);
    const refused = await resume(over.sock, over.ready.epoch, 0, 20_000);
    expect(refused.replayed).toEqual([]);
    expect(refused.resumed.payload).toEqual({ recovered: false, seq: 1001 });
    for (const s of [edge.sock, over.sock]) s.close();
  }, 60_000);
});
