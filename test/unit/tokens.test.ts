import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/auth/passwords";
import { SignJWT } from "jose";
import { deviceLabel } from "../../src/auth/device";
import { DEV_JWT_SECRET, TokenError, keyId, signToken, signingKey, verifyToken, verifyingKeys } from "../../src/auth/tokens";
import { loadConfig } from "../../src/config";

const dev = loadConfig({ ENVIRONMENT: "development" });
const prod = loadConfig({ ENVIRONMENT: "production" });
const key = new TextEncoder().encode("unit-test-secret");
const otherKey = new TextEncoder().encode("another-secret");
const rtmClaims = { typ: "rtm" as const, user_id: 91010001, sid: 71010000, user_name: "A", client_ip: "", user_agent: "", finger_print: "" };

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "accepted";
  } catch (err) {
    return err instanceof TokenError ? err.reason : `threw ${String(err)}`;
  }
}

describe("signingKey (production refuses the development default)", () => {
  const table: { why: string; env: { JWT_SECRET?: string }; config: typeof dev; expected: "ok" | "misconfigured" }[] = [
    { why: "development works with no secret", env: {}, config: dev, expected: "ok" },
    { why: "production without a secret refuses", env: {}, config: prod, expected: "misconfigured" },
    { why: "production with the development secret spelled out refuses", env: { JWT_SECRET: DEV_JWT_SECRET }, config: prod, expected: "misconfigured" },
    { why: "production with a real secret works", env: { JWT_SECRET: "s3cret" }, config: prod, expected: "ok" },
  ];
  for (const row of table) {
    it(row.why, () => {
      let got = "ok";
      try {
        signingKey(row.env, row.config);
      } catch (err) {
        got = err instanceof TokenError ? err.reason : "other";
      }
      expect(got).toBe(row.expected);
    });
  }
});

describe("tokens: typ, signature, expiry", () => {
  it("round trip keeps the claims; exp - iat is the ttl", async () => {
    const t = await signToken(rtmClaims, 3600, key);
    const c = await verifyToken(t, "rtm", key);
    expect(c).toMatchObject(rtmClaims);
    expect(c.exp - c.iat).toBe(3600);
  });

  const cases: { why: string; make: () => Promise<string>; typ: "access" | "rtm"; verifyWith?: Uint8Array; expected: string }[] = [
    { why: "an rtm token where access is expected", make: () => signToken(rtmClaims, 60, key), typ: "access", expected: "invalid" },
    { why: "an access token where rtm is expected", make: () => signToken({ typ: "access", user_id: 1, sid: 71010000 }, 60, key), typ: "rtm", expected: "invalid" },
    { why: "expired", make: () => signToken(rtmClaims, 60, key, Date.now() - 120_000), typ: "rtm", expected: "expired" },
    { why: "another key", make: () => signToken(rtmClaims, 60, otherKey), typ: "rtm", expected: "invalid" },
    { why: "garbage", make: async () => "a.b.c", typ: "rtm", expected: "invalid" },
    {
      why: "a user_id that is not a number",
      make: () => signToken({ ...rtmClaims, user_id: "91010001" as unknown as number }, 60, key),
      typ: "rtm",
      expected: "invalid",
    },
    { why: "valid", make: () => signToken(rtmClaims, 60, key), typ: "rtm", expected: "accepted" },
  ];
  for (const c of cases) {
    it(c.why, async () => {
      expect(await reason(verifyToken(await c.make(), c.typ, c.verifyWith ?? key))).toBe(c.expected);
    });
  }

  it("an unsigned (alg none) token is refused", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...rtmClaims, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    expect(await reason(verifyToken(none, "rtm", key))).toBe("invalid");
  });
});

