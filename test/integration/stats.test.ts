import { SELF, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import type { Env } from "../../src/env";
import type { RoomReport, StatsRoom } from "../../src/ops/StatsRoom";
import { reportRoom, shardOf, statsShard } from "../../src/ops/stats";
import { BASE } from "../helpers/workerd";

/**
 * system.info's live view at scale (docs/operations.md "system.info"): rooms spread over the stats
 * shards, and what one report costs a shard does not grow with the rooms it knows.
 */

const config = loadConfig(env as unknown as Record<string, unknown>);

function figures(room: string, connections: number, at: number): RoomReport & { alarms: number } {
  return { room, connections, messages_in: 10, messages_out: 20, in_delta: 10, out_delta: 20, alarm_at: at + 25_000, at, alarms: 1 };
}

async function shardReports(): Promise<number[]> {
  return Promise.all(Array.from({ length: config.statsShards }, async (_, i) => (await statsShard(env as Env, i).summary()).reports));
}

async function systemInfo(): Promise<Record<string, any>> {
  const res = await SELF.fetch(`${BASE}/api/v1/system.info`, { headers: { authorization: "Bearer test-operator-token" } });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).system;
}

/** Rows read and written by the SQL one report runs in a shard already holding `known` rooms. */
async function reportCost(shard: number, known: number, silent: number): Promise<{ read: number; written: number }> {
  return runInDurableObject(statsShard(env as Env, shard), async (instance: StatsRoom, state) => {
    const sql = state.storage.sql;
    const now = Date.now();
    // `known` rooms reported a minute ago, `silent` of them long enough ago to be pruned
    sql.exec("DELETE FROM rooms");
    sql.exec(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO rooms (room, connections, messages_in, messages_out, alarm_at, at)
       SELECT 'channel:' || i, 1, 5, 5, NULL, CASE WHEN i <= ? THEN ? ELSE ? END FROM n`,
      known,
      silent,
      now - config.statsSilenceMs - 1,
      now - 60_000,
    );
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
    const exec = sql.exec.bind(sql);
    Object.defineProperty(sql, "exec", {
      configurable: true,
      value: (...args: Parameters<SqlStorage["exec"]>) => {
        const c = exec(...args);
        cursors.push(c);
        return c;
      },
    });
    try {
      await instance.report(figures("channel:42", 3, now), config.statsSilenceMs);
    } finally {
      delete (sql as unknown as Record<string, unknown>).exec;
    }
    return {
      read: cursors.reduce((n, c) => n + c.rowsRead, 0),
      written: cursors.reduce((n, c) => n + c.rowsWritten, 0),
    };
  });
}

describe("stats shards under many rooms", () => {
  it("2,000 rooms reporting: every shard takes about its share, and system.info adds them up", async () => {
    const before = await shardReports();
    const infoBefore = await systemInfo();
    const now = Date.now();
    const rooms = Array.from({ length: 2000 }, (_, i) => (i % 2 ? `user:${91_500_000 + i}` : `channel:${11_500_000 + i}`));
    for (let i = 0; i < rooms.length; i += 100) {
      await Promise.all(rooms.slice(i, i + 100).map((room) => reportRoom(env as Env, config, figures(room, 2, now))));
    }
    const after = await shardReports();
    const counts = after.map((n, i) => n - before[i]!);
    const share = rooms.length / config.statsShards;
    console.log(`[stats] ${rooms.length} rooms over ${config.statsShards} shards; reports per shard: ${counts.join(" ")} (share ${share})`);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Math.max(...counts)).toBeLessThanOrEqual(share * 1.5);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(share * 0.5);
    // a room's row is in the shard its label hashes to
    const home = await statsShard(env as Env, shardOf(rooms[0]!, config.statsShards)).summary(1000);
    expect(home.rooms?.find((r) => r.room === rooms[0])).toMatchObject({ connections: 2, messages_in: 10 });

    const info = await systemInfo();
    expect(info.live_connections - infoBefore.live_connections).toBe(4000);
    expect(info.rooms_known - infoBefore.rooms_known).toBe(2000);
    expect(info.messages_in - infoBefore.messages_in).toBe(20_000);
    expect(info).toMatchObject({ shards: config.statsShards, shards_unavailable: 0, stale_after_ms: config.statsSilenceMs });
    expect(info.oldest_report_age_ms).toBeGreaterThanOrEqual(0);
    expect(info.as_of).toBeGreaterThanOrEqual(now);
  }, 120_000);

  it("a report costs the same with 1,000 or 10,000 known rooms, silent ones included", async () => {
    const small = await reportCost(0, 1_000, 0);
    const large = await reportCost(0, 10_000, 0);
    const pruning = await reportCost(0, 10_000, 5_000);
    console.log(`[stats] rows read/written per report: 1,000 rooms ${small.read}/${small.written}; 10,000 rooms ${large.read}/${large.written}; 10,000 with 5,000 silent ${pruning.read}/${pruning.written}`);
    expect(large.read).toBeLessThanOrEqual(small.read + 5); // an index lookup, not a scan
    expect(large.read).toBeLessThan(100);
    expect(pruning.read).toBeLessThan(100);
    expect(pruning.written).toBeLessThan(100);
  }, 60_000);

  it("rooms silent for STATS_SILENCE_MS leave the figures, a few per report", async () => {
    const shard = statsShard(env as Env, 1);
    const now = Date.now();
    await runInDurableObject(shard, async (instance: StatsRoom) => {
      await instance.report(figures("channel:old-1", 5, now - config.statsSilenceMs - 10), config.statsSilenceMs);
      await instance.report(figures("channel:old-2", 5, now - config.statsSilenceMs - 5), config.statsSilenceMs);
    });
    const before = await shard.summary();
    await runInDurableObject(shard, (instance: StatsRoom) => instance.report(figures("channel:fresh", 1, now), config.statsSilenceMs));
    const after = await shard.summary();
    expect(after.live_connections - before.live_connections).toBe(1 - 10);
    expect(after.rooms_known - before.rooms_known).toBe(1 - 2);
    expect(after.oldest_report_at).toBeGreaterThan(now - config.statsSilenceMs);
  });
});
