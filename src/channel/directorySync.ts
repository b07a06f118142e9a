import { log } from "../ops/log";
import type { DomainTimer } from "../rooms/timers";
import { Directory, type IndexChange } from "../storage/directory";
import type { OutboxStore } from "../storage/outboxStore";
import type { PendingStore } from "../storage/pendingStore";
import type { ChannelRow, ChannelStore, MemberRow } from "../storage/channelStore";
import type { Meta } from "../storage/sqlite";
import type { DirectoryReport } from "../contracts/channelRoom";
import { type Result, noChannel, ok } from "../rooms/errors";
import type { Capability } from "./capability";

export type { DirectoryReport } from "../contracts/channelRoom";

/** Changes applied to D1 per batch (one D1 transaction). */
const BATCH = 50;
const KIND = "directory";
const KEY = "outbox";
const ATTEMPTS = "directory_attempts";

export interface DirectorySyncDeps {
  outbox: OutboxStore;
  pending: PendingStore;
  meta: Meta;
  db: () => D1Database;
  now: () => number;
  armAt: (at: number) => Promise<void>;
  /** drops an alarm nothing else needs (the one `settle` armed, once delivery succeeded) */
  disarmIfIdle: () => Promise<void>;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** The changes that make the directory's entry equal to the room's state, whatever it held. */
export function fullIndex(channel: ChannelRow, members: readonly MemberRow[]): IndexChange[] {
  if (channel.removed) return [{ op: "remove_channel", channel_id: channel.id }];
  return [
    { op: "rename", channel_id: channel.id, channel_name: channel.channel_name },
    { op: "replace_members", channel_id: channel.id, members: members.map((m) => ({ user_id: m.user_id, user_role: m.user_role })) },
  ];
}

/** Wait before delivery attempt `attempt + 1` after `attempt` failures: doubling, capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Keeps the D1 directory in step with the channel room that owns the facts. The room records each
 * index change in its outbox inside the transaction that makes the change; delivery then runs at
 * once and, while D1 fails, again from the room's alarm with doubling waits, until D1 has applied
 * every row. Deliveries never overlap: an older batch landing after a newer one would undo it.
 */
export class DirectorySync implements Capability {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly d: DirectorySyncDeps) {}

  /** Records a change. Call inside the room's transaction, then `settle()` after it. */
  record(change: IndexChange): void {
    const now = this.d.now();
    this.d.outbox.add(change, now);
    this.d.pending.schedule(KIND, KEY, now + this.d.retryBaseMs);
  }

  /**
   * Delivers what is pending. The alarm is armed first, so an eviction or a crash before delivery
   * still ends in a delivery. Never throws: a failed delivery is the alarm's to retry.
   */
  async settle(): Promise<void> {
    const due = this.d.pending.get(KIND, KEY);
    if (due === null) return;
    await this.d.armAt(due);
    await this.flush();
    if (this.d.pending.get(KIND, KEY) === null) await this.d.disarmIfIdle();
  }

  /** Changes are recorded that D1 has not applied yet. */
  pending(): boolean {
    return this.d.pending.get(KIND, KEY) !== null;
  }

  timer(): DomainTimer {
    return { next: () => this.d.pending.get(KIND, KEY), run: () => this.flush() };
  }

  /** How the directory's entry differs from the room's own state. */
  async compare(channel: ChannelRow, members: readonly MemberRow[]): Promise<DirectoryReport> {
    const entry = await new Directory(this.d.db()).channelIndex(channel.id);
    const want = new Map(channel.removed ? [] : members.map((m) => [m.user_id, m.user_role]));
    const have = new Map((entry?.members ?? []).map((m) => [m.user_id, m.user_role]));
    const report: DirectoryReport = {
      channel_id: channel.id,
      in_sync: false,
      backlog: this.d.outbox.size(),
      missing: [...want.keys()].filter((id) => !have.has(id)),
      extra: [...have.keys()].filter((id) => !want.has(id)),
      wrong_role: [...want].filter(([id, role]) => have.has(id) && have.get(id) !== role).map(([id]) => id),
      name_differs: entry !== null && entry.channel_name !== channel.channel_name,
      removed_differs: entry !== null && entry.removed !== (channel.removed === 1),
      repaired: false,
    };
    report.in_sync =
      entry !== null &&
      report.missing.length + report.extra.length + report.wrong_role.length === 0 &&
      !report.name_differs &&
      !report.removed_differs;
    return report;
  }

  private flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
        } while ((await this.deliver()) && this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Delivers the outbox in order; false when D1 failed (a retry is scheduled). */
  private async deliver(): Promise<boolean> {
    for (;;) {
      const rows = this.d.outbox.head(BATCH);
      if (rows.length === 0) {
        this.d.pending.remove(KIND, KEY);
        this.d.meta.delete(ATTEMPTS);
        return true;
      }
      try {
        await new Directory(this.d.db()).apply(rows.map((r) => r.change));
      } catch (err) {
        const attempts = (this.d.meta.get<number>(ATTEMPTS) ?? 0) + 1;
        this.d.meta.set(ATTEMPTS, attempts);
        const due = this.d.now() + retryDelayMs(attempts, this.d.retryBaseMs, this.d.retryMaxMs);
        this.d.pending.set(KIND, KEY, due);
        await this.d.armAt(due);
        log("warn", "directory delivery failed; retrying from the alarm", {
          channel_id: rows[0]!.change.channel_id,
          attempts,
          backlog: this.d.outbox.size(),
          err: String(err),
        });
        return false;
      }
      this.d.outbox.delivered(rows[rows.length - 1]!.id);
      this.d.meta.delete(ATTEMPTS);
    }
  }
}

/**
 * Operator consistency check of the channel's directory entry against the room (the owner of the
 * facts); with `repair`, queues the room's whole state for delivery and delivers it.
 */
export async function checkDirectory(store: ChannelStore, directory: DirectorySync, repair: boolean): Promise<Result<DirectoryReport>> {
  const channel = store.channel();
  if (!channel) return noChannel();
  const before = await directory.compare(channel, store.members());
  if (!repair || before.in_sync) return ok(before);
  store.transaction(() => {
    for (const change of fullIndex(channel, store.members())) directory.record(change);
  });
  await directory.settle();
  return ok({ ...(await directory.compare(channel, store.members())), repaired: true });
}
