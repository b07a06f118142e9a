import type { Config } from "../config";
import type { Env } from "../env";
import { log } from "./log";
import type { RoomReport, RoomRow, ShardSummary } from "./StatsRoom";

/**
 * Where rooms' figures go (docs/operations.md "Metrics" and "system.info"): a data point per
 * report to Workers Analytics Engine (history, per-room charts), and the room's row in its
 * stats shard (the live view). A room always reports to the same shard: FNV-1a of its label.
 */
export function shardOf(room: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < room.length; i++) {
    h ^= room.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export function statsShard(env: Env, index: number) {
  return env.STATS.get(env.STATS.idFromName(`stats:${index}`));
}

/** A report plus the room's alarm runs since its previous one (Analytics Engine only). */
export type RoomFigures = RoomReport & { alarms: number };

/**
 * The data point's layout, which the SQL API queries in docs/operations.md name:
 * index1 room · blob1 kind (channel|user) · blob2 room · blob3 environment ·
 * double1 connections · double2 frames in · double3 frames out · double4 alarm runs ·
 * double5 alarm armed (0|1). Counters are deltas since the room's previous point.
 */
export function dataPoint(f: RoomFigures, environment: string): AnalyticsEngineDataPoint {
  return {
    indexes: [f.room],
    blobs: [f.room.slice(0, f.room.indexOf(":")), f.room, environment],
    doubles: [f.connections, f.in_delta, f.out_delta, f.alarms, f.alarm_at === null ? 0 : 1],
  };
}

/** Sends a room's figures to both; never throws (figures are best effort, the room's work is not). */
export async function reportRoom(env: Env, config: Config, f: RoomFigures): Promise<void> {
  try {
    env.METRICS?.writeDataPoint(dataPoint(f, config.environment));
    const { alarms: _a, ...report } = f;
    await statsShard(env, shardOf(f.room, config.statsShards)).report(report, config.statsSilenceMs);
  } catch (err) {
    log("warn", "stats report failed", { room: f.room, err: String(err) });
  }
}

export interface SystemSummary extends Omit<ShardSummary, "reports" | "oldest_report_at" | "rooms"> {
  /** when the figures were read, and the age of the oldest report they include */
  as_of: number;
  oldest_report_age_ms: number | null;
  /** rooms silent this long are no longer counted */
  stale_after_ms: number;
  shards: number;
  shards_unavailable: number;
  rooms?: RoomRow[];
}

/** system.info: one call per shard, in parallel; the answer says how fresh it is. */
export async function systemSummary(env: Env, config: Config, now: number, perRoom: boolean): Promise<SystemSummary> {
  const limit = perRoom ? Math.ceil(ROOMS_LISTED / config.statsShards) : 0;
  const answers = await Promise.allSettled(
    Array.from({ length: config.statsShards }, (_, i) => statsShard(env, i).summary(limit)),
  );
  const out: SystemSummary = {
    live_connections: 0,
    rooms_with_connections: 0,
    rooms_known: 0,
    messages_in: 0,
    messages_out: 0,
    messages_in_per_sec: 0,
    messages_out_per_sec: 0,
    alarms_pending: 0,
    as_of: now,
    oldest_report_age_ms: null,
    stale_after_ms: config.statsSilenceMs,
    shards: config.statsShards,
    shards_unavailable: 0,
  };
  const rooms: RoomRow[] = [];
  for (const a of answers) {
    if (a.status === "rejected") {
      out.shards_unavailable++;
      continue;
    }
    const s = a.value;
    for (const k of SUMMED) out[k] += s[k];
    if (s.oldest_report_at !== null) out.oldest_report_age_ms = Math.max(out.oldest_report_age_ms ?? 0, now - s.oldest_report_at);
    if (s.rooms) rooms.push(...s.rooms);
  }
  out.messages_in_per_sec = Math.round(out.messages_in_per_sec * 100) / 100;
  out.messages_out_per_sec = Math.round(out.messages_out_per_sec * 100) / 100;
  if (perRoom) out.rooms = rooms.sort((a, b) => b.connections - a.connections || a.room.localeCompare(b.room));
  return out;
}

/** `rooms=1` lists about this many rooms (the busiest of each shard), not every room known. */
const ROOMS_LISTED = 1000;

const SUMMED = [
  "live_connections",
  "rooms_with_connections",
  "rooms_known",
  "messages_in",
  "messages_out",
  "messages_in_per_sec",
  "messages_out_per_sec",
  "alarms_pending",
] as const;
