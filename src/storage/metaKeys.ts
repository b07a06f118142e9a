/**
 * Every key a room keeps in its `_meta` table, with the type of its value and the module that
 * reads and writes it. `Meta` (sqlite.ts) accepts only these keys and values, so a misspelt key or
 * a value of the wrong type is a compile error rather than a silently empty read. A family
 * (`typing:<uid>`) is one entry per user. A key no code reads any more stays listed under
 * "retired" until a migration deletes it, so it is never reused with another meaning.
 */
export interface MetaValues {
  // --- every room ---------------------------------------------------------------------------
  /** migrations applied (storage/sqlite.ts `migrate`, by SQL) */
  schema_version: number;
  /** next ping check, 0 when none is due (rooms/socketAlarm.ts) */
  ping_check_at: number;
  /** operator counters, totals as last reported (rooms/roomStats.ts) */
  stats_in: number;
  stats_out: number;
  stats_conns: number;
  stats_at: number;

  // --- a channel room and its shards ----------------------------------------------------------
  /** lease id with the user's UserRoom while the user has a socket here (storage/roomLeases.ts) */
  [lease: `lease:${number}`]: string;
  /** next lease renewal (storage/roomLeases.ts) */
  lease_renew_at: number;
  /**
   * the log's epoch: a room draws it once (storage/eventLog.ts); a shard keeps the copy its room
   * last answered (channel/ChannelShard.ts)
   */
  epoch: string;

  // --- a channel room -------------------------------------------------------------------------
  /** last seq given to a durable event (storage/eventLog.ts) */
  seq: number;
  /** version of the user's global presence last applied here (storage/memberStore.ts) */
  [presenceVersion: `presence_v:${number}`]: number;
  /** when the user's last typing event went out (channel/ChannelRoom.ts) */
  [typing: `typing:${number}`]: number;
  /** the channel is removed: vacate once the directory outbox is delivered (channel/ChannelRoom.ts) */
  vacate_when_delivered: 1;
  /** failed directory deliveries in a row, for the retry backoff (channel/directorySync.ts) */
  directory_attempts: number;

  // --- a channel's fan-out shard --------------------------------------------------------------
  /** highest seq sent to the shard's sockets (channel/ChannelShard.ts) */
  sent: number;

  // --- a user room ----------------------------------------------------------------------------
  /** the user's global presence: online (1/0), its version and when it changed (user/presence.ts) */
  presence_online: 0 | 1;
  presence_v: number;
  presence_at: number;
  /** the room holds the user's whole channel list, not just what it heard of (storage/userChannelStore.ts) */
  channels_complete: 1;
  /** the user's Web Push mode, one of PUSH_MODES (push/notifier.ts) */
  push_mode: string;

  // --- retired ----------------------------------------------------------------------------------
  /** lease holders before `lease:<uid>`; deleted by CHANNEL_SCHEMA's second step */
  lease_holders: never;
}

export type MetaKey = keyof MetaValues & string;
export type MetaValue<K extends MetaKey> = MetaValues[K];
/** What `_meta` can hold. */
export type MetaScalar = string | number;
/** The keys whose values are of type T (what `meta.get<T>(key)` accepts). */
export type MetaKeyOf<T extends MetaScalar> = { [K in MetaKey]: MetaValues[K] extends T ? K : never }[MetaKey];

/** The per-user key families. */
export const metaKey = {
  lease: (userId: number) => `lease:${userId}` as const,
  presenceVersion: (userId: number) => `presence_v:${userId}` as const,
  typing: (userId: number) => `typing:${userId}` as const,
};
