import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Api, TestUser } from "../helpers/api";
import { connect, nodeApi, wsUrl } from "../helpers/node";
import { BrowserKeys, PushReceiver, type PushRequest, verifyVapid } from "../helpers/pushReceiver";
import { type RunningServer, freePort, startServer } from "../helpers/server";

/** Short windows so the test waits seconds, not minutes (the defaults are 5 s and 1 s). */
const COALESCE_MS = 1500;
const JITTER_MS = 200;
/** Window, jitter, the queue's batch timeout (1 s) and some slack: a push that is coming has come. */
const SETTLE_MS = COALESCE_MS + JITTER_MS + 1000 + 2500;

let server: RunningServer;
let api: Api;
let receiver: PushReceiver;
let vapidKey: string;

beforeAll(async () => {
  server = await startServer(
    await freePort(),
    120_000,
    ["--var", `PUSH_COALESCE_MS:${COALESCE_MS}`, "--var", `PUSH_JITTER_MS:${JITTER_MS}`, "--var", "PUSH_RETRY_BASE_SECONDS:1"],
    undefined,
    mkdtempSync(join(tmpdir(), "edge-realtime-push-")),
  );
  api = nodeApi(server.base);
  receiver = await PushReceiver.start();
  vapidKey = (await api.ok("push.vapidkey")).vapid_public_key;
}, 150_000);

