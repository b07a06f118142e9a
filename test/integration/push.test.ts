import { SELF, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PushTask } from "../../src/push/delivery";
import { channelWs, holdAlarms, post, userWs } from "../helpers/life";
import { BASE, advanceAndRunAlarm, api, channelStub, userStub } from "../helpers/workerd";
import type { TestUser } from "../helpers/api";

/**
 * When a user is pushed (docs/push.md), decided in their user room: only while they have no live
 * connection anywhere, per their preference and mutes, gathered per channel for the coalescing
 * window (PUSH_COALESCE_MS, 5 s, plus up to PUSH_JITTER_MS, 1 s), surviving an eviction. The room's
 * queue sink is replaced by a recorder, so a test sees exactly what would be enqueued.
 */
const WINDOW_MS = 5000;
const JITTER_MS = 1000;

const P256DH = "BEmml2tPrHV12-rGi9Zb0JmxRAK80zWmalDutVwT9T2tgKR8CKAoHkHZ8PtVzdMeYvhSBzP2GBIBiV7JQMKFhIE";
const AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
// Development accepts loopback endpoints; nothing listens on port 9, should anything be sent.
const endpoint = (tag: string) => `http://127.0.0.1:9/push/${tag}`;

async function subscribe(u: TestUser, tag = String(u.user.id)) {
  return (await api.ok("push.subscribe", { endpoint: endpoint(tag), keys: { p256dh: P256DH, auth: AUTH } }, u.token)).subscription;
}

/**
 * Moves the user room's clock a minute ahead (before the user has any connection), so the runtime
 * never fires its alarm during the test, and records what the room would enqueue.
 */
async function recorder(userId: number): Promise<PushTask[]> {
  const stub = userStub(userId);
  await advanceAndRunAlarm(stub, 60_000);
  return install(userId);
}

async function install(userId: number): Promise<PushTask[]> {
  const sent: PushTask[] = [];
  await runInDurableObject(userStub(userId), (room) => {
    (room as unknown as { push: { sink: (t: PushTask[]) => Promise<void> } }).push.sink = async (tasks) => void sent.push(...tasks);
  });
  return sent;
}

const pending = (userId: number) => userStub(userId).pendingPushes();
const online = async (userId: number) => (await userStub(userId).presenceState()).online;

