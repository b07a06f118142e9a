import { describe, expect, it } from "vitest";
import { formatTime, unixSeconds, userObject } from "../../src/protocol/objects";

// `created_on` is "YYYY-MM-DD HH:MM:SS" UTC and `*_ts` unix seconds, as in the seed.
const times: { why: string; input: number; expected: string; seconds: number }[] = [
  { why: "the epoch", input: 0, expected: "1970-01-01 00:00:00", seconds: 0 },
  { why: "milliseconds are dropped, not rounded", input: 1_700_000_000_999, expected: "2023-11-14 22:13:20", seconds: 1_700_000_000 },
  { why: "single digits are zero-padded", input: Date.UTC(2024, 0, 2, 3, 4, 5), expected: "2024-01-02 03:04:05", seconds: 1_704_164_645 },
  { why: "UTC, not local time, at the end of a day", input: Date.UTC(2026, 11, 31, 23, 59, 59, 500), expected: "2026-12-31 23:59:59", seconds: 1_798_761_599 },
  { why: "a leap day", input: Date.UTC(2028, 1, 29, 12, 0, 0), expected: "2028-02-29 12:00:00", seconds: 1_835_438_400 },
];

describe("formatTime / unixSeconds", () => {
  for (const row of times) {
    it(row.why, () => {
      expect(formatTime(row.input)).toBe(row.expected);
      expect(formatTime(row.input)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(unixSeconds(row.input)).toBe(row.seconds);
    });
  }
});

describe("userObject", () => {
  it("has exactly the seed's fields, in both time formats, and never a password", () => {
    const profile = { id: 91010001, email: "a@example.test", display_name: "Alice", has_avatar: false, last_active_on: 1_700_000_000_999 };
    expect(userObject(profile, true)).toEqual({
      id: 91010001,
      email: "a@example.test",
      display_name: "Alice",
      has_avatar: false,
      online_status: true,
      last_active_on: "2023-11-14 22:13:20",
      last_active_on_ts: 1_700_000_000,
    });
  });
});
