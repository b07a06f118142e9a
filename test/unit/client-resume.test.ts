import { describe, expect, it } from "vitest";
import type { ServerEvent } from "../../packages/client/src/types.ts";
import { ResumeState } from "../../packages/client/src/resume.ts";

const ev = (seq?: number, event = "chat.postMessage"): ServerEvent => ({
  meta: seq === undefined ? { api: "v1", time: 1 } : { api: "v1", time: 1, seq },
  event,
  payload: {},
});
const seqs = (events: ServerEvent[]) => events.map((e) => e.meta.seq);

/** A state that connected once (rtm.ready at seq 10 of epoch "e1") and saw seq 11 and 12 live. */
function connected(): ResumeState {
  const s = new ResumeState();
  expect(s.begin()).toBeNull();
  s.onReady({ epoch: "e1", seq: 10 });
  s.onEvent(ev(11));
  s.onEvent(ev(12));
  return s;
}

describe("ResumeState", () => {
  it("the first connection starts at rtm.ready's seq and delivers live events once", () => {
    const s = connected();
    expect(seqs(s.onEvent(ev(12)))).toEqual([]); // duplicate
    expect(seqs(s.onEvent(ev(13)))).toEqual([13]);
    expect(s.onEvent(ev(undefined, "chat.userTyping"))).toHaveLength(1); // ephemeral: never held or deduplicated
  });

  it("a reconnection resumes from the last delivered seq and epoch", () => {
    const s = connected();
    s.onDrop();
    expect(s.begin()).toEqual({ epoch: "e1", since_seq: 12 });
  });

  it("live events racing ahead of the replay are held, then released in seq order without duplicates", () => {
    const s = connected();
    s.onDrop();
    s.begin();
    s.onReady({ epoch: "e1", seq: 15 });
    expect(s.onEvent(ev(16))).toEqual([]); // live, arrived before ws_resume was handled
    for (const n of [13, 14, 15, 16]) expect(s.onEvent(ev(n))).toEqual([]); // the replay (16 again)
    expect(s.onEvent(ev(undefined, "chat.userTyping"))).toHaveLength(1);
    const out = s.onResumed({ recovered: true, seq: 16 });
    expect(out.recovered).toBe(true);
    expect(seqs(out.deliver)).toEqual([13, 14, 15, 16]);
    expect(seqs(s.onEvent(ev(17)))).toEqual([17]);
    expect(s.begin()).toEqual({ epoch: "e1", since_seq: 17 });
  });

  it("not recovered: nothing held is delivered and the stream continues from the new epoch", () => {
    const s = connected();
    s.onDrop();
    s.begin();
    s.onReady({ epoch: "e2", seq: 3 });
    s.onEvent(ev(4));
    const out = s.onResumed({ recovered: false, seq: 4 });
    expect(out).toEqual({ recovered: false, deliver: [] });
    expect(seqs(s.onEvent(ev(5)))).toEqual([5]);
    s.onDrop();
    expect(s.begin()).toEqual({ epoch: "e2", since_seq: 5 });
  });

  it("a drop mid-resume resumes again from the same point", () => {
    const s = connected();
    s.onDrop();
    s.begin();
    s.onReady({ epoch: "e1", seq: 20 });
    s.onEvent(ev(13));
    s.onDrop();
    expect(s.begin()).toEqual({ epoch: "e1", since_seq: 12 });
  });

  it("a refused ws_resume restarts from rtm.ready's position", () => {
    const s = connected();
    s.onDrop();
    s.begin();
    s.onReady({ epoch: "e1", seq: 30 });
    s.onResumeRefused();
    expect(s.isResuming).toBe(false);
    expect(seqs(s.onEvent(ev(31)))).toEqual([31]);
  });
});
