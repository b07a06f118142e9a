import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { type WebhookTask, retryDelaySeconds } from "../../src/webhooks/delivery";
import { subscribes } from "../../src/webhooks/endpoints";
import type { Env } from "../../src/env";
import { WebhookOutbox, enqueue, forgetSubscriptions, tasksFor } from "../../src/webhooks/outbox";
import { sign } from "../../src/webhooks/signature";
import { checkTarget } from "../../src/webhooks/targets";

describe("webhook signatures (Standard Webhooks)", () => {
  it("match the specification's published example", async () => {
    // From the Standard Webhooks specification's test vectors.
    const signature = await sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("change with the id, the timestamp and the body", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const base = await sign(secret, "evt_1_1", 1, "{}");
    expect(await sign(secret, "evt_1_2", 1, "{}")).not.toBe(base);
    expect(await sign(secret, "evt_1_1", 2, "{}")).not.toBe(base);
    expect(await sign(secret, "evt_1_1", 1, "{ }")).not.toBe(base);
  });
});

describe("webhook targets", () => {
  const table: { url: string; env: string; ok: boolean; why: string }[] = [
    { url: "https://hooks.example.com/in", env: "production", ok: true, why: "a public https URL" },
    { url: "http://hooks.example.com/in", env: "production", ok: false, why: "http in production" },
    { url: "http://hooks.example.com/in", env: "development", ok: false, why: "http to a public host, even in development" },
    { url: "http://127.0.0.1:9000/hook", env: "development", ok: true, why: "loopback http in development" },
    { url: "http://localhost:9000/hook", env: "development", ok: true, why: "localhost in development" },
    { url: "http://[::1]:9000/hook", env: "development", ok: true, why: "IPv6 loopback in development" },
    { url: "http://127.0.0.1:9000/hook", env: "production", ok: false, why: "loopback in production" },
    { url: "https://127.0.0.1/hook", env: "production", ok: false, why: "https to loopback in production" },
    { url: "https://10.1.2.3/hook", env: "production", ok: false, why: "10/8" },
    { url: "https://172.20.0.1/hook", env: "production", ok: false, why: "172.16/12" },
    { url: "https://192.168.1.10/hook", env: "production", ok: false, why: "192.168/16" },
    { url: "https://169.254.169.254/latest", env: "production", ok: false, why: "link-local (cloud metadata)" },
    { url: "https://100.64.0.1/", env: "production", ok: false, why: "carrier-grade NAT" },
    { url: "https://0.0.0.0/", env: "production", ok: false, why: "unspecified address" },
    { url: "https://[fd00::1]/", env: "production", ok: false, why: "IPv6 unique-local" },
    { url: "https://[fe80::1]/", env: "production", ok: false, why: "IPv6 link-local" },
    { url: "https://[::ffff:10.0.0.1]/", env: "production", ok: false, why: "IPv4-mapped IPv6" },
    { url: "https://2130706433/", env: "production", ok: false, why: "127.0.0.1 spelled as one number" },
    { url: "https://0x7f000001/", env: "production", ok: false, why: "127.0.0.1 in hex" },
    { url: "https://db.internal/", env: "production", ok: false, why: "an internal name" },
    { url: "https://printer.local/", env: "production", ok: false, why: "an mDNS name" },
    { url: "https://user:pw@hooks.example.com/", env: "production", ok: false, why: "credentials in the URL" },
    { url: "ftp://hooks.example.com/", env: "production", ok: false, why: "not http(s)" },
    { url: "hooks.example.com/in", env: "production", ok: false, why: "not absolute" },
    { url: "https://172.32.0.1/", env: "production", ok: true, why: "just outside 172.16/12" },
  ];
  for (const row of table) {
    it(`${row.why}: ${row.url} (${row.env}) → ${row.ok ? "accepted" : "refused"}`, () => {
      expect(checkTarget(row.url, row.env).ok).toBe(row.ok);
    });
  }
});

describe("webhook retries", () => {
  const config = loadConfig({ WEBHOOK_RETRY_BASE_SECONDS: "10", WEBHOOK_RETRY_MAX_SECONDS: "3600" });
  const table = [
    { attempts: 1, expected: 10, why: "first failure: the base" },
    { attempts: 2, expected: 20, why: "doubles" },
    { attempts: 5, expected: 160, why: "keeps doubling" },
    { attempts: 12, expected: 3600, why: "capped" },
    { attempts: 100, expected: 3600, why: "capped, no overflow" },
  ];
  for (const row of table) it(`${row.why}: attempt ${row.attempts} → ${row.expected} s`, () => expect(retryDelaySeconds(row.attempts, config)).toBe(row.expected));
});

describe("webhook fan-out", () => {
  const subs = [
    { id: 1, events: new Set(["chat.postMessage"]), channels: null },
    { id: 2, events: new Set(["chat.postMessage", "channel.remove"]), channels: new Set([11010001]) },
    { id: 3, events: new Set(["user.online"]), channels: null },
  ];

  it("picks the endpoints subscribed to the event and the channel", () => {
    expect(subscribes(subs[1]!, "chat.postMessage", 11010002)).toBe(false);
    expect(subscribes(subs[1]!, "chat.postMessage", null)).toBe(false);
    const e = { event: "chat.postMessage", channel_id: 11010001, seq: 7, time: 1000, payload: { message: { id: 1 } } };
    expect(tasksFor(subs, e).map((t) => t.endpoint)).toEqual([1, 2]);
    expect(tasksFor(subs, { ...e, channel_id: 11010009 }).map((t) => t.endpoint)).toEqual([1]);
    expect(tasksFor(subs, { ...e, event: "chat.userTyping" })).toEqual([]);
  });

  it("names a durable event by channel and seq, the same for every endpoint, and keeps the payload as it is", () => {
    const e = { event: "chat.postMessage", channel_id: 11010001, seq: 7, time: 1000, payload: { message: { id: 1 } } };
    const tasks = tasksFor(subs, e);
    expect(tasks.map((t) => t.id)).toEqual(["evt_11010001_7", "evt_11010001_7"]);
    expect(JSON.parse(tasks[0]!.body)).toEqual({ id: "evt_11010001_7", ...e });
  });

  it("gives an event without seq a fresh unique id", () => {
    const e = { event: "user.online", channel_id: 11010001, time: 1000, payload: {} };
    const [a] = tasksFor(subs, e);
    const [b] = tasksFor(subs, e);
    expect(a!.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(a!.id).not.toBe(b!.id);
    expect(JSON.parse(a!.body)).not.toHaveProperty("seq");
  });
});

describe("webhook queue limits", () => {
  const subs = [{ id: 1, events: new Set(["channel.update"]), channels: null }];

  it("leaves out a payload over 100 KiB and says so", () => {
    const members = Array.from({ length: 2000 }, (_, i) => ({ id: 91010000 + i, display_name: "x".repeat(50) }));
    const [task] = tasksFor(subs, { event: "channel.update", channel_id: 11010001, seq: 3, time: 1, payload: { channel: { members } } });
    expect(task!.body.length).toBeLessThan(1024);
    expect(JSON.parse(task!.body)).toEqual({ id: "evt_11010001_3", event: "channel.update", channel_id: 11010001, seq: 3, time: 1, payload: {}, truncated: true });
  });

  it("sends in batches of at most 100 messages and about 200 KiB, in order", async () => {
    const sent: string[][] = [];
    const queue = { sendBatch: async (b: { body: { id: string } }[]) => void sent.push(b.map((m) => m.body.id)) } as unknown as Queue<WebhookTask>;
    const small = Array.from({ length: 250 }, (_, i) => ({ endpoint: 1, id: `s${i}`, body: "{}" }));
    await enqueue(queue, small);
    expect(sent.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(sent.flat()).toEqual(small.map((t) => t.id));
    sent.length = 0;
    const big = Array.from({ length: 5 }, (_, i) => ({ endpoint: 1, id: `b${i}`, body: "x".repeat(90 * 1024) }));
    await enqueue(queue, big);
    expect(sent).toEqual([["b0", "b1"], ["b2", "b3"], ["b4"]]);
  });
});

describe("webhook outbox", () => {
  /** A room's env: one endpoint for chat.postMessage on every channel, and a queue that records. */
  function room() {
    const batches: WebhookTask[][] = [];
    const db = {
      prepare: () => ({ all: async () => ({ results: [{ id: 1, events: JSON.stringify(["chat.postMessage"]), channel_ids: null }] }) }),
    };
    const queue = { sendBatch: async (b: { body: WebhookTask }[]) => void batches.push(b.map((m) => m.body)) };
    forgetSubscriptions();
    return { batches, outbox: new WebhookOutbox({ DB: db, WEBHOOK_QUEUE: queue } as unknown as Env) };
  }
  const post = (seq: number) => ({ event: "chat.postMessage", channel_id: 11010001, seq, time: 1000 + seq, payload: { message: { id: seq } } });

  it("sends nothing before the caller's turn is over", async () => {
    const { batches, outbox } = room();
    outbox.emit(post(1));
    await Promise.resolve();
    await Promise.resolve();
    expect(batches).toEqual([]);
    await outbox.flushed();
    expect(batches.flat().map((t) => t.id)).toEqual(["evt_11010001_1"]);
  });

  it("sends the events of one turn in one batch, with the same ids and bodies as one at a time", async () => {
    const { batches, outbox } = room();
    for (let seq = 1; seq <= 5; seq++) outbox.emit(post(seq));
    outbox.emit({ event: "chat.userTyping", channel_id: 11010001, time: 1, payload: {} });
    await outbox.flushed();
    expect(batches.length).toBe(1);
    const subs = [{ id: 1, events: new Set(["chat.postMessage"]), channels: null }];
    expect(batches[0]).toEqual([1, 2, 3, 4, 5].flatMap((seq) => tasksFor(subs, post(seq))));
  });

  it("keeps the order across turns and sends in flight", async () => {
    const { batches, outbox } = room();
    for (let seq = 1; seq <= 30; seq++) {
      outbox.emit(post(seq));
      if (seq % 7 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    await outbox.flushed();
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat().map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, i) => `evt_11010001_${i + 1}`));
  });
});
