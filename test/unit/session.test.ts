import { serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ATTACHMENT_HEADROOM_BYTES, ATTACHMENT_LIMIT_BYTES, type Session, attachmentFits, encodedBytes, liveStart, newSession } from "../../src/rooms/session";

// Node's v8.serialize is the encoding workerd measures attachments by (same V8 value serializer).
const real = (v: unknown) => serialize(v).length;

const filterValue = fc.oneof(
  fc.string({ maxLength: 256 }),
  fc.string({ unit: "grapheme", maxLength: 128 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
);
const filters = fc.array(fc.record({ property: fc.string({ unit: "grapheme", minLength: 1, maxLength: 128 }), value: filterValue }), {
  maxLength: 32,
});

describe("encodedBytes: the attachment's structured-clone size", () => {
  it("is never below the real encoding, and close to it (sessions with random filters)", () => {
    fc.assert(
      fc.property(filters, fc.string({ unit: "grapheme", maxLength: 100 }), (f, name) => {
        const s = { ...newSession(1_700_000_000_000, 10_000), uid: 91010001, name, filters: f.length ? f : null, ls: 12345 };
        const estimate = encodedBytes(s);
        const actual = real(s);
        expect(estimate).toBeGreaterThanOrEqual(actual);
        // Every number is counted as a double (9 bytes); a small integer is encoded in 2, so a
        // filter whose value is one is over by up to 7, plus a byte for each of its three strings.
        expect(estimate - actual).toBeLessThanOrEqual(64 + 10 * f.length);
      }),
      { numRuns: 300 },
    );
  });

  const rows: { why: string; filters: { property: string; value: string }[]; fits: boolean }[] = [
    {
      why: "32 filters with 128-character CJK properties and 128-character ASCII values fit",
      filters: Array.from({ length: 32 }, (_, i) => ({ property: `${i}`.padEnd(128, "中"), value: "v".repeat(128) })),
      fits: true,
    },
    {
      why: "32 filters of 128 CJK characters (property and value) do not: two bytes per character",
      filters: Array.from({ length: 32 }, (_, i) => ({ property: `${i}`.padEnd(128, "中"), value: "文".repeat(128) })),
      fits: false,
    },
  ];
  for (const row of rows) {
    it(row.why, () => {
      const s = { ...newSession(0, 0), uid: 91010001, name: "n".repeat(100), filters: row.filters };
      expect(attachmentFits(s)).toBe(row.fits);
      expect(real(s) + ATTACHMENT_HEADROOM_BYTES <= ATTACHMENT_LIMIT_BYTES).toBe(row.fits);
    });
  }
});

describe("the attachment's room part", () => {
  it("a channel connection's live start reads back as stored, and is absent from a new or older session", () => {
    const fresh: Session = newSession(0, 0);
    expect(liveStart(fresh)).toBeUndefined();
    // what an attachment saved before the field existed reads as
    const older = structuredClone({ ...fresh, uid: 91010001 }) as Session;
    expect(liveStart(older)).toBeUndefined();
    const live: Session = structuredClone({ ...fresh, ls: 42 });
    expect(liveStart(live)).toBe(42);
    expect(Object.keys(live)).toContain("ls"); // stored flat, under its short key
  });
});
