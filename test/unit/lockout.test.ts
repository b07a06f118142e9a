import { describe, expect, it } from "vitest";
import { LOCK_BASE_MS, lockDurationMs } from "../../src/auth/lockout";

// From the third consecutive failure the account is locked for 10 s, doubling with
// each further failure (capped at one hour).
const table: { why: string; input: number; expected: number }[] = [
  { why: "no failure, no lock", input: 0, expected: 0 },
  { why: "the first failure does not lock", input: 1, expected: 0 },
  { why: "the second failure does not lock", input: 2, expected: 0 },
  { why: "the third failure locks for 10 s", input: 3, expected: 10_000 },
  { why: "the fourth doubles it", input: 4, expected: 20_000 },
  { why: "the fifth doubles again", input: 5, expected: 40_000 },
  { why: "the tenth", input: 10, expected: 1_280_000 },
  { why: "capped at one hour", input: 12, expected: 3_600_000 },
  { why: "huge counts stay capped (no Infinity)", input: 5000, expected: 3_600_000 },
];

describe("lockDurationMs", () => {
  it("the base lock is 10 s", () => expect(LOCK_BASE_MS).toBe(10_000));
  for (const row of table) {
    it(row.why, () => expect(lockDurationMs(row.input)).toBe(row.expected));
  }
});
