import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, freePort, startServer } from "../helpers/server";
import { connect, nodeApi, wsUrl } from "../helpers/node";
import type { Api } from "../helpers/api";
import { WebhookReceiver, verify } from "../helpers/webhookReceiver";

const OPERATOR = "e2e-operator-token";
/** SERVER_KEY_CACHE_MS's default: the documented bound on a revocation reaching every isolate. */
const REVOCATION_BOUND_MS = 5000;

let server: RunningServer;
let api: Api;
let receiver: WebhookReceiver;

/**
 * The server API and webhooks against `npm start` (a server of its own: it needs the operator
 * token, a one-second retry base and a short pause threshold), with a real HTTP receiver.
 */
beforeAll(async () => {
  const port = await freePort();
  server = await startServer(
    port,
    120_000,
    [
      "--var", `OPERATOR_TOKEN:${OPERATOR}`,
      "--var", "WEBHOOK_RETRY_BASE_SECONDS:1",
      "--var", "WEBHOOK_PAUSE_AFTER_FAILURES:3",
      "--var", "WEBHOOK_CACHE_MS:500",
    ],
    undefined,
    mkdtempSync(join(tmpdir(), "edge-realtime-webhooks-")),
  );
  api = nodeApi(server.base);
  receiver = await WebhookReceiver.start();
}, 150_000);

afterAll(async () => {
  await receiver?.stop();
  await server?.stop();
});

const op = (method: string, params: Record<string, unknown> = {}) => api.ok(method, params, OPERATOR);

async function endpoint(channelId: number, events = ["chat.postMessage"]): Promise<{ id: number; secret: string }> {
  const body = await op("server.webhooks.create", { url: receiver.url, events, channel_ids: [channelId] });
  // Rooms read the subscriptions at most once per WEBHOOK_CACHE_MS (500 ms here).
  await new Promise((r) => setTimeout(r, 700));
  return { id: body.webhook.webhook_id, secret: body.secret };
}

const forChannel = (channelId: number) => receiver.received.filter((d) => d.body.channel_id === channelId);

