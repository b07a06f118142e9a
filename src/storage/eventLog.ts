import { type EventPayload, type OutFrame, buildEvent } from "../protocol/envelope";
import type { EventName } from "../protocol/wire";
import { messageRefs, setMessageContent } from "../protocol/redact";
import type { Meta } from "./sqlite";

/**
 * The channel's durable events: `seq` and the channel's `epoch` (`_meta`), the exact frames
 * (CHANNEL_SCHEMA `events`) and which frames carry which message (`event_refs`, for redaction).
 * The only reader and writer of all four; what resume replays and a shard fills gaps from.
 */
export class EventLog {
  /**
   * seq when this instance opened the storage: every event up to it was published by an earlier
   * instance; later ones are this instance's to deliver (see channel/eventStream.ts).
   */
  readonly seqAtOpen: number;
  private seqCache: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: Meta,
  ) {
    if (this.meta.get("epoch") === undefined) this.meta.set("epoch", crypto.randomUUID());
    this.seqAtOpen = this.seq();
  }

  /** Drawn once per channel: a client that resumes with another epoch's seq gets no replay. */
  epoch(): string {
    return this.meta.get("epoch")!;
  }

  /**
   * The room's current seq. Only this object writes it, so it is read from SQLite once and then
   * kept in step by appendEvent (and dropped if a transaction rolls back: `forget`).
   */
  seq(): number {
    this.seqCache ??= this.meta.get("seq") ?? 0;
    return this.seqCache;
  }

  /** Storage may differ from memory now (a transaction rolled back): the next seq() reads it again. */
  forget(): void {
    this.seqCache = null;
  }

  /**
   * Gives a durable event the next seq and appends its exact frame to the log. Call inside the
   * transaction that stores what the event announces, so a seq is never lost or reused; broadcast
   * the frame after the transaction commits (never inside it: a rolled-back seq is reused).
   */
  appendEvent<N extends EventName>(event: N, payload: EventPayload<N>, now: number): OutFrame {
    const seq = this.seq() + 1;
    const frame = buildEvent(event, payload, now, seq);
    this.sql.exec("INSERT INTO events (seq, frame, created_on) VALUES (?, ?, ?)", seq, frame.text, now);
    for (const id of messageRefs(payload)) this.sql.exec("INSERT INTO event_refs (seq, message_id) VALUES (?, ?)", seq, id);
    this.meta.set("seq", seq);
    this.seqCache = seq;
    return frame;
  }

  /**
   * Drops the oldest log entries that are both beyond the newest `keep` events and older than
   * `maxAgeMs`, so the log keeps at least the last `keep` events and everything of the last
   * `maxAgeMs` (docs/protocol.md#resume). Only a prefix is ever dropped: the log stays one contiguous run
   * of seqs, which is what lets eventsBetween() tell "complete" from "partly trimmed" by counting.
   * Cost: the scan stops at the first entry it keeps, so it reads about as many rows as it deletes.
   */
  trim(keep: number, maxAgeMs: number, now: number): void {
    const upTo = this.seq() - keep;
    if (upTo <= 0) return;
    const young = this.sql
      .exec<{ seq: number }>(
        "SELECT seq FROM events WHERE seq <= ? AND created_on >= ? ORDER BY seq LIMIT 1",
        upTo,
        now - maxAgeMs,
      )
      .toArray()[0];
    const cut = young ? young.seq - 1 : upTo;
    if (cut > 0) {
      this.sql.exec("DELETE FROM events WHERE seq <= ?", cut);
      this.sql.exec("DELETE FROM event_refs WHERE seq <= ?", cut);
    }
  }

  /**
   * Rewrites every logged frame that carries message `id` so it carries `content` instead (its
   * current text after an edit, none after a delete). Call inside the transaction that edits or
   * deletes the message, so the log never holds a frame that history has stopped showing.
   * `forget` drops the message from the index (a deleted message changes no more).
   */
  rewriteMessage(id: number, content: string | object, forget: boolean): void {
    const rows = this.sql
      .exec<{ seq: number; frame: string }>(
        "SELECT e.seq, e.frame FROM event_refs r JOIN events e ON e.seq = r.seq WHERE r.message_id = ?",
        id,
      )
      .toArray();
    for (const row of rows) {
      const event = JSON.parse(row.frame) as { payload: unknown };
      if (setMessageContent(event.payload, id, content)) {
        this.sql.exec("UPDATE events SET frame = ? WHERE seq = ?", JSON.stringify(event), row.seq);
      }
    }
    if (forget) this.sql.exec("DELETE FROM event_refs WHERE message_id = ?", id);
  }

  /** Oldest seq the log still holds (0 when it is empty). */
  firstLoggedSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM events").one().seq ?? 0;
  }

  /**
   * The exact frames of seqs `after`+1 … `upTo`, oldest first, or null when the log no longer
   * holds every one of them: recovery is never partial.
   */
  eventsBetween(after: number, upTo: number): string[] | null {
    if (after < 0 || upTo > this.seq()) return null;
    if (after >= upTo) return [];
    const first = this.firstLoggedSeq();
    if (first === 0 || first > after + 1) return null;
    const rows = this.sql
      .exec<{ seq: number; frame: string }>(
        "SELECT seq, frame FROM events WHERE seq > ? AND seq <= ? ORDER BY seq",
        after,
        upTo,
      )
      .toArray();
    // seq is the primary key, so upTo - after rows starting at after + 1 means none is missing.
    if (rows.length !== upTo - after || rows[0]!.seq !== after + 1) return null;
    return rows.map((r) => r.frame);
  }

  /** Frames after `since` up to the current seq, or null when the log no longer holds all of them. */
  eventsAfter(since: number): string[] | null {
    const current = this.seq();
    return since > current ? null : this.eventsBetween(since, current);
  }
}
