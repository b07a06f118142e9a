import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { outcomeOf, pushRetryDelaySeconds } from "../../src/push/delivery";
import { DEV_VAPID_PRIVATE_KEY, DEV_VAPID_PUBLIC_KEY, vapidKeys } from "../../src/push/keys";
import { payloadFor, wantsPush } from "../../src/push/notification";
import { checkSubscription } from "../../src/push/subscription";
import { forgetVapidTokens, vapidAuthorization } from "../../src/push/vapid";

const P256DH = DEV_VAPID_PUBLIC_KEY; // any valid uncompressed P-256 point will do
const AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
const offCurve = Buffer.from([4, ...new Array(64).fill(7)]).toString("base64url");

describe("checkSubscription", () => {
  const cases: { why: string; env: string; input: { endpoint: string; p256dh: string; auth: string }; expected: string | true }[] = [
    { why: "a push service's https endpoint", env: "production", input: { endpoint: "https://fcm.googleapis.com/fcm/send/x", p256dh: P256DH, auth: AUTH }, expected: true },
    { why: "http is refused in production", env: "production", input: { endpoint: "http://push.example.com/x", p256dh: P256DH, auth: AUTH }, expected: "endpoint" },
    { why: "loopback is refused in production, even https", env: "production", input: { endpoint: "https://127.0.0.1/x", p256dh: P256DH, auth: AUTH }, expected: "endpoint" },
    { why: "loopback http is a local receiver in development", env: "development", input: { endpoint: "http://127.0.0.1:9000/x", p256dh: P256DH, auth: AUTH }, expected: true },
    { why: "private addresses are refused in development too", env: "development", input: { endpoint: "https://192.168.1.4/x", p256dh: P256DH, auth: AUTH }, expected: "endpoint" },
    { why: "65 bytes that are not a point on P-256", env: "development", input: { endpoint: "https://push.example.com/x", p256dh: offCurve, auth: AUTH }, expected: "p256dh" },
    { why: "a compressed point", env: "development", input: { endpoint: "https://push.example.com/x", p256dh: Buffer.alloc(33, 2).toString("base64url"), auth: AUTH }, expected: "p256dh" },
    { why: "not base64url", env: "development", input: { endpoint: "https://push.example.com/x", p256dh: "***", auth: AUTH }, expected: "p256dh" },
    { why: "a 15-byte auth secret", env: "development", input: { endpoint: "https://push.example.com/x", p256dh: P256DH, auth: Buffer.alloc(15).toString("base64url") }, expected: "auth" },
  ];
  for (const c of cases) {
    it(c.why, async () => {
      const r = await checkSubscription(c.input, c.env);
      expect(r.ok ? true : r.field).toBe(c.expected);
    });
  }
});

describe("vapidKeys", () => {
  it("development runs on the documented pair; production refuses it and a missing pair", () => {
    expect(vapidKeys({}, { environment: "development" })).toMatchObject({ publicKey: DEV_VAPID_PUBLIC_KEY, privateKey: DEV_VAPID_PRIVATE_KEY });
    expect(() => vapidKeys({}, { environment: "production" })).toThrow(/must be set/);
    const dev = { VAPID_PUBLIC_KEY: DEV_VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: DEV_VAPID_PRIVATE_KEY, VAPID_SUBJECT: "mailto:a@example.com" };
    expect(() => vapidKeys(dev, { environment: "production" })).toThrow(/development VAPID key pair/);
    const own = { VAPID_PUBLIC_KEY: "Bown", VAPID_PRIVATE_KEY: "own", VAPID_SUBJECT: "https://example.com/contact" };
    expect(vapidKeys(own, { environment: "production" })).toEqual({ publicKey: "Bown", privateKey: "own", subject: "https://example.com/contact" });
    expect(() => vapidKeys({ ...own, VAPID_SUBJECT: "ops@example.com" }, { environment: "production" })).toThrow(/mailto: or https:/);
  });
});

