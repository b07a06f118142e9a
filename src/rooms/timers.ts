/**
 * A domain timer served by the room's one alarm (a room has one alarm, which serves every timer,
 * re-armed to the earliest). Each domain (locks, coalesced updates, presence leases) registers one.
 */
export interface DomainTimer {
  /** Earliest pending deadline (ms, room clock), or null when nothing is pending. */
  next(): number | null;
  /** Runs whatever is due at `now`. */
  run(now: number): Promise<void> | void;
}

export function earliest(timers: readonly DomainTimer[]): number | null {
  let best: number | null = null;
  for (const t of timers) {
    const n = t.next();
    if (n !== null && (best === null || n < best)) best = n;
  }
  return best;
}

export async function runDue(timers: readonly DomainTimer[], now: number): Promise<void> {
  for (const t of timers) {
    const n = t.next();
    if (n !== null && n <= now) await t.run(now);
  }
}
