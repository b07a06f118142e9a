import type { CommandParamsMap, EventPayloads } from "./protocol.js";
import type { ServerEvent } from "./types.js";

/**
 * Per-channel resume bookkeeping (docs/protocol.md#resume). It remembers the room's `epoch` and the last
 * `seq` delivered to the app, and turns a reconnection's frames into the events the app should
 * see exactly once, in order:
 *
 * - a new connection sends `ws_resume {epoch, since_seq}` right after `ws_auth`;
 * - live events can reach the new socket before the server handles `ws_resume`, and the replay
 *   then repeats them, so every seq'd event is held until `rtm.resumed` and then released sorted
 *   and deduplicated by seq;
 * - `recovered: false` (another epoch, or the log no longer reaches back) drops the held events:
 *   the caller reloads from `channel.history` after the last message it knows.
 */
export type ResumeRequest = CommandParamsMap["ws_resume"];

export interface ResumeOutcome {
  recovered: boolean;
  /** held events to deliver now, in seq order (empty when not recovered) */
  deliver: ServerEvent[];
}

export class ResumeState {
  epoch: string | null = null;
  /** seq of the last durable event delivered (or of rtm.ready on the first connection) */
  seq = 0;
  private resuming = false;
  private held: ServerEvent[] = [];
  private ready: { epoch: string | null; seq: number } | null = null;

  get isResuming(): boolean {
    return this.resuming;
  }

  /** A socket opened: what to resume from, or null on the very first connection. */
  begin(): ResumeRequest | null {
    this.held = [];
    this.ready = null;
    this.resuming = this.epoch !== null;
    return this.epoch === null ? null : { epoch: this.epoch, since_seq: this.seq };
  }

  /** rtm.ready of a connection (the first one fixes where the stream starts). */
  onReady(payload: Pick<EventPayloads["rtm.ready"], "epoch" | "seq">): void {
    if (this.epoch === null) {
      this.epoch = payload.epoch ?? null;
      this.seq = payload.seq ?? 0;
    } else {
      this.ready = { epoch: payload.epoch ?? null, seq: payload.seq ?? 0 };
    }
  }

  /** A frame with meta.seq: the events to deliver now (none when held or a duplicate). */
  onEvent(ev: ServerEvent): ServerEvent[] {
    const seq = ev.meta?.seq;
    if (typeof seq !== "number") return [ev];
    if (this.resuming) {
      this.held.push(ev);
      return [];
    }
    if (seq <= this.seq) return [];
    this.seq = seq;
    return [ev];
  }

  onResumed(payload: EventPayloads["rtm.resumed"]): ResumeOutcome {
    this.resuming = false;
    const held = this.held.sort((a, b) => (a.meta.seq ?? 0) - (b.meta.seq ?? 0));
    this.held = [];
    if (!payload.recovered) {
      this.epoch = this.ready?.epoch ?? this.epoch;
      this.seq = payload.seq;
      return { recovered: false, deliver: [] };
    }
    const deliver: ServerEvent[] = [];
    for (const ev of held) {
      const seq = ev.meta.seq ?? 0;
      if (seq <= this.seq) continue;
      this.seq = seq;
      deliver.push(ev);
    }
    this.seq = Math.max(this.seq, payload.seq);
    return { recovered: true, deliver };
  }

  /** ws_resume was refused: start over from where rtm.ready put this connection. */
  onResumeRefused(): void {
    this.resuming = false;
    this.held = [];
    if (this.ready) {
      this.epoch = this.ready.epoch;
      this.seq = this.ready.seq;
    }
  }

  /** The connection dropped mid-resume: nothing held was delivered, so resume from the same point. */
  onDrop(): void {
    this.resuming = false;
    this.held = [];
    this.ready = null;
  }
}
