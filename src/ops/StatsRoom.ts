import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { migrate } from "../storage/sqlite";
import type { RoomReport, RoomRow, ShardSummary, StatsRoomRpc } from "../contracts/stats";

export type { RoomReport, RoomRow, ShardSummary } from "../contracts/stats";

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
  // Running totals, moved by each report, and an index for pruning the silent rooms.
  `CREATE INDEX rooms_by_at ON rooms (at);
   CREATE TABLE running (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     connections INTEGER NOT NULL,
     rooms_with_connections INTEGER NOT NULL,
     rooms_known INTEGER NOT NULL,
     messages_in INTEGER NOT NULL,
     messages_out INTEGER NOT NULL,
     alarms_pending INTEGER NOT NULL,
     reports INTEGER NOT NULL
   );
   INSERT INTO running SELECT 1, COALESCE(SUM(connections), 0), COALESCE(SUM(connections > 0), 0), COUNT(*),
     COALESCE(SUM(messages_in), 0), COALESCE(SUM(messages_out), 0), COALESCE(SUM(alarm_at IS NOT NULL), 0), 0 FROM rooms;`,
];

/** Rates are measured over this window of total snapshots, one snapshot per bucket. */
const RATE_WINDOW_MS = 5 * 60_000;
const SNAPSHOT_EVERY_MS = 10_000;
/** Silent rows dropped per report: enough to keep up, few enough that a report stays O(1). */
const PRUNE_PER_REPORT = 4;

type Row = Omit<RoomRow, "room">;

/**
 * One shard of the operator statistics behind system.info (docs/operations.md "system.info").
 * Every room reports to the one shard its label hashes to (src/ops/stats.ts), from the alarm it
 * runs anyway. A report costs the same whatever the number of rooms: it replaces the room's row
 * and moves running totals by the difference, and prunes at most a few rows that fell silent.
 * A summary reads the totals, not the rows.
 */
export class StatsRoom extends DurableObject<Env> implements StatsRoomRpc {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage, SCHEMA);
  }

  /** Takes one room's report; rooms silent for `silenceMs` leave the figures. */
  async report(r: RoomReport, silenceMs: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      const old = sql.exec<Row>("SELECT connections, messages_in, messages_out, alarm_at, at FROM rooms WHERE room = ?", r.room).toArray()[0];
      sql.exec(
        `INSERT OR REPLACE INTO rooms (room, connections, messages_in, messages_out, alarm_at, at) VALUES (?, ?, ?, ?, ?, ?)`,
        r.room,
        r.connections,
        r.messages_in,
        r.messages_out,
        r.alarm_at,
        r.at,
      );
      this.move(old, r, r.in_delta, r.out_delta, 1);
      const silent = sql
        .exec<Row>(
          `DELETE FROM rooms WHERE room IN (SELECT room FROM rooms WHERE at < ? ORDER BY at LIMIT ?)
           RETURNING connections, messages_in, messages_out, alarm_at, at`,
          r.at - silenceMs,
          PRUNE_PER_REPORT,
        )
        .toArray();
      for (const s of silent) this.move(s, undefined, 0, 0, 0);
      const bucket = Math.floor(r.at / SNAPSHOT_EVERY_MS) * SNAPSHOT_EVERY_MS;
      sql.exec(
        "INSERT OR REPLACE INTO totals (at, messages_in, messages_out) SELECT ?, messages_in, messages_out FROM running",
        bucket,
      );
      sql.exec("DELETE FROM totals WHERE at < ?", bucket - RATE_WINDOW_MS);
    });
  }

  /** Moves the running totals from the row that was (`gone`) to the row that is (`came`). */
  private move(gone: Row | undefined, came: Row | undefined, inDelta: number, outDelta: number, reports: number): void {
    const conns = (r: Row | undefined) => r?.connections ?? 0;
    const live = (r: Row | undefined) => Number(conns(r) > 0);
    const armed = (r: Row | undefined) => Number(r !== undefined && r.alarm_at !== null);
    this.ctx.storage.sql.exec(
      `UPDATE running SET connections = connections + ?, rooms_with_connections = rooms_with_connections + ?,
         rooms_known = rooms_known + ?, messages_in = messages_in + ?, messages_out = messages_out + ?,
         alarms_pending = alarms_pending + ?, reports = reports + ?`,
      conns(came) - conns(gone),
      live(came) - live(gone),
      Number(came !== undefined) - Number(gone !== undefined),
      inDelta,
      outDelta,
      armed(came) - armed(gone),
      reports,
    );
  }

  /** This shard's figures; with `perRoomLimit`, up to that many rooms (the busiest first). */
  async summary(perRoomLimit = 0): Promise<ShardSummary> {
    const sql = this.ctx.storage.sql;
    const run = sql
      .exec<{
        connections: number;
        rooms_with_connections: number;
        rooms_known: number;
        messages_in: number;
        messages_out: number;
        alarms_pending: number;
        reports: number;
      }>("SELECT * FROM running")
      .one();
    const first = sql.exec<Snapshot>("SELECT * FROM totals ORDER BY at ASC LIMIT 1").toArray()[0];
    const last = sql.exec<Snapshot>("SELECT * FROM totals ORDER BY at DESC LIMIT 1").toArray()[0];
    const span = first && last && last.at > first.at ? (last.at - first.at) / 1000 : 0;
    const rate = (a: number, b: number) => (span > 0 ? (b - a) / span : 0);
    const summary: ShardSummary = {
      live_connections: run.connections,
      rooms_with_connections: run.rooms_with_connections,
      rooms_known: run.rooms_known,
      messages_in: run.messages_in,
      messages_out: run.messages_out,
      messages_in_per_sec: first && last ? rate(first.messages_in, last.messages_in) : 0,
      messages_out_per_sec: first && last ? rate(first.messages_out, last.messages_out) : 0,
      alarms_pending: run.alarms_pending,
      reports: run.reports,
      oldest_report_at: sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM rooms").one().at,
    };
    if (perRoomLimit > 0) {
      summary.rooms = sql
        .exec<RoomRow & Record<string, SqlStorageValue>>(
          "SELECT room, connections, messages_in, messages_out, alarm_at, at FROM rooms ORDER BY connections DESC, room LIMIT ?",
          perRoomLimit,
        )
        .toArray();
    }
    return summary;
  }
}

type Snapshot = { at: number; messages_in: number; messages_out: number };
