/**
 * Reconnect delays: exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): the delay is uniform in [0, min(max, base · 2^attempt)). Spreading
 * reconnects over the whole window keeps a deploy or an outage from turning every client's
 * retry into one synchronized stampede.
 */
export interface BackoffOptions {
  /** ceiling of the first retry's window, ms */
  baseMs: number;
  /** no window grows beyond this, ms */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/** The window of retry number `attempt` (0 = first retry after a drop). */
export function backoffCeiling(attempt: number, opts: BackoffOptions): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2^n overflows to Infinity for large n, which min() turns into maxMs.
  return Math.min(opts.maxMs, opts.baseMs * 2 ** n);
}

/** A delay in [0, ceiling); `random` returns a number in [0, 1) (injectable for tests). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeiling(attempt, opts));
}
