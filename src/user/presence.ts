import type { Env } from "../env";
import type { Clock } from "../rooms/clock";
import { channelRoom } from "../rooms/stubs";
import type { DomainTimer } from "../rooms/timers";
import { LeaseStore } from "../storage/leaseStore";
import type { Meta } from "../storage/sqlite";
import { log, settleAll } from "../ops/log";
import { type PresenceState, leaseTiming } from "../contracts/presence";

export { type PresenceState, leaseTiming };

/** Lease holder name of the user stream's own connections. */
export const SELF_ROOM = "self";

export interface UserPresenceHost {
  sql: SqlStorage;
  meta: Meta;
  env: Env;
  clock: Clock;
  ttlMs: number;
  userId(): number | undefined;
  /** connection ids of the stream's own authenticated, open sockets */
  ownConnIds(): string[];
  /** the user's channels (see UserChannelStore) */
  channelIds(): Promise<number[]>;
  armAt(at: number): Promise<void>;
}

/**
 * Counts the user's authenticated connections across every room as leases, and tells every channel
 * of the user when the count leaves or reaches zero (exactly once per transition: the state flag
 * is written before anything is awaited).
 */
export class UserPresence {
  /** leases, and tombstones of connections reported gone (a late renewal must not revive them) */
  private readonly leases: LeaseStore;

  constructor(private readonly h: UserPresenceHost) {
    this.leases = new LeaseStore(h.sql);
  }

  state(): PresenceState {
    return {
      online: this.h.meta.get("presence_online") === 1,
      v: this.h.meta.get("presence_v") ?? 0,
      at: this.h.meta.get("presence_at") ?? 0,
    };
  }

  async connect(connId: string, room: string): Promise<PresenceState> {
    const now = this.h.clock.now();
    if (this.leases.alive([connId], now).length === 0) return this.state();
    this.leases.upsert(connId, room, now + this.h.ttlMs);
    // The lease just written is live, so the user is online: no count needed, and the transition
    // is written in the same turn (one commit) as the lease.
    const next = this.transition(true, now);
    await this.h.armAt(now + this.h.ttlMs);
    if (next) await this.fanOut(next, room);
    return next ?? this.state();
  }

  async disconnect(connId: string): Promise<PresenceState> {
    const now = this.h.clock.now();
    this.leases.bury(connId, now + this.h.ttlMs, now);
    const room = this.leases.remove(connId);
    return this.evaluate(now, room ?? undefined);
  }

  /** A room's complete list of the user's live connections there. */
  async renew(room: string, connIds: readonly string[]): Promise<PresenceState> {
    const now = this.h.clock.now();
    this.leases.reconcile(room, this.leases.alive(connIds, now), now + this.h.ttlMs);
    if (connIds.length) await this.h.armAt(now + this.h.ttlMs);
    return this.evaluate(now, room);
  }

  /** Expires unrenewed leases and renews the stream's own (it is its own lease holder). */
  timer(): DomainTimer {
    return {
      next: () => this.leases.earliest(),
      run: async (now) => {
        this.leases.reconcile(SELF_ROOM, this.h.ownConnIds(), now + this.h.ttlMs);
        this.leases.expire(now);
        this.leases.forgetBuried(now);
        await this.evaluate(now);
      },
    };
  }

  /**
   * Moves the state on when the count of live leases leaves or reaches zero. `caller` is the room
   * whose call this answers: it applies the state it gets back, so the fan-out skips it.
   */
  private async evaluate(now: number, caller?: string): Promise<PresenceState> {
    const next = this.transition(this.leases.countLive(now) > 0, now);
    if (!next) return this.state();
    await this.fanOut(next, caller);
    return next;
  }

  /** Writes the new state if `online` differs from the current one; null when it does not. */
  private transition(online: boolean, now: number): PresenceState | null {
    const current = this.state();
    if (online === current.online) return null;
    const next: PresenceState = { online, v: current.v + 1, at: now };
    this.h.meta.set("presence_online", online ? 1 : 0);
    this.h.meta.set("presence_v", next.v);
    this.h.meta.set("presence_at", now);
    return next;
  }

  /**
   * user.online / user.offline go to the channel sockets of every channel of the user (docs/protocol.md#events).
   * The transition's time is the user's last activity (`at`; the user routes show it as
   * `last_active_on`), so nothing is written to the directory here.
   */
  private async fanOut(s: PresenceState, caller?: string): Promise<void> {
    const userId = this.h.userId();
    if (userId === undefined) return;
    try {
      const ids = await this.h.channelIds();
      await settleAll(
        "presence fan-out failed",
        ids.filter((id) => `channel:${id}` !== caller).map((id) => channelRoom(this.h.env, id).presenceChanged(userId, s.online, s.v, s.at)),
        { user_id: userId },
      );
    } catch (err) {
      log("error", "presence fan-out failed", { user_id: userId, err: String(err) });
    }
  }
}