describe("passwords (PBKDF2-SHA-256, per-user salt)", () => {
  it("verifies the right password only; salts differ; the stored form names its iterations", async () => {
    const a = await hashPassword("correct horse", 1000);
    const b = await hashPassword("correct horse", 1000);
    expect(a).toMatch(/^pbkdf2\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horsE", a)).toBe(false);
    expect(await verifyPassword("", a)).toBe(false);
  });

  it("caps iterations at the runtime's 100,000", async () => {
    expect((await hashPassword("x", 1_000_000)).split("$")[1]).toBe("100000");
  });

  for (const stored of ["", "plain", "pbkdf2$1000$", "bcrypt$1$a$b"]) {
    it(`a malformed stored hash ${JSON.stringify(stored)} never verifies`, async () => {
      expect(await verifyPassword("x", stored)).toBe(false);
    });
  }
});

describe("sessions and key rotation in tokens", () => {
  const oldKey = new TextEncoder().encode("the-old-secret");
  const newKey = new TextEncoder().encode("the-new-secret");
  const rotating = verifyingKeys({ JWT_SECRET: "the-new-secret", JWT_SECRET_PREVIOUS: "the-old-secret" }, dev);
  const rotated = verifyingKeys({ JWT_SECRET: "the-new-secret" }, dev);
  const header = (t: string) => JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString());

  it("a token without a session id (or a non-numeric one) is invalid", async () => {
    const { sid: _sid, ...noSid } = rtmClaims;
    expect(await reason(verifyToken(await signToken(noSid as typeof rtmClaims, 60, key), "rtm", key))).toBe("invalid");
    expect(await reason(verifyToken(await signToken({ ...rtmClaims, sid: "7" as unknown as number }, 60, key), "rtm", key))).toBe("invalid");
  });

  it("tokens name their secret by kid; the previous secret verifies only while configured", async () => {
    const old = await signToken(rtmClaims, 60, oldKey);
    const fresh = await signToken(rtmClaims, 60, newKey);
    expect(header(old).kid).toBe(await keyId(oldKey));
    expect(header(fresh).kid).not.toBe(header(old).kid);
    expect(header(fresh).kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await reason(verifyToken(old, "rtm", rotating))).toBe("accepted");
    expect(await reason(verifyToken(fresh, "rtm", rotating))).toBe("accepted");
    expect(await reason(verifyToken(old, "rtm", rotated))).toBe("invalid");
    expect(await reason(verifyToken(fresh, "rtm", rotated))).toBe("accepted");
  });

  it("a token without kid is checked against the current secret only; an unknown kid is invalid", async () => {
    const now = Math.floor(Date.now() / 1000);
    const bare = (k: Uint8Array) =>
      new SignJWT({ ...rtmClaims }).setProtectedHeader({ alg: "HS256" }).setIssuedAt(now).setExpirationTime(now + 60).sign(k);
    expect(await reason(verifyToken(await bare(newKey), "rtm", rotating))).toBe("accepted");
    expect(await reason(verifyToken(await bare(oldKey), "rtm", rotating))).toBe("invalid");
    const unknownKid = await new SignJWT({ ...rtmClaims })
      .setProtectedHeader({ alg: "HS256", kid: "nobody-knows-me" })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(newKey);
    expect(await reason(verifyToken(unknownKid, "rtm", rotating))).toBe("invalid");
  });

  it("production refuses the development secret as the previous one too", () => {
    expect(() => verifyingKeys({ JWT_SECRET: "s3cret", JWT_SECRET_PREVIOUS: DEV_JWT_SECRET }, prod)).toThrow(TokenError);
    expect(verifyingKeys({ JWT_SECRET: "s3cret", JWT_SECRET_PREVIOUS: "s3cret" }, prod).previous).toBeNull();
  });
});

describe("deviceLabel", () => {
  const table: { ua: string; fp: string; expected: string }[] = [
    { ua: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", fp: "", expected: "Firefox on Linux" },
    { ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", fp: "work", expected: "Chrome on macOS (work)" },
    { ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1", fp: "", expected: "Safari on iOS" },
    { ua: "node", fp: "", expected: "Node.js" },
    { ua: "", fp: "", expected: "Unknown device" },
    { ua: "x".repeat(300), fp: "", expected: "x".repeat(60) },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.ua.slice(0, 40))} + ${JSON.stringify(row.fp)} → ${row.expected.slice(0, 30)}`, () => {
      expect(deviceLabel(row.ua, row.fp)).toBe(row.expected);
    });
  }
});
