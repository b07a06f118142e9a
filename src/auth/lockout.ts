/**
 * Login lockout per account (SPEC §2, §6): the third consecutive failure starts a 10 s lock, each
 * further failure after a lock doubles it; attempts during a lock are refused (429) without
 * extending it; a success clears the count. Capped at one hour.
 */
export const LOCK_BASE_MS = 10_000;
const LOCK_MAX_MS = 3_600_000;

export function lockDurationMs(consecutiveFailures: number): number {
  if (consecutiveFailures < 3) return 0;
  return Math.min(LOCK_BASE_MS * 2 ** (consecutiveFailures - 3), LOCK_MAX_MS);
}
