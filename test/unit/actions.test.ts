import { describe, expect, it } from "vitest";
import { parseDueOn } from "../../src/channel/actions";

const table: { why: string; input: string | number; expected: number | null }[] = [
  { why: "AirSend time format, UTC", input: "2019-11-29 01:31:18", expected: Date.UTC(2019, 10, 29, 1, 31, 18) },
  { why: "ISO 8601 with Z", input: "2019-11-29T01:31:18Z", expected: Date.UTC(2019, 10, 29, 1, 31, 18) },
  { why: "ISO 8601 with offset", input: "2019-11-29T02:31:18+01:00", expected: Date.UTC(2019, 10, 29, 1, 31, 18) },
  { why: "unix seconds as a number", input: 1575000000, expected: 1575000000_000 },
  { why: "unix seconds as digits", input: "1575000000", expected: 1575000000_000 },
  { why: "an impossible date", input: "2019-02-31 00:00:00", expected: null },
  { why: "an impossible hour", input: "2019-02-01 25:00:00", expected: null },
  { why: "free text", input: "tomorrow", expected: null },
  { why: "ISO without a zone is read as UTC", input: "2019-11-29T01:31:18", expected: Date.UTC(2019, 10, 29, 1, 31, 18) },
  { why: "a negative number", input: -5, expected: null },
  { why: "a fractional number", input: 1.5, expected: null },
];

describe("action due_on parsing", () => {
  for (const row of table) it(row.why, () => expect(parseDueOn(row.input)).toBe(row.expected));
});
