import { describe, expect, it } from "vitest";
import { dueOnInRange, parseDueOn } from "../../src/channel/actions";

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
  { why: "a negative number is a time before 1970 (the range check refuses it)", input: -5, expected: -5000 },
  { why: "a two-digit year is that year, not 19xx", input: "0019-06-01 00:00:00", expected: new Date("0019-06-01T00:00:00Z").getTime() },
  { why: "a fractional number", input: 1.5, expected: null },
];

describe("action due_on parsing", () => {
  for (const row of table) it(row.why, () => expect(parseDueOn(row.input)).toBe(row.expected));
});

describe("action due_on range (years 1970-9999)", () => {
  const year = (y: number) => {
    const d = new Date(0);
    d.setUTCFullYear(y, 0, 1);
    return d.getTime();
  };
  const rows: { why: string; ms: number; expected: boolean }[] = [
    { why: "the epoch", ms: 0, expected: true },
    { why: "the last second of 9999", ms: year(10000) - 1000, expected: true },
    { why: "year 10000", ms: year(10000), expected: false },
    { why: "before 1970", ms: -1000, expected: false },
    { why: "year 19", ms: parseDueOn("0019-06-01 00:00:00")!, expected: false },
    { why: "unix seconds 999999999999 (year 33658)", ms: parseDueOn("999999999999")!, expected: false },
    { why: "beyond what Date can hold", ms: parseDueOn(8640000000001)!, expected: false },
  ];
  for (const row of rows) it(row.why, () => expect(dueOnInRange(row.ms)).toBe(row.expected));
});