describe("webhooks against `npm start`", () => {
  it("a delivery carries the websocket event's payload, its seq and a Standard Webhooks signature that verifies", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "signed");
    const hook = await endpoint(channel.id);
    const ws = await connect(wsUrl(server.base, `/rtm/ws/channel/${channel.id}`));
    await ws.auth(alice.wsToken);

    await api.ok("chat.postmessage", { channel_id: channel.id, text: "hello hooks" }, alice.token);
    const live = await ws.event("chat.postMessage");
    const [d] = await receiver.waitFor(() => forChannel(channel.id).length >= 1).then(() => forChannel(channel.id));
    expect(verify(hook.secret, d!)).toBe(true);
    expect(d!.body).toEqual({
      id: `evt_${channel.id}_${live.meta.seq}`,
      event: "chat.postMessage",
      channel_id: channel.id,
      seq: live.meta.seq,
      time: live.meta.time,
      payload: live.payload,
    });
    expect(d!.id).toBe(d!.body.id);
    // tampering with the body, the id or the secret breaks it; so does an old timestamp
    expect(verify(hook.secret, { ...d!, raw: d!.raw.replace("hello", "HELLO") })).toBe(false);
    expect(verify(hook.secret, { ...d!, id: "evt_other" })).toBe(false);
    expect(verify("whsec_" + Buffer.from("wrong key 123456789012").toString("base64"), d!)).toBe(false);
    expect(verify(hook.secret, d!, d!.timestamp + 301)).toBe(false);
    ws.close();
  });

  it("a receiver answering 500, 500, then 200 gets the same delivery again after each backoff", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "retry");
    await endpoint(channel.id);
    const previous = receiver.respond;
    receiver.respond = (d, attempt) => (d.body.channel_id === channel.id && attempt <= 2 ? 500 : 200);
    try {
      await api.ok("chat.postmessage", { channel_id: channel.id, text: "try again" }, alice.token);
      const attempts = await receiver.waitFor(() => forChannel(channel.id).length >= 3, 30_000).then(() => forChannel(channel.id));
      expect(attempts.map((a) => a.id)).toEqual([attempts[0]!.id, attempts[0]!.id, attempts[0]!.id]);
      expect(new Set(attempts.map((a) => a.raw)).size).toBe(1);
      // exponential backoff with a 1 s base: ≥ 1 s, then ≥ 2 s
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(1900);
      // delivered: no fourth attempt
      await new Promise((r) => setTimeout(r, 3000));
      expect(forChannel(channel.id)).toHaveLength(3);
      const list = await op("server.webhooks.list");
      expect(list.webhooks.find((w: any) => w.channel_ids?.includes(channel.id))).toMatchObject({ failures: 0, paused: false });
    } finally {
      receiver.respond = previous;
    }
  });

  it("events reach the receiver in seq order per channel", async () => {
    const alice = await api.newUser("Alice");
    const channels = [await api.newChannel(alice.token, [], "order-a"), await api.newChannel(alice.token, [], "order-b")];
    for (const ch of channels) await endpoint(ch.id);
    const N = 15;
    await Promise.all(
      channels.flatMap((ch) => Array.from({ length: N }, (_, i) => api.ok("chat.postmessage", { channel_id: ch.id, text: `m${i}` }, alice.token))),
    );
    for (const ch of channels) {
      await receiver.waitFor(() => forChannel(ch.id).length >= N, 20_000);
      const seqs = forChannel(ch.id).map((d) => d.body.seq);
      expect(seqs).toEqual(Array.from({ length: N }, (_, i) => seqs[0] + i));
    }
  });

  it("after an outage paused the endpoint, a replay from the last seq received fills the gap exactly", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "outage");
    const hook = await endpoint(channel.id);
    const post = (text: string) => api.ok("chat.postmessage", { channel_id: channel.id, text }, alice.token);
    await post("before 1");
    await post("before 2");
    await receiver.waitFor(() => forChannel(channel.id).length >= 2);
    const lastSeen = Math.max(...forChannel(channel.id).map((d) => d.body.seq));

    // the receiver is down: attempts fail until the endpoint is paused (3 in a row here); the
    // failed deliveries are dropped, not retried forever
    const previous = receiver.respond;
    receiver.respond = (d) => (d.body.channel_id === channel.id ? 503 : 200);
    const missed = [await post("during 1"), await post("during 2"), await post("during 3")].map((b) => b.message.id);
    const deadline = Date.now() + 30_000;
    while (!(await op("server.webhooks.list")).webhooks.find((w: any) => w.webhook_id === hook.id).paused) {
      if (Date.now() > deadline) throw new Error("endpoint never paused");
      await new Promise((r) => setTimeout(r, 250));
    }
    receiver.respond = previous;
    await op("server.webhooks.enable", { webhook_id: hook.id });
    await new Promise((r) => setTimeout(r, 700));
    await post("after");
    await receiver.waitFor(() => forChannel(channel.id).some((d) => d.body.payload.message.content === "after"));
    const before = receiver.received.length;

    const replay = await op("server.webhooks.replay", { webhook_id: hook.id, channel_id: channel.id, since_seq: lastSeen, limit: 3 });
    expect(replay).toMatchObject({ enqueued: 3, last_seq: lastSeen + 3, has_more: true });
    await receiver.waitFor((all) => all.length >= before + 3);
    await new Promise((r) => setTimeout(r, 1500));
    const replayed = receiver.received.slice(before).filter((d) => d.body.channel_id === channel.id);
    expect(replayed.map((d) => d.body.seq)).toEqual([lastSeen + 1, lastSeen + 2, lastSeen + 3]);
    expect(replayed.map((d) => d.body.payload.message.id)).toEqual(missed);
    expect(replayed.map((d) => d.id)).toEqual(replayed.map((d) => `evt_${channel.id}_${d.body.seq}`));
    // now the receiver holds every seq once, counting each id once
    const ids = new Set(forChannel(channel.id).filter((d) => d.body.seq > lastSeen - 2).map((d) => d.id));
    expect([...ids].map((id) => Number(id.split("_")[2])).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6].map((i) => lastSeen - 2 + i));
  });
});

describe("webhooks for events without seq", () => {
  it("channel.create, user_added.channel and user.online reach an endpoint that follows every channel", async () => {
    const own = await WebhookReceiver.start();
    const { webhook, secret } = await op("server.webhooks.create", { url: own.url, events: ["channel.create", "user_added.channel", "user.online"] });
    try {
      await new Promise((r) => setTimeout(r, 700));
      const alice = await api.newUser("Alice");
      const bob = await api.newUser("Bob");
      const key = (await op("server.keys.create", { name: "crm", scopes: ["members"] })).secret;
      const { channel } = await api.ok("server.channel.create", { channel_name: "crm", owner_id: alice.user.id }, key);
      const ws = await connect(wsUrl(server.base, `/rtm/ws/channel/${channel.id}`));
      await ws.auth(alice.wsToken);
      await api.ok("server.channel.adduser", { channel_id: channel.id, user_id: bob.user.id }, key);
      const added = await ws.event("user_added.channel");
      await own.waitFor((all) => ["channel.create", "user_added.channel", "user.online"].every((e) => all.some((d) => d.body.event === e && d.body.channel_id === channel.id)));
      const mine = own.received.filter((d) => d.body.channel_id === channel.id);
      for (const d of mine) expect(verify(secret, d)).toBe(true);
      const created = mine.find((d) => d.body.event === "channel.create")!;
      expect(created.body).not.toHaveProperty("seq");
      expect(created.body.payload.channel).toMatchObject({ id: channel.id, channel_name: "crm", created_by: alice.user.id });
      const addedHook = mine.find((d) => d.body.event === "user_added.channel")!;
      expect(addedHook.body).toMatchObject({ id: `evt_${channel.id}_${added.meta.seq}`, seq: added.meta.seq, payload: added.payload });
      expect(mine.find((d) => d.body.event === "user.online")!.body.payload).toMatchObject({ channel_id: channel.id, user: { id: alice.user.id } });
      ws.close();
    } finally {
      await op("server.webhooks.remove", { webhook_id: webhook.webhook_id });
      await own.stop();
    }
  });
});

