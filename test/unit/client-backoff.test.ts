import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay } from "../../packages/client/src/backoff.ts";
import { closeAction } from "../../packages/client/src/closePolicy.ts";
import { tokenExpiry } from "../../packages/client/src/token.ts";

const opts = { baseMs: 500, maxMs: 15_000 };

describe("backoff (full jitter)", () => {
  const ceilings: { attempt: number; expected: number; why: string }[] = [
    { attempt: 0, expected: 500, why: "the first retry's window is the base" },
    { attempt: 1, expected: 1000, why: "doubles" },
    { attempt: 4, expected: 8000, why: "2^4 × base" },
    { attempt: 5, expected: 15_000, why: "16 000 is capped at max" },
    { attempt: 1e6, expected: 15_000, why: "2^n overflowing to Infinity is still capped" },
    { attempt: -3, expected: 500, why: "negative attempts count as the first" },
  ];
  for (const { attempt, expected, why } of ceilings) {
    it(`ceiling(${attempt}) = ${expected}: ${why}`, () => expect(backoffCeiling(attempt, opts)).toBe(expected));
  }

  const delays: { attempt: number; random: number; expected: number; why: string }[] = [
    { attempt: 3, random: 0, expected: 0, why: "full jitter reaches down to zero" },
    { attempt: 3, random: 0.5, expected: 2000, why: "uniform over the window" },
    { attempt: 3, random: 0.999999, expected: 3999, why: "stays below the window's ceiling" },
    { attempt: 9, random: 0.999999, expected: 14_999, why: "never beyond max" },
    { attempt: 0, random: 1.5, expected: 500, why: "a faulty random source is clamped" },
  ];
  for (const { attempt, random, expected, why } of delays) {
    it(`delay(${attempt}, r=${random}) = ${expected}: ${why}`, () => expect(backoffDelay(attempt, opts, () => random)).toBe(expected));
  }

  it("every delay lies in [0, min(max, base·2^attempt)]", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        (attempt, r, baseMs, maxMs) => {
          const d = backoffDelay(attempt, { baseMs, maxMs }, () => r);
          return d >= 0 && d <= Math.min(maxMs, baseMs * 2 ** attempt) && Number.isInteger(d);
        },
      ),
    );
  });

  it("is jittered: many draws spread over the window instead of one value", () => {
    const draws = Array.from({ length: 200 }, () => backoffDelay(4, opts));
    expect(new Set(draws).size).toBeGreaterThan(100);
    expect(Math.min(...draws)).toBeLessThan(2000);
    expect(Math.max(...draws)).toBeGreaterThan(6000);
  });
});

describe("close policy", () => {
  const table: { code: number; expected: ReturnType<typeof closeAction>; why: string }[] = [
    { code: 4003, expected: { reconnect: false, refreshToken: false }, why: "not a member: retrying cannot help" },
    { code: 4004, expected: { reconnect: false, refreshToken: false }, why: "channel removed" },
    { code: 4010, expected: { reconnect: false, refreshToken: false }, why: "a backend disconnected the user (server.user.disconnect)" },
    { code: 4009, expected: { reconnect: true, refreshToken: true }, why: "token expired on a live socket" },
    { code: 4001, expected: { reconnect: true, refreshToken: true }, why: "auth refused (expired at ws_auth)" },
    { code: 4008, expected: { reconnect: true, refreshToken: false }, why: "ping timeout: the network hiccupped" },
    { code: 4029, expected: { reconnect: true, refreshToken: false }, why: "rate limited: back off and come back" },
    { code: 1006, expected: { reconnect: true, refreshToken: false }, why: "abnormal close (restart, network)" },
    { code: 1001, expected: { reconnect: true, refreshToken: false }, why: "going away (deploy)" },
    { code: 1000, expected: { reconnect: true, refreshToken: false }, why: "a server-side clean close is still unexpected" },
  ];
  for (const { code, expected, why } of table) {
    it(`${code}: ${why}`, () => expect(closeAction(code)).toEqual(expected));
  }
  it('4001 "session revoked": final (the bearer is refused too; only a new login helps)', () => {
    expect(closeAction(4001, "session revoked")).toEqual({ reconnect: false, refreshToken: false });
  });
});

describe("tokenExpiry", () => {
  const jwt = (payload: object) => `h.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.s`;
  const table: { token: string; expected: number | null; why: string }[] = [
    { token: jwt({ exp: 1700000000 }), expected: 1700000000_000, why: "exp in seconds → ms" },
    { token: jwt({ exp: 1700000000, name: "ü?>>" }), expected: 1700000000_000, why: "base64url characters decode" },
    { token: jwt({ iat: 1 }), expected: null, why: "no exp" },
    { token: jwt({ exp: "soon" }), expected: null, why: "exp not a number" },
    { token: "not-a-jwt", expected: null, why: "no payload part" },
    { token: "a.%%%.c", expected: null, why: "payload not base64" },
  ];
  for (const { token, expected, why } of table) {
    it(why, () => expect(tokenExpiry(token)).toBe(expected));
  }
});
