import { metaKey } from "./metaKeys";
import type { Meta } from "./sqlite";

/**
 * The presence leases a socket room holds with its users' UserRooms: one lease id per user with
 * a live connection here (`_meta` key `lease:<uid>`, so opening or closing a lease is one write)
 * and the time of the next renewal (`lease_renew_at`). The only reader and writer of those keys.
 */
export class RoomLeases {
  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: Meta,
  ) {}

  /** Users holding a lease here. */
  holders(): number[] {
    return this.sql
      .exec<{ key: string }>("SELECT key FROM _meta WHERE key >= 'lease:' AND key < 'lease;'")
      .toArray()
      .map((r) => Number(r.key.slice("lease:".length)));
  }

  leaseId(userId: number): string | undefined {
    return this.meta.get(metaKey.lease(userId));
  }

  open(userId: number, leaseId: string): void {
    this.meta.set(metaKey.lease(userId), leaseId);
  }

  close(userId: number): void {
    this.meta.delete(metaKey.lease(userId));
  }

  /** Next renewal (ms, room clock); 0 when none is scheduled. */
  renewAt(): number {
    return this.meta.get("lease_renew_at") ?? 0;
  }

  setRenewAt(at: number): void {
    this.meta.set("lease_renew_at", at);
  }
}
