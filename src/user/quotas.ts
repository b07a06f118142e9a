import type { Config } from "../config";
import type { Bucket, QuotaStore } from "../storage/quotaStore";
import type { QuotaCounts, QuotaKind, QuotaVerdict } from "../contracts/quota";

export { QUOTA_KINDS, type QuotaCounts, type QuotaKind, type QuotaVerdict } from "../contracts/quota";

/**
 * A user's hourly quotas (docs/security.md "Quotas"). Each is a bucket that holds at most its
 * hourly limit and drains at that limit per hour, so a user can spend the whole hour's quota at
 * once and then one unit per (hour / limit). The buckets live in the user's own UserRoom: one
 * object per user serializes that user's requests, so a check and its spend are one synchronous
 * step and concurrent requests can never both take the last unit.
 */

const HOUR_MS = 3_600_000;

export function hourlyLimit(config: Config, kind: QuotaKind): number {
  switch (kind) {
    case "channels":
      return config.channelsPerHour;
    case "users_added":
      return config.usersAddedPerHour;
    case "failed_lookups":
      return config.failedLookupsPerHour;
  }
}

/** The bucket's level at `now`, after draining since it was last written. */
export function levelAt(bucket: Bucket | null, limit: number, now: number): number {
  if (!bucket) return 0;
  return Math.max(0, bucket.level - (Math.max(0, now - bucket.at) * limit) / HOUR_MS);
}

/** Whole seconds until a bucket at `level` has drained to `limit` (at least 1). */
export function secondsUntilWithin(level: number, limit: number): number {
  return Math.max(1, Math.ceil(((level - limit) * HOUR_MS) / limit / 1000));
}

function counted(counts: QuotaCounts): [QuotaKind, number][] {
  return (Object.entries(counts) as [QuotaKind, number][]).filter(([, n]) => n > 0);
}

export class Quotas {
  constructor(
    private readonly store: QuotaStore,
    private readonly config: Config,
  ) {}

  private level(kind: QuotaKind, now: number): number {
    return levelAt(this.store.get(kind), hourlyLimit(this.config, kind), now);
  }

  /**
   * All or nothing: spends `spend` when every count of it fits, and so does every count of
   * `headroom` (checked, not spent); otherwise spends nothing and names the first that does not fit.
   */
  reserve(spend: QuotaCounts, headroom: QuotaCounts, now: number): QuotaVerdict {
    const next: [QuotaKind, number][] = [];
    const checks = [...counted(spend).map((c) => [...c, true] as const), ...counted(headroom).map((c) => [...c, false] as const)];
    for (const [kind, n, spent] of checks) {
      const limit = hourlyLimit(this.config, kind);
      const level = this.level(kind, now) + n;
      if (level > limit) return { ok: false, kind, retryAfter: secondsUntilWithin(level, limit) };
      if (spent) next.push([kind, level]);
    }
    for (const [kind, level] of next) this.store.set(kind, { level, at: now });
    return { ok: true };
  }

  /** Gives back `refund`, then charges `n` failed lookups whatever the level; ok while within the limit. */
  chargeFailedLookups(n: number, refund: QuotaCounts, now: number): QuotaVerdict {
    for (const [kind, back] of counted(refund)) this.store.set(kind, { level: Math.max(0, this.level(kind, now) - back), at: now });
    const limit = hourlyLimit(this.config, "failed_lookups");
    const level = this.level("failed_lookups", now) + n;
    this.store.set("failed_lookups", { level, at: now });
    return level > limit ? { ok: false, kind: "failed_lookups", retryAfter: secondsUntilWithin(level, limit) } : { ok: true };
  }
}
