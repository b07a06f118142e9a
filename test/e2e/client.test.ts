/**
 * The client package (packages/client) against the real local server (`npm start`): connecting,
 * receiving, requests, filters, reconnection with resume, silent drops, token refresh, close.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { DEV_JWT_SECRET, signToken } from "../../src/auth/tokens";
import { RealtimeClient, RequestError, type RtmSocket, type Status } from "../../packages/client/src/index.ts";
import type { ClientOptions, MessageObject, ServerEvent } from "../../packages/client/src/index.ts";
import { flakyWebSocket } from "../helpers/flakySocket";
import { type TestUser } from "../helpers/api";
import { nodeApi } from "../helpers/node";
import { waitFor } from "../helpers/waitFor";
import { sessionOf } from "../helpers/tokens";

const base = inject("baseUrl");
const api = nodeApi(base);
const clients: RealtimeClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function loggedIn(user: TestUser, options: ClientOptions = {}): Promise<RealtimeClient> {
  const client = new RealtimeClient({ baseUrl: base, ...options });
  clients.push(client);
  await client.login(user.email, user.password);
  await client.connect();
  return client;
}

function record(socket: RtmSocket) {
  const events: ServerEvent[] = [];
  const statuses: Status[] = [];
  socket.onAny((e) => events.push(e));
  socket.onStatus((s) => statuses.push(s));
  const messages = () => events.filter((e) => e.event === "chat.postMessage").map((e) => (e.payload as { message: MessageObject }).message);
  return { events, statuses, messages };
}

async function twoUsersAndChannel() {
  const alice = await api.newUser("Alice");
  const bob = await api.newUser("Bob");
  const channel = await api.newChannel(alice.token, [bob.user.id], "client-test");
  return { alice, bob, channel };
}

async function post(user: TestUser, channelId: number, text: string): Promise<number> {
  const body = await api.ok("chat.postmessage", { channel_id: channelId, text }, user.token);
  return body.message.id as number;
}

describe("client: connect, receive, requests", () => {
  it("logs in, opens the user stream and a channel socket on demand, and receives typed events", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const client = await loggedIn(bob);
    expect(client.user).toMatchObject({ id: bob.user.id });
    expect(client.stream.state.state).toBe("connected");

    const created: number[] = [];
    client.stream.on("channel.create", (p) => created.push(p.channel.id));
    const second = await api.newChannel(alice.token, [bob.user.id], "second");
    await waitFor("channel.create on the user stream", () => created.includes(second.id));

    const socket = client.channel(channel.id);
    expect(client.channel(channel.id)).toBe(socket); // one socket per channel
    await socket.ready();
    expect(socket.position.epoch).toMatch(/.+/);
    const got: string[] = [];
    socket.on("chat.postMessage", (p) => got.push(String(p.message.content)));
    await post(alice, channel.id, "hello bob");
    await waitFor("the message", () => got.includes("hello bob"));
  });

  it("resolves a request on its success reply and rejects on its error reply", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const a = await loggedIn(alice);
    const b = await loggedIn(bob);
    const aSock = a.channel(channel.id);
    const bSock = b.channel(channel.id);
    await Promise.all([aSock.ready(), bSock.ready()]);
    const typing: number[] = [];
    aSock.on("chat.userTyping", (p) => typing.push(p.user.id));

    const reply = await bSock.request("ws_ephemeral_typing", { channel_id: channel.id });
    expect(reply).toMatchObject({ type: "success" });
    await waitFor("typing at alice", () => typing.includes(bob.user.id));

    const err = await bSock.request("ws_ephemeral_typing", { channel_id: channel.id + 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toMatchObject({ kind: "error", message: "channel_id is not this socket's channel" });
  });

  it("applies filters, keeps the old ones when the server refuses new ones, and clears them", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const a = await loggedIn(alice);
    const b = await loggedIn(bob);
    const bSock = b.channel(channel.id);
    await Promise.all([a.channel(channel.id).ready(), bSock.ready()]);
    const rec = record(bSock);

    await bSock.setFilters([{ property: "event", value: "chat.userTyping" }]);
    await post(alice, channel.id, "filtered away");
    await a.channel(channel.id).request("ws_ephemeral_typing", { channel_id: channel.id });
    await waitFor("typing through the filter", () => rec.events.some((e) => e.event === "chat.userTyping"));
    expect(rec.messages()).toEqual([]);

    const tooMany = Array.from({ length: 33 }, (_, i) => ({ property: "event", value: `e${i}` }));
    await expect(bSock.setFilters(tooMany)).rejects.toMatchObject({ kind: "error" });
    await post(alice, channel.id, "still filtered");
    await new Promise((r) => setTimeout(r, 300));
    expect(rec.messages()).toEqual([]);

    await bSock.setFilters([]);
    await post(alice, channel.id, "visible again");
    await waitFor("the message after clearing", () => rec.messages().some((m) => m.content === "visible again"));
  });

  it("closes cleanly: status closed, pending waits rejected, no reconnection", async () => {
    const { bob, channel } = await twoUsersAndChannel();
    const client = await loggedIn(bob);
    const socket = client.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    client.close();
    expect(socket.state).toMatchObject({ state: "closed", close: { code: 1000 } });
    await expect(socket.ready(500)).rejects.toBeInstanceOf(RequestError);
    await new Promise((r) => setTimeout(r, 500));
    expect(rec.statuses.map((s) => s.state)).toEqual(["closed"]);
  });

  it("stops retrying once the bearer session is gone (rtm.connect answers 401)", async () => {
    const { bob, channel } = await twoUsersAndChannel();
    const b = await loggedIn(bob, { backoff: { baseMs: 50, maxMs: 100 } });
    const socket = b.channel(channel.id);
    await socket.ready();
    const errors: Error[] = [];
    socket.onError((e) => errors.push(e));
    b.useAccessToken("not-a-valid-bearer-token");
    b.markStale(); // the next attempt must fetch a new ws token with the (now invalid) bearer token
    socket.drop("test");
    await waitFor("closed", () => socket.state.state === "closed" || undefined, 5000);
    expect(socket.state.close).toEqual({ code: 1000, reason: "session expired: log in again" });
    expect(errors[0]).toMatchObject({ name: "ApiCallError", status: 401 });
  });

  it("gives up on a channel it may not join (4003) instead of retrying", async () => {
    const { alice, bob } = await twoUsersAndChannel();
    const private_ = await api.newChannel(alice.token, [], "alice only");
    const client = await loggedIn(bob);
    const socket = client.channel(private_.id);
    await expect(socket.ready(5000)).rejects.toMatchObject({ kind: "disconnected" });
    expect(socket.state).toMatchObject({ state: "closed", close: { code: 4003 } });
  });
});

describe("client: drops, resume, token refresh", () => {
  it("reconnects after the socket is dropped and resumes with nothing lost or repeated", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    // Pinned jitter: the first retry waits ~1.5 s, long enough to post into the gap.
    const b = await loggedIn(bob, { backoff: { baseMs: 1500, maxMs: 5000 }, random: () => 0.999 });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    const before = [await post(alice, channel.id, "m1"), await post(alice, channel.id, "m2")];
    await waitFor("m1, m2 live", () => rec.messages().length === 2);
    const firstConnection = socket.connectionId;

    socket.drop("test drops the connection");
    expect(socket.state.state).toBe("reconnecting");
    const gap = [await post(alice, channel.id, "m3"), await post(alice, channel.id, "m4"), await post(alice, channel.id, "m5")];
    const resumed = await waitFor("resumed", () => rec.statuses.find((s) => s.state === "resumed"), 15_000);
    expect(resumed).toMatchObject({ recovered: true, replayed: 3 });
    const after = await post(alice, channel.id, "m6");
    await waitFor("m6 live", () => rec.messages().some((m) => m.id === after));

    expect(rec.messages().map((m) => m.id)).toEqual([...before, ...gap, after]);
    expect(socket.connectionId).not.toBe(firstConnection);
    const seqs = rec.events.filter((e) => e.meta?.seq !== undefined).map((e) => e.meta.seq!);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(socket.position.seq).toBe(seqs[seqs.length - 1]);
  });

  it("re-applies its filters after a reconnection, before the replay", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const b = await loggedIn(bob, { backoff: { baseMs: 1500, maxMs: 5000 }, random: () => 0.999 });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    await socket.setFilters([{ property: "payload.message.user_id", value: alice.user.id }]);

    socket.drop("test");
    const fromAlice = await post(alice, channel.id, "alice in the gap");
    await post(bob, channel.id, "bob in the gap (filtered out)");
    const resumed = await waitFor("resumed", () => rec.statuses.find((s) => s.state === "resumed"), 15_000);
    expect(resumed).toMatchObject({ recovered: true, replayed: 1 });
    await post(bob, channel.id, "bob live (filtered out)");
    const live = await post(alice, channel.id, "alice live");
    await waitFor("alice live", () => rec.messages().some((m) => m.id === live));
    expect(rec.messages().map((m) => m.id)).toEqual([fromAlice, live]);
  });

  it("detects a silent drop (no frame for two ping periods) and recovers what was sent meanwhile", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const flaky = flakyWebSocket();
    const b = await loggedIn(bob, { WebSocket: flaky.WebSocket, pingIntervalMs: 300, backoff: { baseMs: 100, maxMs: 500 } });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    // Healthy but idle: pongs keep it alive through several ping periods.
    await new Promise((r) => setTimeout(r, 1200));
    expect(rec.statuses).toEqual([]);

    flaky.silenceAll();
    const silencedAt = Date.now();
    const lost = await post(alice, channel.id, "sent into the void");
    const drop = await waitFor("reconnecting", () => rec.statuses.find((s) => s.state === "reconnecting"), 5000);
    const detectedAfter = Date.now() - silencedAt;
    expect(drop.lastDrop?.reason).toBe("no frame for two ping periods");
    // The last pong came at most one period before the silence began; the drop is declared more
    // than two periods after it (checked every half period): 300–750 ms after silencing here.
    expect(detectedAfter).toBeGreaterThanOrEqual(300);
    expect(detectedAfter).toBeLessThan(2000);
    await waitFor("resumed", () => rec.statuses.find((s) => s.state === "resumed" && s.recovered), 10_000);
    expect(rec.messages().map((m) => m.id)).toEqual([lost]);
  });

  it("reloads from channel.history when the resume cannot recover (another epoch)", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const b = await loggedIn(bob, { backoff: { baseMs: 800, maxMs: 2000 }, random: () => 0.999 });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    const known = await post(alice, channel.id, "known");
    await waitFor("known", () => rec.messages().length === 1);
    const resyncs: MessageObject[][] = [];
    socket.onResync((r) => resyncs.push(r.messages));

    // As if the room's storage had been recreated: the remembered epoch no longer matches.
    (socket as unknown as { resume: { epoch: string } }).resume.epoch = "epoch-of-a-lost-room";
    socket.drop("test");
    const missed = [await post(alice, channel.id, "missed 1"), await post(alice, channel.id, "missed 2")];
    await waitFor("resumed, not recovered", () => rec.statuses.find((s) => s.state === "resumed" && s.recovered === false), 10_000);
    await waitFor("resync", () => resyncs.length === 1);
    expect(resyncs[0]!.map((m) => m.id)).toEqual(missed);
    expect(known).toBeLessThan(missed[0]!);
    expect(socket.position.lastMessageId).toBe(missed[1]);
    // The socket is live again on the room's real epoch.
    const next = await post(alice, channel.id, "live again");
    await waitFor("live again", () => rec.messages().some((m) => m.id === next));
  });

  it("more than RESUME_MAX_EVENTS behind: recovered:false, no replayed burst, the newest page as an incomplete resync", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    const b = await loggedIn(bob, { backoff: { baseMs: 60_000, maxMs: 60_000 }, random: () => 0.999 });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    const resyncs: { messages: MessageObject[]; complete: boolean }[] = [];
    socket.onResync((r) => resyncs.push(r));
    await post(alice, channel.id, "known");
    await waitFor("known", () => rec.messages().length === 1);

    socket.drop("test");
    const missed: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 1_100; i += 50) {
      missed.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => post(alice, channel.id, `missed ${i + j}`)))));
    }
    missed.sort((x, y) => x - y);
    // the posts must all land before the socket's reconnection (its backoff is 60 s)
    expect(Date.now() - started).toBeLessThan(55_000);
    expect(rec.statuses.some((s) => s.state === "resumed")).toBe(false);
    const resumed = await waitFor("resumed", () => rec.statuses.find((s) => s.state === "resumed"), 70_000);
    expect(resumed).toMatchObject({ recovered: false, replayed: 0 });
    await waitFor("resync", () => resyncs.length === 1, 10_000);
    expect(rec.messages()).toHaveLength(1); // none of the 1,100 arrived as replayed events
    expect(resyncs[0]!.complete).toBe(false);
    expect(resyncs[0]!.messages.map((m) => m.id)).toEqual(missed.slice(-200));
    expect(socket.position.lastMessageId).toBe(missed[missed.length - 1]);
  }, 150_000);

  it("refreshes the ws token before it expires, on the live connection (no reconnect)", async () => {
    const { bob, channel } = await twoUsersAndChannel();
    // A margin of (1 h − 2 s) makes a fresh 1-hour token "due" two seconds after it is issued.
    const b = await loggedIn(bob, { refreshMarginMs: 3_600_000 - 2_000 });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    const first = b.current();
    const connection = socket.connectionId;
    await waitFor("a new token", () => b.current() !== first, 6000);
    await waitFor("rtm.ready for the re-auth", () => rec.events.some((e) => e.event === "rtm.ready"), 3000);
    expect(socket.connectionId).toBe(connection);
    expect(rec.statuses).toEqual([]);
  });

  it("on close 4009 (token expired) fetches a new token with rtm.connect and resumes", async () => {
    const { alice, bob, channel } = await twoUsersAndChannel();
    // Refresh only well after expiry, so the server's 4009 comes first.
    const b = await loggedIn(bob, { refreshMarginMs: -60_000, backoff: { baseMs: 200, maxMs: 1000 } });
    const socket = b.channel(channel.id);
    await socket.ready();
    const rec = record(socket);
    // A genuine ws token (development secret) that expires in 2 s, installed on the live sockets.
    const short = await signToken(
      { typ: "rtm", user_id: bob.user.id, sid: sessionOf(bob.token), user_name: "Bob", client_ip: "", user_agent: "", finger_print: "" },
      2,
      new TextEncoder().encode(DEV_JWT_SECRET),
    );
    b.useWsToken(short);
    await waitFor("re-auth accepted", () => rec.events.some((e) => e.event === "rtm.ready"), 3000);

    const drop = await waitFor("reconnecting", () => rec.statuses.find((s) => s.state === "reconnecting"), 8000);
    expect(drop.lastDrop).toEqual({ code: 4009, reason: "token expired" });
    const sent = await post(alice, channel.id, "after expiry");
    await waitFor("resumed", () => rec.statuses.find((s) => s.state === "resumed" && s.recovered), 10_000);
    expect(b.current()).not.toBe(short);
    await waitFor("the message", () => rec.messages().some((m) => m.id === sent));
    expect(rec.messages().filter((m) => m.id === sent)).toHaveLength(1);
  });
});
