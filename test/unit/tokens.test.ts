import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/auth/passwords";
import { DEV_JWT_SECRET, TokenError, signToken, signingKey, verifyToken } from "../../src/auth/tokens";
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

describe("signingKey (SPEC §2: production refuses the development default)", () => {
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