async function until(pred: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out: ${what}`);
}

/** Runs the channel's alarm, which hands members' new unread counts to their user rooms. */
const flushUnread = (channelId: number) => advanceAndRunAlarm(channelStub(channelId), 1100);
/** Runs the user room's alarm past the end of every window opened so far. */
const endWindow = (userId: number) => advanceAndRunAlarm(userStub(userId), WINDOW_MS + JITTER_MS + 1);
const payloads = (sent: PushTask[]) => sent.map((t) => JSON.parse(t.payload));

async function pair(name = "push") {
  const [alice, bob] = [await api.newUser("Alice"), await api.newUser("Bob")];
  const channel = await api.newChannel(alice.token, [bob.user.id], name);
  await holdAlarms(channel.id); // the bot message's unread update is delivered now, before any preference
  return { alice, bob, channel };
}

describe("push decisions in the user room", () => {
  it("an offline user's mention is gathered for the window and enqueued once per device at its end, never before", async () => {
    const { alice, bob, channel } = await pair("launch");
    const [one, two] = [await subscribe(bob, `${bob.user.id}-a`), await subscribe(bob, `${bob.user.id}-b`)];
    const sent = await recorder(bob.user.id);
    const msg = await post(alice.token, channel.id, `@${bob.user.id} look`);
    await until(async () => (await pending(bob.user.id)) === 1, "the mention is pending");
    await advanceAndRunAlarm(userStub(bob.user.id), WINDOW_MS - 1);
    expect(sent).toEqual([]);
    await endWindow(bob.user.id);
    expect(sent.map((t) => [t.subscription_id, t.endpoint, t.urgency, t.topic])).toEqual([
      [one.subscription_id, one.endpoint, "high", `channel-${channel.id}`],
      [two.subscription_id, two.endpoint, "high", `channel-${channel.id}`],
    ]);
    expect(payloads(sent)[0]).toEqual({
      title: "#launch",
      body: `Alice mentioned you: @${bob.user.id} look`,
      channel_id: channel.id,
      message_id: msg.id,
      // the bot message that announced Bob; the mention's own unread update has not reached his room
      // yet (the channel's alarm is held), and the push carries the count as it is when it is sent
      unread_count: 1,
      total_unread_count: 1,
      count: 1,
    });
    expect(await pending(bob.user.id)).toBe(0);
    // The poster's own post never pushes them.
    expect(await pending(alice.user.id)).toBe(0);
  });

  it("presence across sockets and channels: nothing is gathered while any connection lives; a reconnect inside the window cancels the push", async () => {
    const [alice, bob] = [await api.newUser("Alice"), await api.newUser("Bob")];
    const [x, y] = [await api.newChannel(alice.token, [bob.user.id], "x"), await api.newChannel(alice.token, [bob.user.id], "y")];
    await subscribe(bob);
    const sent = await recorder(bob.user.id);
    const inX = await channelWs(x.id, bob.wsToken);
    const inY = await channelWs(y.id, bob.wsToken);
    const stream = await userWs(bob.user.id, bob.wsToken);
    await until(() => online(bob.user.id), "Bob online");

    // Connected in Y only (and the stream): a mention in X is not pushed.
    inX.close();
    await post(alice.token, x.id, `@${bob.user.id} one`);
    stream.close();
    await post(alice.token, x.id, `@${bob.user.id} two`);
    expect(await online(bob.user.id)).toBe(true);
    expect(await pending(bob.user.id)).toBe(0);

    inY.close();
    await until(async () => !(await online(bob.user.id)), "Bob offline");
    await post(alice.token, y.id, `@${bob.user.id} three`);
    await until(async () => (await pending(bob.user.id)) === 1, "pending while offline");
    // Back before the window ends (through a user stream this time): nothing is sent.
    const back = await userWs(bob.user.id, bob.wsToken);
    await until(() => online(bob.user.id), "Bob back");
    await endWindow(bob.user.id);
    expect(sent).toEqual([]);
    expect(await pending(bob.user.id)).toBe(0);
    back.close();
  });

  it("preferences: alerts (default) pushes mentions, quotes and reactions but not plain messages; all pushes every message, coalesced; none pushes nothing", async () => {
    const { alice, bob, channel } = await pair("prefs");
    await subscribe(bob);
    const sent = await recorder(bob.user.id);
    expect((await api.ok("push.settings", {}, bob.token)).settings).toEqual({ mode: "alerts", muted_channel_ids: [] });

    await post(alice.token, channel.id, "just chatting");
    await flushUnread(channel.id);
    expect(await pending(bob.user.id)).toBe(0);
    const mine = await post(bob.token, channel.id, "my message");
    await api.ok("chat.reactmessage", { channel_id: channel.id, message_id: mine.id, emoji_value: "👍" }, alice.token);
    await until(async () => (await pending(bob.user.id)) === 1, "reaction pending");
    await endWindow(bob.user.id);
    expect(payloads(sent)).toEqual([expect.objectContaining({ body: "Alice reacted 👍 to your message: my message", message_id: mine.id, count: 1 })]);
    sent.length = 0;
    const quote = await post(alice.token, channel.id, "agreed", { parent_message_id: mine.id });
    await until(async () => (await pending(bob.user.id)) === 1, "quote pending");
    await endWindow(bob.user.id);
    expect(payloads(sent)).toEqual([expect.objectContaining({ body: "Alice quoted your message: agreed", message_id: quote.id, count: 1 })]);

    sent.length = 0;
    await flushUnread(channel.id); // the quote's unread update, from before this preference
    await api.ok("push.settings.set", { mode: "all" }, bob.token);
    await post(alice.token, channel.id, "first");
    const last = await post(alice.token, channel.id, `second @${bob.user.id}`);
    await flushUnread(channel.id);
    await until(async () => (await pending(bob.user.id)) === 1, "messages pending");
    await endWindow(bob.user.id);
    // Two messages, one of them a mention: counted once each, in one push. Unread: the bot message,
    // "just chatting", the quote and these two (Bob's own message is never unread for him).
    expect(payloads(sent)).toEqual([
      expect.objectContaining({ title: "#prefs", body: "2 new messages in #prefs", message_id: last.id, count: 2, unread_count: 5 }),
    ]);
    expect(sent[0]!.urgency).toBe("high");

    sent.length = 0;
    await api.ok("push.settings.set", { mode: "none" }, bob.token);
    await post(alice.token, channel.id, `@${bob.user.id} anyone?`);
    await flushUnread(channel.id);
    await endWindow(bob.user.id);
    expect(sent).toEqual([]);
    expect(await pending(bob.user.id)).toBe(0);
  });

  it("a muted channel pushes nothing; other channels and an unmuted channel do", async () => {
    const { alice, bob, channel } = await pair("muted");
    const other = await api.newChannel(alice.token, [bob.user.id], "other");
    await subscribe(bob);
    const sent = await recorder(bob.user.id);
    expect((await api.ok("push.settings.set", { channel_id: channel.id, muted: true }, bob.token)).settings).toEqual({
      mode: "alerts",
      muted_channel_ids: [channel.id],
    });
    await post(alice.token, channel.id, `@${bob.user.id} muted`);
    await post(alice.token, other.id, `@${bob.user.id} heard`);
    await until(async () => (await pending(bob.user.id)) === 1, "other pending");
    await endWindow(bob.user.id);
    expect(payloads(sent).map((p) => p.channel_id)).toEqual([other.id]);

    sent.length = 0;
    await api.ok("push.settings.set", { channel_id: channel.id, muted: "false" }, bob.token);
    await post(alice.token, channel.id, `@${bob.user.id} unmuted`);
    await until(async () => (await pending(bob.user.id)) === 1, "unmuted pending");
    await endWindow(bob.user.id);
    expect(payloads(sent).map((p) => p.channel_id)).toEqual([channel.id]);
  });

  it("an eviction between the event and the end of the window loses nothing; with no subscription nothing is gathered", async () => {
    const { alice, bob, channel } = await pair("evicted");
    await subscribe(bob);
    await recorder(bob.user.id);
    await post(alice.token, channel.id, `@${bob.user.id} survive this`);
    await until(async () => (await pending(bob.user.id)) === 1, "pending");
    await evictDurableObject(userStub(bob.user.id));
    const sent = await install(bob.user.id);
    expect(await pending(bob.user.id)).toBe(1);
    // The evicted room's clock is back on real time: the window ends a minute and a window later.
    await advanceAndRunAlarm(userStub(bob.user.id), 60_000 + WINDOW_MS + JITTER_MS + 1);
    expect(payloads(sent)).toEqual([expect.objectContaining({ body: `Alice mentioned you: @${bob.user.id} survive this` })]);

    const carol = await api.newUser("Carol");
    await api.ok("channel.adduser", { channel_id: channel.id, user_id: carol.user.id }, alice.token);
    await post(alice.token, channel.id, `@${carol.user.id} hi`);
    await new Promise((r) => setTimeout(r, 100));
    expect(await pending(carol.user.id)).toBe(0);
  });

  it("leaving a channel drops what was gathered for it", async () => {
    const { alice, bob, channel } = await pair("left");
    await subscribe(bob);
    const sent = await recorder(bob.user.id);
    await post(alice.token, channel.id, `@${bob.user.id} bye`);
    await until(async () => (await pending(bob.user.id)) === 1, "pending");
    await api.ok("channel.leave", { channel_id: channel.id }, bob.token);
    await until(async () => (await pending(bob.user.id)) === 0, "dropped");
    await endWindow(bob.user.id);
    expect(sent).toEqual([]);
  });
});

describe("push routes", () => {
  it("subscribe, list, re-subscribe (keys renewed, no duplicate), unsubscribe by id and by endpoint; 404 for another user's", async () => {
    const [bob, eve] = [await api.newUser("Bob"), await api.newUser("Eve")];
    const a = await subscribe(bob, "a");
    expect(a).toEqual({ subscription_id: expect.any(Number), endpoint: endpoint("a"), created_on_ts: expect.any(Number) });
    const again = await subscribe(bob, "a");
    expect(again.subscription_id).toBe(a.subscription_id);
    const b = await subscribe(bob, "b");
    expect((await api.ok("push.list", {}, bob.token)).subscriptions).toEqual([a, b]);
    const foreign = await api.call("push.unsubscribe", { subscription_id: a.subscription_id }, eve.token);
    expect([foreign.status, foreign.body.meta.code]).toEqual([404, "subscription_not_found"]);
    expect(await api.ok("push.unsubscribe", { subscription_id: a.subscription_id }, bob.token)).toEqual({ meta: { ok: true } });
    await api.ok("push.unsubscribe", { endpoint: endpoint("b") }, bob.token);
    expect((await api.ok("push.list", {}, bob.token)).subscriptions).toEqual([]);
    expect((await api.call("push.list", {})).status).toBe(401);
    expect((await api.ok("push.vapidkey")).vapid_public_key).toMatch(/^B[A-Za-z0-9_-]{86}$/);
  });

  it("bad input gets a clear 4xx and stores nothing", async () => {
    const bob = await api.newUser("Bob");
    const refused = async (params: Record<string, unknown>, status: number, code: string, field: string) => {
      const r = await api.call("push.subscribe", params, bob.token);
      expect([r.status, r.body.meta.code], JSON.stringify(r.body)).toEqual([status, code]);
      const message = field === "meta" ? r.body.meta.error : r.body[field];
      expect(message, JSON.stringify(r.body)).toEqual(expect.any(String));
      return message as string;
    };
    const keys = { p256dh: P256DH, auth: AUTH };
    expect(await refused({ endpoint: "http://push.example.com/x", keys }, 422, "invalid_subscription", "endpoint")).toMatch(/https/);
    await refused({ endpoint: "ftp://push.example.com/x", keys }, 422, "invalid_params", "endpoint");
    await refused({ endpoint: "not a url", keys }, 422, "invalid_params", "endpoint");
    await refused({ endpoint: "https://10.0.0.8/push", keys }, 422, "invalid_subscription", "endpoint");
    // 65 bytes starting 0x04, but not a point on P-256
    const offCurve = Buffer.from([4, ...new Array(64).fill(7)]).toString("base64url");
    expect(await refused({ endpoint: endpoint("k"), keys: { ...keys, p256dh: offCurve } }, 422, "invalid_subscription", "keys")).toMatch(/P-256/);
    await refused({ endpoint: endpoint("k"), keys: { ...keys, p256dh: P256DH.slice(0, 40) } }, 422, "invalid_params", "keys");
    expect(await refused({ endpoint: endpoint("k"), keys: { ...keys, auth: Buffer.alloc(15).toString("base64url") } }, 422, "invalid_params", "keys")).toMatch(/16-byte/);
    await refused({ endpoint: endpoint("k"), keys: { ...keys, auth: "not base64!" } }, 422, "invalid_params", "keys");
    await refused({ endpoint: endpoint("k") }, 422, "invalid_params", "keys");
    expect((await api.ok("push.list", {}, bob.token)).subscriptions).toEqual([]);

    // The maximum (PUSH_MAX_SUBSCRIPTIONS, 10): the 11th is 409; renewing one held is fine.
    for (let i = 0; i < 10; i++) await subscribe(bob, `max-${i}`);
    await refused({ endpoint: endpoint("max-10"), keys }, 409, "too_many_subscriptions", "meta");
    await subscribe(bob, "max-3");
    expect((await api.ok("push.list", {}, bob.token)).subscriptions).toHaveLength(10);

    const setting = async (params: Record<string, unknown>) => api.call("push.settings.set", params, bob.token);
    let r = await setting({ mode: "sometimes" });
    expect([r.status, r.body.mode]).toEqual([422, "must be one of: alerts, all, none"]);
    r = await setting({ channel_id: 11010000 });
    expect([r.status, r.body.meta.code]).toEqual([422, "invalid_params"]);
    r = await setting({});
    expect(r.status).toBe(422);
    const alice = await api.newUser("Alice");
    const theirs = await api.newChannel(alice.token, [], "theirs");
    r = await setting({ channel_id: theirs.id, muted: true });
    expect([r.status, r.body.meta.code]).toEqual([403, "not_a_member"]);
    r = await setting({ channel_id: 99999999, muted: true });
    expect([r.status, r.body.meta.code]).toEqual([404, "channel_not_found"]);
    expect((await api.ok("push.settings", {}, bob.token)).settings).toEqual({ mode: "alerts", muted_channel_ids: [] });
  });

  it("the demo serves its service worker at /sw.js: it shows pushes and opens the channel on click", async () => {
    const res = await SELF.fetch(`${BASE}/sw.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const body = await res.text();
    for (const part of ["showNotification", "notificationclick", "openWindow"]) expect(body).toContain(part);
  });
});
