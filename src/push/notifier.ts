import type { Config } from "../config";
import type { Env } from "../env";
import { log } from "../ops/log";
import type { Clock } from "../rooms/clock";
import type { DomainTimer } from "../rooms/timers";
import { type PendingPushRow, PushStore, type SubscriptionRow } from "../storage/pushStore";
import type { Meta } from "../storage/sqlite";
import type { PushTask } from "./delivery";
import { DEFAULT_PUSH_MODE, PUSH_MODES, type PushKind, type PushMode, payloadFor, wantsPush } from "./notification";

export interface PushHost {
  sql: SqlStorage;
  meta: Meta;
  env: Env;
  config: Config;
  clock: Clock;
  userId(): number | undefined;
  /** true while the user has a live connection anywhere (global presence) */
  online(): boolean;
  unread(channelId: number): { channel: number; total: number };
  armAt(at: number): Promise<void>;
}

/** Where flushed notifications go: the push queue (a test may look at them instead). */
export type PushSink = (tasks: PushTask[]) => Promise<void>;

/** A queue batch holds at most 100 messages. */
const BATCH = 100;

export function queueSink(env: Env): PushSink {
  return async (tasks) => {
    for (let i = 0; i < tasks.length; i += BATCH) {
      await env.PUSH_QUEUE.sendBatch(tasks.slice(i, i + BATCH).map((body) => ({ body, contentType: "json" as const })));
    }
  };
}

/**
 * The user room's half of Web Push (docs/push.md): it decides whether an event is pushed, gathers
 * events per channel for the coalescing window, and at the end of the window (the room's alarm)
 * hands one notification per device to the queue, unless the user came back online meanwhile.
 * Everything pending is in SQLite, so an eviction inside the window loses nothing.
 */
export class PushNotifier {
  readonly store: PushStore;
  sink: PushSink;

  constructor(private readonly h: PushHost) {
    this.store = new PushStore(h.sql);
    this.sink = queueSink(h.env);
  }

  mode(): PushMode {
    const m = this.h.meta.get("push_mode");
    return (PUSH_MODES as readonly string[]).includes(m ?? "") ? (m as PushMode) : DEFAULT_PUSH_MODE;
  }

  setMode(mode: PushMode): void {
    this.h.meta.set("push_mode", mode);
    if (mode === "none") this.store.drop();
  }

  /**
   * An event that may be pushed. `count`: how many messages it adds (an alert about a message that
   * also counts as unread under `all` adds none: the unread update counts it).
   */
  async event(kind: PushKind, e: { channel_id: number; channel_name: string; body: string; message_id: number; count: number }): Promise<void> {
    if (this.h.online() || !wantsPush(this.mode(), kind, this.store.muted(e.channel_id))) return;
    if (this.store.count() === 0) return;
    const now = this.h.clock.now();
    // Each user room has its own jittered window, so the users of one busy channel do not all
    // flush in the same instant.
    const due = now + this.h.config.pushCoalesceMs + Math.floor(Math.random() * this.h.config.pushJitterMs);
    this.store.gather({ ...e, alert: kind === "alert" }, due);
    await this.h.armAt(this.store.earliest() ?? due);
  }

  timer(): DomainTimer {
    return {
      next: () => this.store.earliest(),
      run: (now) => this.flush(now),
    };
  }

  private async flush(now: number): Promise<void> {
    const rows = this.store.takeDue(now);
    const userId = this.h.userId();
    // Back online within the window: the user sees it all live, nothing is pushed.
    if (rows.length === 0 || userId === undefined || this.h.online()) return;
    const subs = this.store.subscriptions();
    const tasks = rows.flatMap((row) => this.tasks(userId, row, subs));
    if (tasks.length === 0) return;
    try {
      await this.sink(tasks);
    } catch (err) {
      log("error", "push enqueue failed", { user_id: userId, err: String(err) });
    }
  }

  private tasks(userId: number, row: PendingPushRow, subs: readonly SubscriptionRow[]): PushTask[] {
    const payload = JSON.stringify(payloadFor(row, this.h.unread(row.channel_id)));
    return subs.map((s) => ({
      user_id: userId,
      subscription_id: s.id,
      endpoint: s.endpoint,
      p256dh: s.p256dh,
      auth: s.auth,
      payload,
      topic: `channel-${row.channel_id}`,
      urgency: row.alerts > 0 ? "high" : "normal",
    }));
  }
}
