import { evictDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { report, tried } from "../helpers/hostile";
import { advanceAndRunAlarm, api, channelSocket, channelStub } from "../helpers/workerd";

afterAll(() => report("faults"));

describe("faults inside the runtime", () => {
  it("an eviction in the middle of a burst of posts loses and duplicates nothing that was acknowledged", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const ws = await channelSocket(channel.id);
    await ws.auth(bob.wsToken);
    const stub = channelStub(channel.id);

    const N = 30;
    const posts: Promise<{ status: number; body: Record<string, any> }>[] = [];
    for (let i = 0; i < N; i++) {
      posts.push(api.call("chat.postmessage", { channel_id: channel.id, text: `burst ${i}` }, alice.token));
      if (i === N / 2) await evictDurableObject(stub);
    }
    const results = await Promise.all(posts);
    tried("posts around an eviction", N);
    const acked = results.filter((r) => r.status === 200).map((r) => r.body.message.content as string);
    expect(acked.length).toBeGreaterThan(N / 2);

    const history = await api.ok("channel.history", { channel_id: channel.id, limit: 200 }, alice.token);
    const stored = history.messages.filter((m: any) => m.message_type === 1).map((m: any) => m.content as string);
    for (const text of acked) expect(stored.filter((s: string) => s === text)).toHaveLength(1);
    expect(new Set(stored).size).toBe(stored.length);

    // The socket survived the eviction (hibernation keeps it); whatever it got is in seq order
    // without gaps, and a resume fills in anything a broadcast lost to the eviction.
    const seqs = ws.frames.filter((f) => f.event === "chat.postMessage").map((f) => f.meta.seq as number);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    const ready = ws.frames.find((f) => f.event === "rtm.ready")!;
    const fresh = await channelSocket(channel.id);
    await fresh.auth(bob.wsToken);
    fresh.send({ command: "ws_resume", epoch: ready.payload.epoch, since_seq: ready.payload.seq });
    const replayed: number[] = [];
    for (;;) {
      const f = await fresh.next((x) => x.event === "chat.postMessage" || x.event === "rtm.resumed");
      if (f.event === "rtm.resumed") {
        expect(f.payload.recovered).toBe(true);
        break;
      }
      replayed.push(f.meta.seq);
    }
    expect(replayed).toEqual(replayed.map((_, i) => ready.payload.seq + 1 + i));
    // rtm.ready's seq already covered the bot message; every text post was replayed
    expect(replayed.length).toBe(stored.length);
  });

  it("the alarm runs on a fresh instance after an eviction and still finds the hibernated sockets", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token);
    const ws = await channelSocket(channel.id);
    await ws.auth(alice.wsToken);
    ws.send({ type: "filter", correlationId: "f", filters: [{ property: "event", value: "ping" }] });
    await ws.reply("f");
    const stub = channelStub(channel.id);
    await evictDurableObject(stub);
    tried("eviction before an alarm");
    await advanceAndRunAlarm(stub, 26_000);
    expect((await ws.event("ping")).payload).toEqual({});
    // filters survived too: a post does not pass the ping-only filter
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "filtered" }, alice.token);
    await ws.nothing((f) => f.event === "chat.postMessage", 300);
    await evictDurableObject(stub);
    await advanceAndRunAlarm(stub, 51_000);
    expect((await ws.waitClose()).code).toBe(4008);
  });
});
