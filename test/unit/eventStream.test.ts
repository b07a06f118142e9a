import { describe, expect, it } from "vitest";
import { EventStream, type ResumeSession } from "../../src/channel/eventStream";
import { buildEvent } from "../../src/protocol/envelope";
import type { ChannelStore } from "../../src/storage/channelStore";

/** A log holding seqs first..seq (contiguous), as ChannelStore keeps it. */
function fakeStore(o: { seq: number; first: number; seqAtOpen?: number; epoch?: string }) {
  const trims: number[] = [];
  const text = (s: number) => buildEvent("chat.deleteMessage", { message_id: s, channel_id: 1 }, 1, s).text;
  const store = {
    seqAtOpen: o.seqAtOpen ?? o.seq,
    epoch: () => o.epoch ?? "E",
    seq: () => o.seq,
    trimEvents: (_keep: number, _age: number, now: number) => void trims.push(now),
    eventsBetween(after: number, upTo: number): string[] | null {
      if (after >= upTo) return [];
      if (after + 1 < o.first || upTo > o.seq) return null;
      const out: string[] = [];
      for (let s = after + 1; s <= upTo; s++) out.push(text(s));
      return out;
    },
  };
  return { store: store as unknown as ChannelStore, trims, text };
}

const session = (ls?: number) => ({ ls }) as ResumeSession;

describe("EventStream.resume", () => {
  const table: {
    why: string;
    log: { seq: number; first: number };
    ls: number | undefined;
    epoch: string;
    since: number;
    joined?: number | null;
    expected: { recovered: boolean; seqs: number[]; seq: number };
  }[] = [
    { why: "replays what was missed up to where the live stream began", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 6, expected: { recovered: true, seqs: [7, 8, 9, 10], seq: 10 } },
    { why: "events after the live start were delivered live: not replayed", log: { seq: 12, first: 1 }, ls: 10, epoch: "E", since: 6, expected: { recovered: true, seqs: [7, 8, 9, 10], seq: 12 } },
    { why: "nothing missed", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 10, expected: { recovered: true, seqs: [], seq: 10 } },
    { why: "since after the live start (the client saw live events): nothing to replay", log: { seq: 12, first: 1 }, ls: 10, epoch: "E", since: 11, expected: { recovered: true, seqs: [], seq: 12 } },
    { why: "nothing to replay needs no log", log: { seq: 10, first: 8 }, ls: 5, epoch: "E", since: 5, expected: { recovered: true, seqs: [], seq: 10 } },
    { why: "the log starts right after since: complete", log: { seq: 10, first: 7 }, ls: 10, epoch: "E", since: 6, expected: { recovered: true, seqs: [7, 8, 9, 10], seq: 10 } },
    { why: "the log lost since+1: never partial", log: { seq: 10, first: 8 }, ls: 10, epoch: "E", since: 6, expected: { recovered: false, seqs: [], seq: 10 } },
    { why: "foreign epoch", log: { seq: 10, first: 1 }, ls: 10, epoch: "other", since: 6, expected: { recovered: false, seqs: [], seq: 10 } },
    { why: "since ahead of the room", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 11, expected: { recovered: false, seqs: [], seq: 10 } },
    { why: "unknown live start (attachment from before this field): no guess", log: { seq: 10, first: 1 }, ls: undefined, epoch: "E", since: 6, expected: { recovered: false, seqs: [], seq: 10 } },
    { why: "since at the member's join seq: replays from the join", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 6, joined: 6, expected: { recovered: true, seqs: [7, 8, 9, 10], seq: 10 } },
    { why: "since before the member's join seq: never reaches back", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 0, joined: 6, expected: { recovered: false, seqs: [], seq: 10 } },
    { why: "unknown join seq: nothing before now", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 6, joined: null, expected: { recovered: false, seqs: [], seq: 10 } },
    { why: "unknown join seq, nothing missed: recovered", log: { seq: 10, first: 1 }, ls: 10, epoch: "E", since: 10, joined: null, expected: { recovered: true, seqs: [], seq: 10 } },
  ];
  for (const t of table) {
    it(t.why, () => {
      const { store } = fakeStore(t.log);
      const plan = new EventStream(store, { minEvents: 1000, minAgeMs: 1, maxReplay: 1000 }).resume(session(t.ls), t.epoch, t.since, t.joined === undefined ? 0 : t.joined);
      expect({ recovered: plan.recovered, seqs: plan.frames.map((f) => f.event.meta.seq), seq: plan.seq }).toEqual(t.expected);
    });
  }
});

describe("EventStream.publish", () => {
  it("delivers in seq order and once: a gap is filled from the log, a repeat is dropped", () => {
    const { store, text } = fakeStore({ seq: 5, first: 1, seqAtOpen: 2 });
    const stream = new EventStream(store, { minEvents: 1000, minAgeMs: 1, maxReplay: 1000 });
    const frame = (s: number) => ({ event: JSON.parse(text(s)), text: text(s) });
    const steps: { why: string; publish: number; expected: number[] }[] = [
      { why: "3 is next", publish: 3, expected: [3] },
      { why: "5 before 4: 4 comes from the log first", publish: 5, expected: [4, 5] },
      { why: "4 again: already delivered", publish: 4, expected: [] },
      { why: "5 again: already delivered", publish: 5, expected: [] },
    ];
    for (const s of steps) expect(stream.publish(frame(s.publish), 0).map((f) => f.event.meta.seq), s.why).toEqual(s.expected);
    expect(stream.watermark()).toBe(5);
  });

  it("starts from the seq the storage held when it opened, not from the current one", () => {
    const { store } = fakeStore({ seq: 7, first: 1, seqAtOpen: 6 });
    expect(new EventStream(store, { minEvents: 1, minAgeMs: 1, maxReplay: 1000 }).watermark()).toBe(6);
  });

  it("trims once each time the seq crosses a multiple of 100", () => {
    const { store, trims, text } = fakeStore({ seq: 301, first: 1, seqAtOpen: 98 });
    const stream = new EventStream(store, { minEvents: 1000, minAgeMs: 1, maxReplay: 1000 });
    const frame = (s: number) => ({ event: JSON.parse(text(s)), text: text(s) });
    for (const s of [99, 100, 101, 199]) stream.publish(frame(s), s);
    expect(trims).toEqual([100]);
    stream.publish(frame(301), 301); // crosses 200 and 300 at once (backfilled): one trim
    expect(trims).toEqual([100, 301]);
  });

  it("records where a connection's live stream began only at its first rtm.ready", () => {
    const { store } = fakeStore({ seq: 4, first: 1 });
    const stream = new EventStream(store, { minEvents: 1, minAgeMs: 1, maxReplay: 1000 });
    const s = session();
    expect(stream.startLive(s)).toBe(4);
    stream.publish({ event: { meta: { api: "v1", time: 1, seq: 5 }, event: "e", payload: {} }, text: "" }, 0);
    expect(stream.startLive(s)).toBe(5);
    expect(s.ls).toBe(4);
  });
});
