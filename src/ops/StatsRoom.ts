import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { migrate } from "../storage/sqlite";

/**
 * Operator statistics: every room reports its totals here from the alarm it already runs (every
 * ping interval while it has sockets, and once when its last socket leaves), so system.info is
 * one call that wakes no room. Figures are as fresh as the last report (≤ one ping interval).
 */
export interface RoomReport {
  room: string;
  connections: number;
  messages_in: number;
  messages_out: number;
  alarm_at: number | null;
  at: number;
}

export interface StatsSummary {
  live_connections: number;
  rooms_with_connections: number;
  messages_in: number;
  messages_out: number;
  messages_in_per_sec: number;
  messages_out_per_sec: number;
  alarms_pending: number;
  rooms?: RoomReport[];
}

const SCHEMA = [
  `CREATE TABLE rooms (
     room TEXT PRIMARY KEY,
     connections INTEGER NOT NULL,
     messages_in INTEGER NOT NULL,
     messages_out INTEGER NOT NULL,
     alarm_at INTEGER,
     at INTEGER NOT NULL
   );
   CREATE TABLE totals (at INTEGER PRIMARY KEY, messages_in INTEGER NOT NULL, messages_out INTEGER NOT NULL);`,
];

/** Rates are measured over this window of total snapshots. */
const RATE_WINDOW_MS = 5 * 60_000;

export class StatsRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, SCHEMA);
  }

  async report(r: RoomReport): Promise<void> {
    const sql = this.ctx.storage.sql;
    sql.exec(
      `INSERT INTO rooms (room, connections, messages_in, messages_out, alarm_at, at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (room) DO UPDATE SET connections = excluded.connections, messages_in = excluded.messages_in,
         messages_out = excluded.messages_out, alarm_at = excluded.alarm_at, at = excluded.at`,
      r.room,
      r.connections,
      r.messages_in,
      r.messages_out,
      r.alarm_at,
      r.at,
    );
    const t = sql.exec<{ i: number; o: number }>("SELECT SUM(messages_in) AS i, SUM(messages_out) AS o FROM rooms").one();
    sql.exec("INSERT OR REPLACE INTO totals (at, messages_in, messages_out) VALUES (?, ?, ?)", r.at, t.i ?? 0, t.o ?? 0);
    sql.exec("DELETE FROM totals WHERE at < ?", r.at - RATE_WINDOW_MS);
  }

  async summary(now: number, perRoom: boolean): Promise<StatsSummary> {
    const sql = this.ctx.storage.sql;
    const agg = sql
      .exec<{ c: number | null; r: number | null; i: number | null; o: number | null; a: number | null }>(
        `SELECT SUM(connections) AS c, SUM(connections > 0) AS r, SUM(messages_in) AS i, SUM(messages_out) AS o,
                SUM(alarm_at IS NOT NULL AND alarm_at >= ?) AS a FROM rooms`,
        now - 60_000,
      )
      .one();
    const first = sql
      .exec<{ at: number; messages_in: number; messages_out: number }>("SELECT * FROM totals ORDER BY at ASC LIMIT 1")
      .toArray()[0];
    const last = sql
      .exec<{ at: number; messages_in: number; messages_out: number }>("SELECT * FROM totals ORDER BY at DESC LIMIT 1")
      .toArray()[0];
    const span = first && last && last.at > first.at ? (last.at - first.at) / 1000 : 0;
    const rate = (a: number, b: number) => (span > 0 ? Math.round(((b - a) / span) * 100) / 100 : 0);
    const summary: StatsSummary = {
      live_connections: agg.c ?? 0,
      rooms_with_connections: agg.r ?? 0,
      messages_in: agg.i ?? 0,
      messages_out: agg.o ?? 0,
      messages_in_per_sec: first && last ? rate(first.messages_in, last.messages_in) : 0,
      messages_out_per_sec: first && last ? rate(first.messages_out, last.messages_out) : 0,
      alarms_pending: agg.a ?? 0,
    };
    if (perRoom) {
      summary.rooms = sql.exec<RoomReport & Record<string, SqlStorageValue>>("SELECT * FROM rooms ORDER BY room").toArray();
    }
    return summary;
  }
}
