
/**
 * Sockets that have not authenticated yet (each holds memory until its auth deadline), capped
 * per room. Counted in memory so an upgrade costs O(1), not a walk over every socket; unknown
 * after a wake-up until the first upgrade recounts them.
 */
export class PendingAuth {
  private n: number | null = null;

  /** `open`: every open socket, to recount from */
  constructor(private readonly open: () => Iterable<{ s: { uid: number | null } }>) {}

  count(): number {
    if (this.n === null) {
      let n = 0;
      for (const conn of this.open()) if (conn.s.uid === null) n++;
      this.n = n;
    }
    return this.n;
  }

  opened(): void {
    if (this.n !== null) this.n++;
  }

  /** A pending socket authenticated or closed. */
  settled(): void {
    if (this.n !== null && this.n > 0) this.n--;
  }
}

/** The answer to an upgrade beyond the cap: retry once a pending socket's deadline has passed. */
export function refusePending(authDeadlineMs: number): Response {
  return Response.json(
    { meta: { ok: false, error: "too many unauthenticated connections; retry shortly", code: "too_many_pending" } },
    { status: 429, headers: { "Retry-After": String(Math.ceil(authDeadlineMs / 1000)) } },
  );
}
