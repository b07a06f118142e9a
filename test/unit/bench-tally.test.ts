import { describe, expect, it } from "vitest";
import { TIMED_AFTER_READY_MS, timedFrom } from "../../bench/lib/scenario.ts";
import { Tally } from "../../bench/lib/tally.ts";

/**
 * The benchmark's delivery accounting (bench/lib/tally.ts): its lost / duplicate / out-of-order
 * counts are what "zero in every run" is judged by, so they are tested like any other logic.
 * A delivery is [client, idx, publisher, k, seq].
 */
type Delivery = [number, number, number, number, number];

const table: { why: string; published: number[]; deliveries: Delivery[]; expected: { lost: number; duplicates: number; outOfOrder: number; foreign: number } }[] = [
  {
    why: "every message to both clients, in order",
    published: [0, 1],
    deliveries: [[0, 0, 0, 0, 1], [1, 0, 0, 0, 1], [0, 1, 0, 1, 2], [1, 1, 0, 1, 2]],
    expected: { lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 },
  },
  {
    why: "a delivery missing on one client is lost",
    published: [0, 1],
    deliveries: [[0, 0, 0, 0, 1], [1, 0, 0, 0, 1], [0, 1, 0, 1, 2]],
    expected: { lost: 1, duplicates: 0, outOfOrder: 0, foreign: 0 },
  },
  {
    why: "the same message twice on a client is a duplicate, not a delivery",
    published: [0],
    deliveries: [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 0, 0, 1]],
    expected: { lost: 0, duplicates: 1, outOfOrder: 0, foreign: 0 },
  },
  {
    why: "a publisher's later message arriving first makes the earlier one out of order",
    published: [0, 1],
    deliveries: [[0, 1, 0, 1, -1], [0, 0, 0, 0, -1], [1, 0, 0, 0, -1], [1, 1, 0, 1, -1]],
    expected: { lost: 0, duplicates: 0, outOfOrder: 1, foreign: 0 },
  },
  {
    why: "two publishers interleave freely, but the room's seq must grow on every socket",
    published: [0, 1],
    deliveries: [[0, 1, 1, 0, 2], [0, 0, 0, 0, 1], [1, 0, 0, 0, 1], [1, 1, 1, 0, 2]],
    expected: { lost: 0, duplicates: 0, outOfOrder: 1, foreign: 0 },
  },
  {
    why: "a message whose publish failed is not expected anywhere",
    published: [0],
    deliveries: [[0, 0, 0, 0, 1], [1, 0, 0, 0, 1]],
    expected: { lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 },
  },
  {
    why: "an index that was never sent is foreign",
    published: [0],
    deliveries: [[0, 0, 0, 0, 1], [1, 0, 0, 0, 1], [0, 3, 0, 1, 2]],
    expected: { lost: 0, duplicates: 0, outOfOrder: 0, foreign: 1 },
  },
];

describe("bench delivery accounting", () => {
  for (const row of table) {
    it(row.why, () => {
      const tally = new Tally(2, 4, 2);
      // idx 0 and 1 are sent to both clients; only those in `published` succeed.
      tally.sent(0, 0, 2);
      tally.sent(1, 1, 2);
      for (const idx of row.published) tally.accept(idx);
      for (const [client, idx, pub, k, seq] of row.deliveries) tally.record(client, idx, pub, k, seq, 10);
      expect({ lost: tally.lost(), duplicates: tally.duplicates, outOfOrder: tally.outOfOrder, foreign: tally.foreign }).toEqual(row.expected);
    });
  }

  it("latency is receive time minus send time", () => {
    const tally = new Tally(1, 2, 1);
    tally.sent(0, 100, 1);
    tally.accept(0);
    tally.record(0, 0, 0, 0, -1, 112.5);
    expect(tally.percentiles()).toMatchObject({ p50: 12.5, max: 12.5 });
  });

  it("latency scenarios time what is sent from 1 s after the last socket is ready; capacity scenarios everything", () => {
    expect(TIMED_AFTER_READY_MS).toBe(1000);
    const readyAt = 5_000;
    const tally = new Tally(1, 3, 1, timedFrom("latency", readyAt));
    for (const [idx, at] of [[0, readyAt + 300], [1, readyAt + 999], [2, readyAt + 1000]] as const) {
      tally.sent(idx, at, 1);
      tally.accept(idx);
      tally.record(0, idx, 0, idx, idx + 1, at + 40 + idx);
    }
    expect(tally.percentiles()).toMatchObject({ max: 42, mean: 42 }); // idx 2 only
    expect({ lost: tally.lost(), received: tally.received }).toEqual({ lost: 0, received: 3 });
    expect(timedFrom("capacity", readyAt)).toBe(Number.NEGATIVE_INFINITY);
  });

  it("warm-up messages are checked for loss and order but left out of the latency figures", () => {
    const tally = new Tally(1, 3, 1, 1);
    for (const [idx, at] of [[0, 0], [1, 10], [2, 20]] as const) {
      tally.sent(idx, at, 1);
      tally.accept(idx);
    }
    tally.record(0, 0, 0, 0, 1, 500); // warm-up: 500 ms, not timed
    tally.record(0, 2, 0, 2, 3, 25);
    tally.record(0, 1, 0, 1, 2, 30); // after idx 2: out of order
    expect(tally.percentiles()).toMatchObject({ max: 20, mean: 12.5 }); // idx 1 and 2 only
    expect(tally.slowest()).toEqual([[1, 20], [2, 5]]);
    expect({ lost: tally.lost(), outOfOrder: tally.outOfOrder, received: tally.received }).toEqual({ lost: 0, outOfOrder: 1, received: 3 });
  });
});
