import { log, settleAll } from "../ops/log";
import type { Env } from "../env";
import { type OutFrame, buildEvent } from "../protocol/envelope";
import type { Clock } from "../rooms/clock";
import type { Session } from "../rooms/session";
import type { Conn } from "../rooms/SocketRoom";
import { userRoom } from "../rooms/stubs";
import type { DomainTimer } from "../rooms/timers";
import type { ChannelStore } from "../storage/channelStore";
import type { PresenceState } from "../contracts/presence";
import { memberUser } from "./membership";

export interface ChannelPresenceHost {
  store: ChannelStore;
  env: Env;
  clock: Clock;
  renewEveryMs: number;
  /** `fresh`: re-read the runtime's socket list first */
  live(fresh?: boolean): Iterable<[WebSocket, Conn]>;
  broadcast(frame: OutFrame): number;
  armAt(at: number): Promise<void>;
}

/**
 * The channel's side of global presence: reports to each user's UserRoom one lease per user and
 * room (opened by the user's first connection here, closed with the last one, renewed once per
 * interval from the room's alarm), and keeps `members.online` equal to the user's global state,
 * announcing changes to the channel's sockets as `user.online` / `user.offline` (no seq).
 * A user's second, third, ... socket in a room costs no cross-object call at all.
 */
export class ChannelPresence {
  /** live authenticated connections per user here; rebuilt from the sockets after a wake-up */
  private counts: Map<number, Set<string>> | null = null;

  constructor(private readonly h: ChannelPresenceHost) {}

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

  /**
   * The lease id of a user's presence in this room: the connection id of the socket that opened
   * it, kept in storage so it survives eviction; a fresh one per "first connection" so that a
   * lease closed a moment ago (and remembered as gone by the UserRoom) is never reused.
   */
  private leaseId(uid: number): string | undefined {
    return this.h.store.meta.get<string>(`lease:${uid}`);
  }

  private roomKey(): string | null {
    const channel = this.h.store.channel();
    return channel ? `channel:${channel.id}` : null;
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
    const key = this.roomKey();
    const uid = s.uid;
    if (key === null || uid === null) return;
    const live = this.liveConns();
    const mine = live.get(uid) ?? new Set<string>();
    mine.add(s.cid);
    live.set(uid, mine);
    if (mine.size > 1) return; // the user's lease here is already open (the first socket opened it)
    const existing = this.leaseId(uid);
    const leaseId = existing ?? s.cid;
    this.h.store.meta.set(`lease:${uid}`, leaseId);
    if (this.h.store.leaseRenewAt() === 0) {
      const at = this.h.clock.now() + this.h.renewEveryMs;
      this.h.store.setLeaseRenewAt(at);
      await this.h.armAt(at);
    }
    try {
      this.apply(uid, await userRoom(this.h.env, uid).connectionOpened(uid, leaseId, key));
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
    const leaseId = this.leaseId(uid);
    this.h.store.meta.delete(`lease:${uid}`);
    if (live.size === 0 && this.h.store.leaseHolders().length === 0) this.h.store.setLeaseRenewAt(0);
    if (leaseId === undefined) return;
    try {
      this.apply(uid, await userRoom(this.h.env, uid).connectionClosed(uid, leaseId));
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
        const at = this.h.store.leaseRenewAt();
        return at > 0 ? at : null;
      },
      run: async (now) => {
        const key = this.roomKey();
        this.counts = null; // recount from the sockets: drops any the runtime no longer lists
        const live = this.liveByUser(true);
        // Afterwards the holders (users with a lease id) are exactly the live users: see below.
        const users = new Set([...this.h.store.leaseHolders(), ...live.keys()]);
        this.h.store.setLeaseRenewAt(live.size > 0 ? now + this.h.renewEveryMs : 0);
        if (key === null) return;
        await settleAll(
          "lease renewal failed",
          [...users].map(async (uid) => {
            const ids = live.get(uid);
            let leaseId = this.leaseId(uid);
            if (ids && leaseId === undefined) {
              leaseId = ids[0]!;
              this.h.store.meta.set(`lease:${uid}`, leaseId);
            }
            if (!ids) this.h.store.meta.delete(`lease:${uid}`);
            const lease = ids && leaseId !== undefined ? [leaseId] : [];
            this.apply(uid, await userRoom(this.h.env, uid).renewLeases(uid, key, lease));
          }),
        );
      },
    };
  }

  /**
   * Applies a user's global presence state to the member row. Older states (lower `v`) are ignored,
   * so concurrent reports converge on the newest; a change is announced unless `announce` is false
   * (a member row being written before anyone can see it).
   */
  apply(userId: number, state: PresenceState, announce = true): void {
    const store = this.h.store;
    const applied = store.presenceVersion(userId);
    if (state.v < applied) return;
    const member = store.member(userId);
    if (!member) return;
    if (state.v > applied) store.setPresenceVersion(userId, state.v);
    if ((member.online === 1) === state.online) {
      // Same status, newer transition: a member row written from the directory's profile (which
      // holds the login time) takes the user's last activity from the user room.
      if (state.v > applied && state.at > member.last_active_on) store.setPresence(userId, state.online, state.at);
      return;
    }
    const at = state.at || member.last_active_on;
    store.setPresence(userId, state.online, at);
    const channel = store.channel();
    if (!announce || !channel || channel.removed) return;
    const payload = { user: memberUser({ ...member, online: state.online ? 1 : 0, last_active_on: at }), channel_id: channel.id };
    this.h.broadcast(buildEvent(state.online ? "user.online" : "user.offline", payload, this.h.clock.now()));
  }

  /** Reads the users' current global presence and applies it. */
  async sync(userIds: readonly number[], announce: boolean): Promise<void> {
    await settleAll(
      "presence sync failed",
      userIds.map(async (uid) => this.apply(uid, await userRoom(this.h.env, uid).presenceState(uid), announce)),
    );
  }
}
