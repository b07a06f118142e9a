import { settleAll } from "../ops/log";
import type { Env } from "../env";
import { type OutFrame, buildEvent } from "../protocol/envelope";
import type { Clock } from "../rooms/clock";
import { userRoom } from "../rooms/stubs";
import type { ChannelStore } from "../storage/channelStore";
import type { PresenceState } from "../contracts/presence";
import { memberUser } from "./membership";

export interface ChannelPresenceHost {
  store: ChannelStore;
  env: Env;
  clock: Clock;
  broadcast(frame: OutFrame): number;
}

/**
 * The channel's copy of its members' global presence: keeps `members.online` equal to the user's
 * global state (reported by the UserRooms, ordered by version) and announces changes to the
 * channel's sockets as `user.online` / `user.offline` (no seq). The leases that make a user
 * online are PresenceLeases' business.
 */
export class ChannelPresence {
  constructor(private readonly h: ChannelPresenceHost) {}

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
      userIds.map(async (uid) => this.apply(uid, await userRoom(this.h.env, uid).presenceState(), announce)),
    );
  }
}
