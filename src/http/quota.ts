import type { Env } from "../env";
import { log } from "../ops/log";
import { userRoom } from "../rooms/stubs";
import type { QuotaCounts, QuotaKind, QuotaVerdict } from "../user/quotas";
import { ApiError } from "./errors";

const REFUSALS: Record<QuotaKind, { code: string; message: string }> = {
  channels: { code: "channel_quota", message: "too many channels created; try again later" },
  users_added: { code: "invite_quota", message: "too many users added; try again later" },
  failed_lookups: { code: "lookup_quota", message: "too many invitations to unknown or unwilling users; try again later" },
};

/** A refused quota as the 429 the caller sees; logged, so that a sweep shows up in the logs. */
function enforce(userId: number, verdict: QuotaVerdict): void {
  if (verdict.ok) return;
  const { code, message } = REFUSALS[verdict.kind];
  log("warn", "quota met", { user_id: userId, quota: verdict.kind, retry_after: verdict.retryAfter });
  throw new ApiError(429, code, message, undefined, { "Retry-After": String(verdict.retryAfter) });
}

/**
 * Looks up invitees within the caller's quotas (docs/security.md "Quotas"). Before the lookup it
 * spends `spend` (channels created, users added) and checks that `invitees` more failed lookups
 * would still fit, so a user past the failed-lookup quota gets the same 429 whether or not the
 * invitees exist. A lookup that answers a refusal (unknown or unwilling invitees) gives the spend
 * back and counts every invitee it named as a failed lookup, because the refusal tells which of
 * them exist; past the quota the refusal becomes a 429 that names nobody.
 */
export async function lookupWithinQuota<T>(
  env: Env,
  userId: number,
  invitees: number,
  spend: QuotaCounts,
  lookup: () => Promise<T | ApiError>,
): Promise<T> {
  const room = userRoom(env, userId);
  enforce(userId, await room.reserveQuota(spend, { failed_lookups: invitees }));
  const found = await lookup();
  if (!(found instanceof ApiError)) return found;
  enforce(userId, await room.chargeFailedLookups(invitees, spend));
  throw found;
}
