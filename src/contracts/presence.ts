/**
 * A user's global presence. `v` grows by one at every transition, so a channel room that hears
 * about two transitions out of order keeps the newer one; `at` is when it happened.
 */
export interface PresenceState {
  online: boolean;
  v: number;
  at: number;
}

/**
 * Liveness timing derived from the ping interval (docs/protocol.md, "Liveness"): rooms renew every interval, a lease
 * lives two intervals, so a connection whose room stops reporting is dropped within two intervals
 * of the last renewal while one late renewal (up to a full interval) never flaps presence.
 */
export function leaseTiming(pingIntervalMs: number): { renewEveryMs: number; ttlMs: number } {
  return { renewEveryMs: pingIntervalMs, ttlMs: 2 * pingIntervalMs };
}
