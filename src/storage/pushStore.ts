/**
 * Web Push state in the user room's SQLite (USER_SCHEMA's push step): the user's browser
 * subscriptions, the channels they muted, and the notifications gathered for the coalescing
 * window (one row per channel, flushed by the room's alarm). The preference itself is a `_meta` key.
 */
export type SubscriptionRow = {
  id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_on: number;
};

export type PendingPushRow = {
  channel_id: number;
  due: number;
  /** messages and alerts gathered in this window */
  count: number;
  alerts: number;
  channel_name: string;
  /** what a single notification would say: the alert text or "Name: snippet" */
  body: string;
  message_id: number;
};

export interface PushEvent {
  channel_id: number;
  channel_name: string;
  body: string;
  message_id: number;
  count: number;
  alert: boolean;
}

export class PushStore {
  constructor(private readonly sql: SqlStorage) {}

  subscriptions(): SubscriptionRow[] {
    return this.sql.exec<SubscriptionRow>("SELECT * FROM push_subscriptions ORDER BY id").toArray();
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM push_subscriptions").one().n;
  }

  byEndpoint(endpoint: string): SubscriptionRow | null {
    return this.sql.exec<SubscriptionRow>("SELECT * FROM push_subscriptions WHERE endpoint = ?", endpoint).toArray()[0] ?? null;
  }

  /** Adds a subscription, or gives an endpoint already held its new keys (a browser re-subscribing). */
  upsert(s: { endpoint: string; p256dh: string; auth: string }, now: number): SubscriptionRow {
    return this.sql
      .exec<SubscriptionRow>(
        `INSERT INTO push_subscriptions (endpoint, p256dh, auth, created_on) VALUES (?, ?, ?, ?)
         ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth
         RETURNING *`,
        s.endpoint,
        s.p256dh,
        s.auth,
        now,
      )
      .one();
  }

  /** Removes by id; with `endpoint`, only while the row still has it (a re-subscribed endpoint stays). */
  remove(id: number, endpoint?: string): boolean {
    const cursor =
      endpoint === undefined
        ? this.sql.exec("DELETE FROM push_subscriptions WHERE id = ?", id)
        : this.sql.exec("DELETE FROM push_subscriptions WHERE id = ? AND endpoint = ?", id, endpoint);
    return cursor.rowsWritten > 0;
  }

  removeAll(): void {
    this.sql.exec("DELETE FROM push_subscriptions");
    this.sql.exec("DELETE FROM push_pending");
  }

  muted(channelId: number): boolean {
    return this.sql.exec("SELECT 1 FROM push_mutes WHERE channel_id = ?", channelId).toArray().length > 0;
  }

  mutes(): number[] {
    return this.sql.exec<{ channel_id: number }>("SELECT channel_id FROM push_mutes ORDER BY channel_id").toArray().map((r) => r.channel_id);
  }

  setMuted(channelId: number, muted: boolean): void {
    if (muted) this.sql.exec("INSERT OR IGNORE INTO push_mutes (channel_id) VALUES (?)", channelId);
    else this.sql.exec("DELETE FROM push_mutes WHERE channel_id = ?", channelId);
    if (muted) this.drop(channelId);
  }

  /**
   * Gathers an event into its channel's row: the first one opens the window (`due`), later ones
   * add to the count and become what a single notification would say.
   */
  gather(e: PushEvent, due: number): void {
    this.sql.exec(
      `INSERT INTO push_pending (channel_id, due, count, alerts, channel_name, body, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel_id) DO UPDATE SET count = count + excluded.count, alerts = alerts + excluded.alerts,
         channel_name = excluded.channel_name, body = excluded.body, message_id = MAX(message_id, excluded.message_id)`,
      e.channel_id,
      due,
      e.count,
      e.alert ? 1 : 0,
      e.channel_name,
      e.body,
      e.message_id,
    );
  }

  /** Takes (returns and deletes) the rows due at `now`. */
  takeDue(now: number): PendingPushRow[] {
    return this.sql.exec<PendingPushRow>("DELETE FROM push_pending WHERE due <= ? RETURNING *", now).toArray();
  }

  pending(): PendingPushRow[] {
    return this.sql.exec<PendingPushRow>("SELECT * FROM push_pending ORDER BY due").toArray();
  }

  drop(channelId?: number): void {
    if (channelId === undefined) this.sql.exec("DELETE FROM push_pending");
    else this.sql.exec("DELETE FROM push_pending WHERE channel_id = ?", channelId);
  }

  earliest(): number | null {
    return this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM push_pending").one().due;
  }
}
