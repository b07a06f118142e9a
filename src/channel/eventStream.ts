import { type OutFrame, frameFromText } from "../protocol/envelope";
import type { Session } from "../rooms/session";
import type { ChannelStore } from "../storage/channelStore";

/**
 * How long the event log keeps events (docs/protocol.md#resume, #limits): both are minimums. A resume that
 * would replay more than `maxReplay` events is answered as for a trimmed log, so no reconnect
 * meets a burst of a whole day's log.
 */
export interface LogBounds {
  minEvents: number;
  minAgeMs: number;
  maxReplay: number;
}

/** Trimming is a range delete; doing it once per this many events keeps writes cheap. */
export const TRIM_EVERY = 100;

/**
 * A channel connection's session plus where its live stream began: `ls` is the seq its first
 * `rtm.ready` announced. Every durable event above it is delivered to the connection live, so a
 * resume only replays up to it (each event reaches a connection exactly once).
 */
export type ResumeSession = Session & { ls?: number };

export type ResumePlan =
  | { recovered: true; frames: OutFrame[]; seq: number }
  | { recovered: false; frames: []; seq: number };

/**
 * Delivery side of a channel's durable events: every durable frame reaches the sockets in seq
 * order and once, whatever the code that produced it awaited between storing and broadcasting it
 * (a gap is filled from the log first, a frame already delivered is dropped). It also trims the
 * log and plans resumes. In memory it only keeps the delivered watermark; a fresh instance starts
 * it at the seq its storage held when it opened (nothing is in flight when a room is evicted).
 */
export class EventStream {
  private sent: number | null = null;

  constructor(
    private readonly store: ChannelStore,
    private readonly bounds: LogBounds,
  ) {}

  /** Highest seq delivered to the sockets (what `rtm.ready` and `rtm.resumed` announce). */
  watermark(): number {
    // Not store.seq(): an event stored but not yet published by this instance is still to deliver.
    this.sent ??= this.store.seqAtOpen;
    return this.sent;
  }

  /**
   * The frames to broadcast, in order, for a durable frame being published: nothing when it was
   * already delivered, otherwise any stored-but-undelivered frames before it, then the frame.
   */
  publish(frame: OutFrame, now: number): OutFrame[] {
    const seq = frame.event.meta.seq!;
    const from = this.watermark();
    if (seq <= from) return [];
    const missing = seq > from + 1 ? (this.store.eventsBetween(from, seq - 1) ?? []) : [];
    this.sent = seq;
    if (Math.floor(seq / TRIM_EVERY) !== Math.floor(from / TRIM_EVERY)) {
      this.store.trimEvents(this.bounds.minEvents, this.bounds.minAgeMs, now);
    }
    return [...missing.map(frameFromText), frame];
  }

  /** Remembers where a connection's live stream starts (first rtm.ready only). */
  startLive(session: ResumeSession): number {
    const seq = this.watermark();
    session.ls ??= seq;
    return seq;
  }

  /**
   * docs/protocol.md#resume: replay everything after `since` that the connection did not get live, or
   * nothing at all when the epoch is foreign, `since` is ahead of the room or before the seq the
   * member joined at (`joinedSeq`; null: unknown, so nothing before now), or the log no longer
   * holds all of it.
   */
  resume(session: ResumeSession, epoch: string, since: number, joinedSeq: number | null): ResumePlan {
    const seq = this.watermark();
    const liveFrom = session.ls;
    if (liveFrom === undefined || epoch !== this.store.epoch() || since > seq || since < (joinedSeq ?? seq)) {
      return { recovered: false, frames: [], seq };
    }
    const until = Math.max(since, liveFrom);
    if (until - since > this.bounds.maxReplay) return { recovered: false, frames: [], seq };
    const texts = this.store.eventsBetween(since, until);
    if (texts === null) return { recovered: false, frames: [], seq };
    return { recovered: true, frames: texts.map(frameFromText), seq };
  }
}
