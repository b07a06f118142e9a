/** What every room reports to its stats shard, and what a shard sums up (docs/operations.md "system.info"). */
export interface RoomReport {
  room: string;
  connections: number;
  /** the room's own running totals (what `rooms=1` shows) */
  messages_in: number;
  messages_out: number;
  /** frames since the room's previous report (what the shard's totals and rates add up) */
  in_delta: number;
  out_delta: number;
  alarm_at: number | null;
  at: number;
}

export type RoomRow = Omit<RoomReport, "in_delta" | "out_delta">;

export interface ShardSummary {
  live_connections: number;
  rooms_with_connections: number;
  rooms_known: number;
  messages_in: number;
  messages_out: number;
  messages_in_per_sec: number;
  messages_out_per_sec: number;
  alarms_pending: number;
  /** reports this shard took (the load it carries) */
  reports: number;
  /** oldest report still counted, or null with no rooms */
  oldest_report_at: number | null;
  rooms?: RoomRow[];
}

/** A stats shard's RPC methods (src/ops/StatsRoom.ts). */
export interface StatsRoomRpc extends Rpc.DurableObjectBranded {
  report(r: RoomReport, silenceMs: number): Promise<void>;
  summary(perRoomLimit?: number): Promise<ShardSummary>;
}
