import type { Directory } from "../storage/directory";

/**
 * Login lockout per account: the third consecutive failure starts a 10 s lock, each
 * further failure after a lock doubles it; attempts during a lock are refused (429) without
 * extending it; a success clears the count. Capped at one hour.
 */
export const LOCK_BASE_MS = 10_000;
const LOCK_MAX_MS = 3_600_000;

export function lockDurationMs(consecutiveFailures: number): number {
  if (consecutiveFailures < 3) return 0;
  return Math.min(LOCK_BASE_MS * 2 ** (consecutiveFailures - 3), LOCK_MAX_MS);
}

/** Rounds of compare-and-swap a login may lose to concurrent ones before it is refused as locked. */
const RESERVE_ROUNDS = 8;

export type Reservation = { reserved: true } | { reserved: false; lockedUntil: number };

/**
 * Counts an attempt as a failure before its password is checked (a success clears it again), in
 * one conditional write per round: concurrent guesses each take their own place in the count, so
 * at most three reach the password check before the lock, and one after each lock. Losing every
 * round to concurrent attempts is answered like a lock of one second.
 */
export async function reserveAttempt(dir: Directory, account: string, now: number): Promise<Reservation> {
  for (let round = 0; round < RESERVE_ROUNDS; round++) {
    const held = await dir.throttle(account);
    if (held && held.locked_until > now) return { reserved: false, lockedUntil: held.locked_until };
    const failures = (held?.failures ?? 0) + 1;
    const lock = lockDurationMs(failures);
    if (await dir.swapThrottle(account, held, { failures, locked_until: lock ? now + lock : 0 })) return { reserved: true };
  }
  return { reserved: false, lockedUntil: now + 1000 };
}
