import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import type { Bucket, QuotaStore } from "../../src/storage/quotaStore";
import { Quotas, levelAt, secondsUntilWithin } from "../../src/user/quotas";

const HOUR = 3_600_000;

// A bucket holds at most the hourly limit and drains at that limit per hour.
const levels: { why: string; bucket: Bucket | null; limit: number; now: number; expected: number }[] = [
  { why: "no bucket yet is empty", bucket: null, limit: 100, now: 0, expected: 0 },
  { why: "no time passed, nothing drained", bucket: { level: 40, at: 1000 }, limit: 100, now: 1000, expected: 40 },
  { why: "a quarter hour drains a quarter of the limit", bucket: { level: 40, at: 0 }, limit: 100, now: HOUR / 4, expected: 15 },
  { why: "never below zero", bucket: { level: 40, at: 0 }, limit: 100, now: HOUR, expected: 0 },
  { why: "a clock that went back drains nothing", bucket: { level: 40, at: 5000 }, limit: 100, now: 1000, expected: 40 },
];

const waits: { why: string; level: number; limit: number; expected: number }[] = [
  { why: "one unit over a limit of 100 is 36 s", level: 101, limit: 100, expected: 36 },
  { why: "a fraction of a second rounds up", level: 100.001, limit: 100, expected: 1 },
  { why: "never less than 1 s", level: 100, limit: 100, expected: 1 },
  { why: "ten over 500 is 72 s", level: 510, limit: 500, expected: 72 },
];

function memoryStore(): QuotaStore {
  const rows = new Map<string, Bucket>();
  return { get: (k: string) => rows.get(k) ?? null, set: (k: string, b: Bucket) => void rows.set(k, b) } as unknown as QuotaStore;
}

describe("quota buckets", () => {
  for (const row of levels) it(`levelAt: ${row.why}`, () => expect(levelAt(row.bucket, row.limit, row.now)).toBeCloseTo(row.expected));
  for (const row of waits) it(`secondsUntilWithin: ${row.why}`, () => expect(secondsUntilWithin(row.level, row.limit)).toBe(row.expected));

  const config = { ...loadConfig({}), channelsPerHour: 3, usersAddedPerHour: 10, failedLookupsPerHour: 5 };

  it("reserve is all or nothing: one kind over its limit spends none of the others", () => {
    const q = new Quotas(memoryStore(), config);
    expect(q.reserve({ channels: 1, users_added: 8 }, {}, 0)).toEqual({ ok: true });
    expect(q.reserve({ channels: 1, users_added: 3 }, {}, 0)).toEqual({ ok: false, kind: "users_added", retryAfter: 360 });
    expect(q.reserve({ channels: 2, users_added: 2 }, {}, 0)).toEqual({ ok: true });
    expect(q.reserve({ channels: 1 }, {}, 0)).toMatchObject({ ok: false, kind: "channels" });
  });

  it("headroom is checked and not spent", () => {
    const q = new Quotas(memoryStore(), config);
    expect(q.reserve({}, { failed_lookups: 5 }, 0)).toEqual({ ok: true });
    expect(q.reserve({}, { failed_lookups: 5 }, 0)).toEqual({ ok: true });
    expect(q.reserve({}, { failed_lookups: 6 }, 0)).toMatchObject({ ok: false, kind: "failed_lookups" });
  });

  it("a failed lookup refunds the reservation and charges past the limit, so the next headroom check fails", () => {
    const q = new Quotas(memoryStore(), config);
    expect(q.reserve({ channels: 3, users_added: 4 }, { failed_lookups: 4 }, 0)).toEqual({ ok: true });
    expect(q.chargeFailedLookups(4, { channels: 3, users_added: 4 }, 0)).toEqual({ ok: true });
    expect(q.reserve({ channels: 3, users_added: 10 }, {}, 0)).toEqual({ ok: true }); // all given back
    expect(q.chargeFailedLookups(4, {}, 0)).toEqual({ ok: false, kind: "failed_lookups", retryAfter: 2160 });
    expect(q.reserve({}, { failed_lookups: 1 }, 0)).toMatchObject({ ok: false, kind: "failed_lookups" });
  });
});
