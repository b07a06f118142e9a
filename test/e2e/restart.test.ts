/**
 * Stops and restarts the local server (`npm start`, as the README starts it) under connected
 * clients. Its own server on a fixed port, so ws URLs stay the same; local storage
 * (.wrangler/state) persists across the restart, so the channel keeps its epoch, seq and log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDurable, range, resume, seqsOf, untilSeq } from "../helpers/events";
import { connect, nodeApi, wsUrl } from "../helpers/node";
import { type RunningServer, freePort, startServer } from "../helpers/server";
import type { TestSocket } from "../helpers/socket";

let server: RunningServer;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = await startServer(port);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** Connects, retrying while the server is not accepting yet. */
async function reconnect(url: string, timeoutMs = 30_000): Promise<TestSocket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(url, 5000);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe("restart of the local server with clients connected", () => {
  it("clients reconnect and resume (same epoch, recovered) with nothing lost, including posts made right after the restart", async () => {
    const base = server.base;
    const api = nodeApi(base);
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "restart");
    const url = wsUrl(base, `/rtm/ws/channel/${channel.id}`);
    const post = (user: typeof alice, text: string) =>
      api.ok("chat.postmessage", { channel_id: channel.id, text }, user.token).then((b) => b.message);

    const a = await connect(url);
    const b = await connect(url);
    const readyA = (await a.auth(alice.wsToken)).payload;
    await b.auth(bob.wsToken);
    const epoch = readyA.epoch as string;

    const posted = [await post(alice, "before 1"), await post(bob, "before 2")];
    await untilSeq(a, readyA.seq + 2);
    await untilSeq(b, readyA.seq + 2);
    // bob's connection drops first and misses the last message before the restart
    b.close();
    await b.waitClose();
    posted.push(await post(alice, "before 3, bob is away"));
    await untilSeq(a, readyA.seq + 3);
    const lastA = readyA.seq + 3;
    const lastB = readyA.seq + 2;

    await server.stop();
    expect((await a.waitClose(15_000)).code).not.toBe(1000);
    server = await startServer(port);
    expect(server.base).toBe(base);

    // written after the restart, before anyone has resumed
    posted.push(await post(bob, "after restart 1"), await post(alice, "after restart 2"));
    const top = readyA.seq + 5;

    const a2 = await reconnect(url);
    const b2 = await reconnect(url);
    const ra = (await a2.auth(alice.wsToken)).payload;
    const rb = (await b2.auth(bob.wsToken)).payload;
    expect(ra).toMatchObject({ epoch, seq: top });
    expect(rb).toMatchObject({ epoch, seq: top });

    const resA = await resume(a2, epoch, lastA);
    expect(resA.resumed.payload).toEqual({ recovered: true, seq: top });
    expect(resA.replayed.map((t) => JSON.parse(t).payload.message.content)).toEqual(["after restart 1", "after restart 2"]);
    const resB = await resume(b2, epoch, lastB);
    expect(resB.resumed.payload).toEqual({ recovered: true, seq: top });
    expect(resB.replayed.map((t) => JSON.parse(t).payload.message.content)).toEqual([
      "before 3, bob is away",
      "after restart 1",
      "after restart 2",
    ]);

    posted.push(await post(bob, "live after resume"));
    for (const s of [a2, b2]) expect((await s.next(isDurable)).payload.message.content).toBe("live after resume");

    // nothing lost, nothing twice: each client's seqs across both connections are contiguous, and
    // the messages it got are exactly what was posted (history agrees)
    expect([...seqsOf(a), ...seqsOf(a2)]).toEqual(range(readyA.seq + 1, top + 1));
    expect([...seqsOf(b), ...seqsOf(b2)]).toEqual(range(readyA.seq + 1, top + 1));
    const got = (s: TestSocket[]) =>
      s.flatMap((x) => x.frames.filter((f) => f.event === "chat.postMessage").map((f) => f.payload.message));
    expect(got([a, a2])).toEqual(posted);
    expect(got([b, b2])).toEqual(posted);
    const history = await api.ok("channel.history", { channel_id: channel.id }, bob.token);
    expect(history.messages.slice(1)).toEqual(posted); // after the bot message
    for (const s of [a2, b2]) s.close();
  });
});
