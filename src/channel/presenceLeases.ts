import { log, settleAll } from "../ops/log";
import type { Env } from "../env";
import type { Clock } from "../rooms/clock";
import type { Session } from "../rooms/session";
import type { Conn } from "../rooms/SocketRoom";
import { userRoom } from "../rooms/stubs";
import type { DomainTimer } from "../rooms/timers";
import type { RoomLeases } from "../storage/roomLeases";
import type { PresenceState } from "../contracts/presence";
import type { Capability } from "./capability";

export interface PresenceLeasesHost {
  leases: RoomLeases;
  env: Env;
  clock: Clock;
  renewEveryMs: number;
  /** the lease holder name this room reports under (`channel:<id>`, `shard:<id>:<k>`); null: none yet */
  roomKey(): string | null;
  /** `fresh`: re-read the runtime's socket list first */
  live(fresh?: boolean): Iterable<[WebSocket, Conn]>;
  armAt(at: number): Promise<void>;
  /** the user's global state, as the UserRoom answered a lease call */
  apply(userId: number, state: PresenceState): void;
}

/**
 * A socket room's side of global presence: reports to each user's UserRoom one lease per user and
 * room (opened by the user's first connection here, closed with the last one, renewed once per
 * interval from the room's alarm). The UserRoom counts leases from every room (a channel's room
 * and each of its fan-out shards alike), so a user is online once and offline only when their
 * last socket anywhere closes. A user's second, third, ... socket here costs no call at all.
 */
export class PresenceLeases implements Capability {
  /** live authenticated connections per user here; rebuilt from the sockets after a wake-up */
  private counts: Map<number, Set<string>> | null = null;

  constructor(private readonly h: PresenceLeasesHost) {}

  private liveConns(): Map<number, Set<string>> {
    if (!this.counts) {
      this.counts = new Map();
      for (const [, conn] of this.h.live()) {
        const uid = conn.s.uid!;
        const set = this.counts.get(uid) ?? new Set<string>();
        set.add(conn.s.cid);
        this.counts.set(uid, set);
      }
    }
    return this.counts;
  }

  private liveByUser(fresh: boolean): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const [, conn] of this.h.live(fresh)) {
      const uid = conn.s.uid!;
      const list = out.get(uid) ?? [];
      list.push(conn.s.cid);
      out.set(uid, list);
    }
    return out;
  }

  async connected(s: Session): Promise<void> {
    const key = this.h.roomKey();
    const uid = s.uid;
    if (key === null || uid === null) return;
    const live = this.liveConns();
    const mine = live.get(uid) ?? new Set<string>();
    mine.add(s.cid);
    live.set(uid, mine);
    if (mine.size > 1) return; // the user's lease here is already open (the first socket opened it)
    // The lease id is the connection id of the socket that opened it, kept in storage so it
    // survives eviction; a fresh one per "first connection", so that a lease closed a moment ago
    // (and remembered as gone by the UserRoom) is never reused.
    const leaseId = this.h.leases.leaseId(uid) ?? s.cid;
    this.h.leases.open(uid, leaseId);
    if (this.h.leases.renewAt() === 0) {
      const at = this.h.clock.now() + this.h.renewEveryMs;
      this.h.leases.setRenewAt(at);
      await this.h.armAt(at);
    }
    try {
      this.h.apply(uid, await userRoom(this.h.env, uid).connectionOpened(leaseId, key));
    } catch (err) {
      log("error", "presence connect failed", { user_id: uid, err: String(err) });
    }
  }

  async disconnected(s: Session): Promise<void> {
    const uid = s.uid;
    if (uid === null) return;
    const live = this.liveConns();
    const mine = live.get(uid);
    mine?.delete(s.cid);
    if (mine && mine.size > 0) return; // other sockets of the user keep the lease here
    live.delete(uid);
    const leaseId = this.h.leases.leaseId(uid);
    this.h.leases.close(uid);
    if (live.size === 0 && this.h.leases.holders().length === 0) this.h.leases.setRenewAt(0);
    if (leaseId === undefined) return;
    try {
      this.h.apply(uid, await userRoom(this.h.env, uid).connectionClosed(leaseId));
    } catch (err) {
      log("error", "presence disconnect failed", { user_id: uid, err: String(err) });
    }
  }

  /**
   * Renews the leases of this room's live connections, one call per user. Users reported before
   * who have no live connection left (their sockets vanished with no close event, e.g. the room
   * was evicted and its sockets closed) get an empty list, which drops their leases at once.
   */
  timer(): DomainTimer {
    return {
      next: () => {
        const at = this.h.leases.renewAt();
        return at > 0 ? at : null;
      },
      run: async (now) => {
        const key = this.h.roomKey();
        this.counts = null; // recount from the sockets: drops any the runtime no longer lists
        const live = this.liveByUser(true);
        // Afterwards the holders (users with a lease id) are exactly the live users: see below.
        const users = new Set([...this.h.leases.holders(), ...live.keys()]);
        this.h.leases.setRenewAt(live.size > 0 ? now + this.h.renewEveryMs : 0);
        if (key === null) return;
        await settleAll(
          "lease renewal failed",
          [...users].map(async (uid) => {
            const ids = live.get(uid);
            let leaseId = this.h.leases.leaseId(uid);
            if (ids && leaseId === undefined) {
              leaseId = ids[0]!;
              this.h.leases.open(uid, leaseId);
            }
            if (!ids) this.h.leases.close(uid);
            const lease = ids && leaseId !== undefined ? [leaseId] : [];
            this.h.apply(uid, await userRoom(this.h.env, uid).renewLeases(key, lease));
          }),
        );
      },
    };
  }
}