describe("vapidAuthorization (RFC 8292)", () => {
  const keys = vapidKeys({}, { environment: "development" });

  it("an ES256 JWT for the push service's origin, at most 24 h ahead, that verifies with the public key k", async () => {
    forgetVapidTokens();
    const now = Date.UTC(2026, 11, 6);
    const header = await vapidAuthorization("https://push.example.com/send/abc?x=1", keys, now);
    const [, jwt, k] = /^vapid t=(\S+), k=(\S+)$/.exec(header)!;
    expect(k).toBe(keys.publicKey);
    const [h, p, s] = jwt!.split(".") as [string, string, string];
    expect(JSON.parse(Buffer.from(h, "base64url").toString())).toEqual({ typ: "JWT", alg: "ES256" });
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    expect(claims).toEqual({ aud: "https://push.example.com", exp: expect.any(Number), sub: keys.subject });
    expect(claims.exp - now / 1000).toBeGreaterThan(12 * 3600);
    expect(claims.exp - now / 1000).toBeLessThanOrEqual(24 * 3600);
    const point = Buffer.from(k!, "base64url");
    const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") }, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"))).toBe(true);
  });

  it("reuses one token per origin for 12 hours, then signs a new one", async () => {
    forgetVapidTokens();
    const now = Date.UTC(2026, 11, 6);
    const first = await vapidAuthorization("https://push.example.com/a", keys, now);
    expect(await vapidAuthorization("https://push.example.com/b", keys, now + 11 * 3600_000)).toBe(first);
    expect(await vapidAuthorization("https://other.example.com/a", keys, now)).not.toBe(first);
    expect(await vapidAuthorization("https://push.example.com/a", keys, now + 12 * 3600_000 + 1)).not.toBe(first);
  });
});

describe("push preferences and payloads", () => {
  it("alerts (default) pushes alerts only, all pushes messages too, none and mutes push nothing", () => {
    const table: [Parameters<typeof wantsPush>, boolean][] = [
      [["alerts", "alert", false], true],
      [["alerts", "message", false], false],
      [["all", "message", false], true],
      [["all", "alert", false], true],
      [["none", "alert", false], false],
      [["all", "message", true], false],
      [["alerts", "alert", true], false],
    ];
    for (const [args, expected] of table) expect(wantsPush(...args), JSON.stringify(args)).toBe(expected);
  });

  it("one event says what it is; several say how many; the payload stays far inside 4 KiB however long the names", () => {
    const row = { channel_id: 11010005, due: 0, count: 1, alerts: 1, channel_name: "launch", body: "Ann mentioned you: ship it", message_id: 42 };
    expect(payloadFor(row, { channel: 3, total: 7 })).toEqual({
      title: "#launch", body: "Ann mentioned you: ship it", channel_id: 11010005, message_id: 42, unread_count: 3, total_unread_count: 7, count: 1,
    });
    expect(payloadFor({ ...row, count: 5 }, { channel: 5, total: 5 }).body).toBe("5 new messages in #launch");
    expect(payloadFor({ ...row, count: 0 }, { channel: 0, total: 0 }).count).toBe(1); // an alert under "all" before its unread update
    const huge = payloadFor({ ...row, channel_name: "😀".repeat(500), body: "𝄞".repeat(5000) }, { channel: 1, total: 1 });
    expect([...huge.title]).toHaveLength(100);
    expect([...huge.body]).toHaveLength(300);
    // 4096 minus the aes128gcm header (86) and the padding delimiter and tag (17)
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeLessThan(3993);
  });
});

describe("push service answers", () => {
  it("2xx delivered; 404/410 gone; 429 and 5xx retried (Retry-After honoured); other 4xx dropped", () => {
    expect(outcomeOf(201, null)).toEqual({ kind: "delivered" });
    expect(outcomeOf(410, null)).toEqual({ kind: "gone" });
    expect(outcomeOf(404, null)).toEqual({ kind: "gone" });
    expect(outcomeOf(429, "30")).toEqual({ kind: "retry", error: "HTTP 429", retryAfter: 30 });
    expect(outcomeOf(503, "soon")).toEqual({ kind: "retry", error: "HTTP 503" });
    expect(outcomeOf(413, null)).toEqual({ kind: "drop", error: "HTTP 413" });
    expect(outcomeOf(400, null)).toEqual({ kind: "drop", error: "HTTP 400" });
  });

  it("backoff doubles from the base up to the maximum; a longer Retry-After wins, capped too", () => {
    const config = { pushRetryBaseSeconds: 5, pushRetryMaxSeconds: 600 };
    expect([1, 2, 3, 4, 10].map((a) => pushRetryDelaySeconds(a, config))).toEqual([5, 10, 20, 40, 600]);
    expect(pushRetryDelaySeconds(1, config, 60)).toBe(60);
    expect(pushRetryDelaySeconds(3, config, 2)).toBe(20);
    expect(pushRetryDelaySeconds(1, config, 99_999)).toBe(600);
  });
});
