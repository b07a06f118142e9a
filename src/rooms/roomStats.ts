import type { Config } from "../config";
import type { Env } from "../env";
import { reportRoom } from "../ops/stats";
import type { Meta } from "../storage/sqlite";
import type { Clock } from "./clock";

/**
 * A room's operator counters (system.info, Analytics Engine): frames in and out and alarm runs
 * since the last report, folded into totals kept in `_meta` (`stats_*`) when reported.
 */
export class RoomStats {
  /** frames received and sent, and alarm runs, since the last report */
  readonly counted = { in: 0, out: 0, alarms: 0 };

  constructor(
    private readonly h: { env: Env; config: Config; meta: Meta; clock: Clock; label: () => string },
  ) {}

  /**
   * Folds the counters into the room's totals and reports them (src/ops/stats.ts). A room whose
   * figures did not change reports again only before its stats row would count as silent, so
   * idle rooms cost the stats shards and Analytics Engine little.
   */
  async report(connections: number, alarmAt: number | null): Promise<void> {
    const { meta, config } = this.h;
    const now = this.h.clock.now();
    const { in: inDelta, out: outDelta, alarms } = this.counted;
    const lastAt = meta.get("stats_at") ?? 0;
    const unchanged = inDelta === 0 && outDelta === 0 && connections === (meta.get("stats_conns") ?? -1);
    if (unchanged && now - lastAt < config.statsSilenceMs / 2) return;
    const messagesIn = (meta.get("stats_in") ?? 0) + inDelta;
    const messagesOut = (meta.get("stats_out") ?? 0) + outDelta;
    meta.set("stats_in", messagesIn);
    meta.set("stats_out", messagesOut);
    meta.set("stats_conns", connections);
    meta.set("stats_at", now);
    this.counted.in = 0;
    this.counted.out = 0;
    this.counted.alarms = 0;
    await reportRoom(this.h.env, config, {
      room: this.h.label(),
      connections,
      messages_in: messagesIn,
      messages_out: messagesOut,
      in_delta: inDelta,
      out_delta: outDelta,
      alarms,
      alarm_at: alarmAt,
      at: now,
    });
  }
}
