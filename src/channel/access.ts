import { CloseCode } from "../protocol/closeCodes";
import { type Failure, type Result, noChannel, notMember } from "../rooms/errors";
import type { Admission } from "../rooms/SocketRoom";
import type { ChannelStore } from "../storage/channelStore";
import { requireOwner } from "./membership";
import type { Access } from "./port";
import { SERVER_MEMBER } from "./server";

export type Answer<T> = Result<T> | Promise<Result<T>>;

/**
 * Who may act on the channel: a member of the live channel, its owner, or a server API key (the
 * bot, with an owner's rights). Every RPC of the room that acts for someone passes through here.
 */
export class ChannelAccess {
  constructor(
    private readonly store: ChannelStore,
    /** the room deleted its storage (`SocketRoom.vacate`) */
    private readonly vacated: () => boolean,
  ) {}

  /** The live channel and the caller's membership, or the failure to answer. */
  member(userId: number): Access | Failure {
    const channel = this.live();
    if ("ok" in channel) return channel;
    const member = this.store.member(userId);
    return member ? { channel, member } : notMember();
  }

  /** As `member`, and the caller owns the channel. */
  owner(userId: number, action: string): Access | Failure {
    const a = this.member(userId);
    return "ok" in a ? a : (requireOwner(a.member, action) ?? a);
  }

  /** May this user hold a socket here (the first ws_auth)? A removed channel closes 4004, anyone else not a member 4003. */
  socket(userId: number): Admission {
    const channel = this.store.channel();
    if (channel?.removed) return { ok: false, close: { code: CloseCode.ChannelRemoved, reason: "channel removed" } };
    if (!channel || !this.store.member(userId)) return { ok: false, close: { code: CloseCode.NotAllowed, reason: "not a member of this channel" } };
    return { ok: true };
  }

  /** A server API key acting as the bot (docs/server-api.md). */
  server(): Access | Failure {
    const channel = this.live();
    return "ok" in channel ? channel : { channel, member: SERVER_MEMBER };
  }

  private live() {
    if (this.vacated()) return noChannel();
    const channel = this.store.channel();
    return !channel || channel.removed ? noChannel() : channel;
  }
}

/** Runs `fn` with the access granted, or answers the failure. */
export async function withAccess<T>(a: Access | Failure, fn: (a: Access) => Answer<T>): Promise<Result<T>> {
  return "ok" in a ? a : fn(a);
}