describe("server API keys against `npm start`", () => {
  it("a bot post through the API reaches the channel's sockets as a normal bot message", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "bots");
    const { secret } = await op("server.keys.create", { name: "deploy-bot", scopes: ["publish"] });
    const ws = await connect(wsUrl(server.base, `/rtm/ws/channel/${channel.id}`));
    await ws.auth(alice.wsToken);

    const posted = await api.ok("server.chat.postmessage", { channel_id: channel.id, text: "build 42 is green" }, secret);
    const frame = await ws.event("chat.postMessage");
    expect(frame.meta.seq).toBeGreaterThan(0);
    expect(frame.payload.message).toEqual(posted.message);
    expect(frame.payload.message).toMatchObject({
      user_id: 91000001,
      channel_id: channel.id,
      display_name: "deploy-bot",
      message_type: 5,
      content: { type: 3, bot_message: "build 42 is green" },
      is_edited: false,
      parent_message: [],
      emoticons: [],
      attachments: [],
    });
    const history = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(history.messages.at(-1)).toEqual(posted.message);
    ws.close();
  });

  it(`a revoked key gets 401 within ${REVOCATION_BOUND_MS} ms`, async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "revoke");
    const { key, secret } = await op("server.keys.create", { name: "short-lived", scopes: ["read"] });
    expect((await api.call("server.channel.info", { channel_id: channel.id }, secret)).status).toBe(200);
    await op("server.keys.revoke", { key_id: key.key_id });
    const revokedAt = Date.now();
    let r = await api.call("server.channel.info", { channel_id: channel.id }, secret);
    while (r.status === 200 && Date.now() - revokedAt < REVOCATION_BOUND_MS + 1000) {
      await new Promise((res) => setTimeout(res, 100));
      r = await api.call("server.channel.info", { channel_id: channel.id }, secret);
    }
    expect(r.status).toBe(401);
    expect(r.body.meta).toMatchObject({ ok: false, code: "invalid_key" });
    expect(Date.now() - revokedAt).toBeLessThan(REVOCATION_BOUND_MS);
    const listed = await op("server.keys.list");
    expect(listed.keys.find((k: any) => k.key_id === key.key_id)).toMatchObject({ revoked: true, name: "short-lived" });
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it("a key without moderate gets 403 on disconnect; one with it closes every socket of the user with 4010", async () => {
    const alice = await api.newUser("Alice");
    const channel = await api.newChannel(alice.token, [], "moderation");
    const channelWs = await connect(wsUrl(server.base, `/rtm/ws/channel/${channel.id}`));
    await channelWs.auth(alice.wsToken);
    const stream = await connect(alice.wsEndpoint);
    await stream.auth(alice.wsToken);

    const weak = await op("server.keys.create", { name: "reader", scopes: ["read", "publish", "members"] });
    const refused = await api.call("server.user.disconnect", { user_id: alice.user.id }, weak.secret);
    expect(refused.status).toBe(403);
    expect(refused.body.meta).toMatchObject({ ok: false, code: "missing_scope" });
    await new Promise((r) => setTimeout(r, 300));
    expect(channelWs.closed).toBeNull();
    expect(stream.closed).toBeNull();

    const mod = await op("server.keys.create", { name: "moderator", scopes: ["moderate"] });
    const done = await api.ok("server.user.disconnect", { user_id: alice.user.id }, mod.secret);
    expect(done.closed).toBe(2);
    expect(await channelWs.waitClose()).toEqual({ code: 4010, reason: "disconnected by the server" });
    expect(await stream.waitClose()).toEqual({ code: 4010, reason: "disconnected by the server" });
  });
});