afterAll(async () => {
  await receiver?.stop();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A user whose browser subscribed to pushes at `<receiver>/push/<user id>`. */
async function subscribed(name: string): Promise<TestUser & { keys: BrowserKeys; path: string }> {
  const u = await api.newUser(name);
  const keys = new BrowserKeys();
  const path = `/push/${u.user.id}`;
  await api.ok("push.subscribe", keys.subscription(receiver.origin + path), u.token);
  return { ...u, keys, path };
}

function decrypt(u: { keys: BrowserKeys }, r: PushRequest): Record<string, any> {
  return JSON.parse(u.keys.decrypt(r.body));
}

async function userStream(u: TestUser) {
  const s = await connect(wsUrl(server.base, `/rtm/ws/user/${u.user.id}`));
  await s.auth(u.wsToken);
  return s;
}

describe("Web Push against `npm start` with a local push service", () => {
  it("an offline user gets exactly one push for a mention: it decrypts (RFC 8291) and its VAPID JWT verifies against the published key", async () => {
    const alice = await subscribed("Alice");
    const bob = await subscribed("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "launch");
    const sentAt = Date.now();
    const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: `ship it @${bob.user.id}?` }, alice.token);

    await receiver.waitFor(() => receiver.to(bob.path).length >= 1, 15_000, "Bob's push");
    const [push] = receiver.to(bob.path);
    expect(push!.at - sentAt).toBeGreaterThanOrEqual(COALESCE_MS - 100);
    expect(push!.headers).toMatchObject({ "content-encoding": "aes128gcm", ttl: "86400", urgency: "high", topic: `channel-${channel.id}` });
    expect(decrypt(bob, push!)).toEqual({
      title: "#launch",
      body: `Alice mentioned you: ship it @${bob.user.id}?`,
      channel_id: channel.id,
      message_id: message.id,
      // unread: the bot message that announced Bob's joining, and the mention
      unread_count: 2,
      total_unread_count: 2,
      count: 1,
    });
    const claims = verifyVapid(push!.headers.authorization!, vapidKey);
    expect(claims.aud).toBe(receiver.origin);
    expect(claims.sub).toMatch(/^mailto:/);
    const now = Date.now() / 1000;
    expect(claims.exp).toBeGreaterThan(now);
    expect(claims.exp).toBeLessThanOrEqual(now + 24 * 3600);

    await sleep(SETTLE_MS);
    expect(receiver.to(bob.path)).toHaveLength(1);
    // Alice is offline too, but her own post is never pushed to her.
    expect(receiver.to(alice.path)).toHaveLength(0);
  });

  it("a user with a live connection gets no push", async () => {
    const alice = await api.newUser("Alice");
    const bob = await subscribed("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "online");
    const stream = await userStream(bob);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: `@${bob.user.id} are you there?` }, alice.token);
    await stream.event("alert.notification");
    await sleep(SETTLE_MS);
    expect(receiver.to(bob.path)).toHaveLength(0);
    stream.close();
  });

  it("a user who reconnects within the coalescing window gets no push", async () => {
    const alice = await api.newUser("Alice");
    const bob = await subscribed("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "back");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: `@${bob.user.id} ping` }, alice.token);
    const socket = await connect(wsUrl(server.base, `/rtm/ws/channel/${channel.id}`));
    await socket.auth(bob.wsToken);
    await sleep(SETTLE_MS);
    expect(receiver.to(bob.path)).toHaveLength(0);
    socket.close();
  });

  it("five posts make one coalesced push under the `all` preference, carrying the unread count", async () => {
    const alice = await api.newUser("Alice");
    const bob = await subscribed("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id], "busy");
    // The bot message announcing Bob is unread for him; its unread update (within UNREAD_COALESCE_MS)
    // arrives while he is still on `alerts`, so it is not pushed, but it is counted.
    await sleep(1500);
    expect((await api.ok("push.settings.set", { mode: "all" }, bob.token)).settings).toEqual({ mode: "all", muted_channel_ids: [] });
    let last = 0;
    for (let i = 1; i <= 5; i++) last = (await api.ok("chat.postmessage", { channel_id: channel.id, text: `update ${i}` }, alice.token)).message.id;

    await receiver.waitFor(() => receiver.to(bob.path).length >= 1, 15_000, "Bob's push");
    await sleep(SETTLE_MS);
    const pushes = receiver.to(bob.path);
    expect(pushes).toHaveLength(1);
    expect(decrypt(bob, pushes[0]!)).toEqual({
      title: "#busy",
      body: "5 new messages in #busy",
      channel_id: channel.id,
      message_id: last,
      unread_count: 6,
      total_unread_count: 6,
      count: 5,
    });
    expect(pushes[0]!.headers.urgency).toBe("normal");
  });

  it("a 410 from the push service removes the subscription", async () => {
    const alice = await api.newUser("Alice");
    const bob = await subscribed("Bob");
    const respond = receiver.respond;
    receiver.respond = (r, n) => (r.path === bob.path ? 410 : respond(r, n));
    const channel = await api.newChannel(alice.token, [bob.user.id], "gone");
    expect((await api.ok("push.list", {}, bob.token)).subscriptions).toHaveLength(1);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: `@${bob.user.id} hello?` }, alice.token);
    await receiver.waitFor(() => receiver.to(bob.path).length >= 1, 15_000, "Bob's push");
    const deadline = Date.now() + 5000;
    let subs: unknown[] = [1];
    while (subs.length && Date.now() < deadline) {
      subs = (await api.ok("push.list", {}, bob.token)).subscriptions;
      if (subs.length) await sleep(100);
    }
    expect(subs).toEqual([]);
    await sleep(2500);
    expect(receiver.to(bob.path)).toHaveLength(1); // a 410 is not retried
    receiver.respond = respond;
  });

  it("a 500 is retried after the backoff and delivered once", async () => {
    const alice = await api.newUser("Alice");
    const bob = await subscribed("Bob");
    const respond = receiver.respond;
    receiver.respond = (r, n) => (r.path === bob.path ? (n === 1 ? 500 : 201) : respond(r, n));
    const channel = await api.newChannel(alice.token, [bob.user.id], "flaky");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: `@${bob.user.id} again` }, alice.token);
    await receiver.waitFor(() => receiver.to(bob.path).length >= 2, 20_000, "the retry");
    await sleep(SETTLE_MS);
    const attempts = receiver.to(bob.path);
    expect(attempts.map((r) => r.status)).toEqual([500, 201]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900); // PUSH_RETRY_BASE_SECONDS=1
    expect(decrypt(bob, attempts[1]!)).toMatchObject({ body: `Alice mentioned you: @${bob.user.id} again`, channel_id: channel.id, count: 1 });
    expect((await api.ok("push.list", {}, bob.token)).subscriptions).toHaveLength(1);
    receiver.respond = respond;
  });
});
