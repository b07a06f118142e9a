/** The hourly quotas a user room keeps for its user (docs/security.md "Quotas"). */
export const QUOTA_KINDS = ["channels", "users_added", "failed_lookups"] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];
export type QuotaCounts = Partial<Record<QuotaKind, number>>;
export type QuotaVerdict = { ok: true } | { ok: false; kind: QuotaKind; retryAfter: number };
