import { parseId } from "../protocol/ids";

/**
 * The id a socket upgrade was routed by: the worker validated `/rtm/ws/<kind>/<id>` and forwards
 * the request untouched (copying it to add a header was a tenth of the worker's upgrade cost).
 * Clients cannot reach a room except through that route.
 */
const ROUTED_ID = /\/rtm\/ws\/[^/]+\/([^/?#]+)(?:[?#]|$)/;

export function routedId(url: string): number | null {
  const raw = ROUTED_ID.exec(url)?.[1];
  if (raw === undefined) return null;
  try {
    return parseId(decodeURIComponent(raw)); // the router decoded it the same way
  } catch {
    return null;
  }
}

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
