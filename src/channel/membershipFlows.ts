import type { ChannelObject, CreateChannelInput } from "../contracts/channelRoom";
import { settleAll } from "../ops/log";
import { CloseCode, type CloseDecision } from "../protocol/closeCodes";
import { DELETED_USER_NAME, ROLE_MEMBER, ROLE_OWNER, type UserProfile } from "../protocol/objects";
import { type Result, fail, ok } from "../rooms/errors";
import type { Conn } from "../rooms/SocketRoom";
import { userRoom } from "../rooms/stubs";
import type { MemberRow } from "../storage/channelStore";
import type { Meta } from "../storage/sqlite";
import type { ChannelAccess } from "./access";
import { currentChannel } from "./channelView";
import type { DirectorySync } from "./directorySync";
import { memberUser, planRemoval, userRemovedPayload } from "./membership";
import { messageObject, userAddedBotMessage } from "./messages";
import type { Access, ChannelPort } from "./port";
import type { ChannelPresence } from "./presence";
import { type UnreadPusher, forgetUnread, messagesArrived } from "./receipts";
import type { ShardFanout } from "./shardFanout";

/** `_meta`: the channel was removed while its directory change was undelivered; vacate once delivered. */
const VACATE_WHEN_DELIVERED = "vacate_when_delivered";
const REMOVED = { code: CloseCode.ChannelRemoved, reason: "channel removed" } as const;

export interface MembershipDeps {
  port: ChannelPort;
  unread: UnreadPusher;
  access: ChannelAccess;
  directory: DirectorySync;
  presence: ChannelPresence;
  fanout: ShardFanout;
  meta: Meta;
  /** the socket layer: this room's authenticated sockets, closing one, deleting the room's storage */
  sockets: {
    live(): Iterable<[WebSocket, Conn]>;
    closeConn(ws: WebSocket, conn: Conn, code: number, reason: string): Promise<void>;
    vacate(close: CloseDecision): Promise<void>;
  };
}

/**
 * How the channel's membership and life change (rules in membership.ts): each change commits with
 * its directory row in one transaction, the directory is settled, then the channel's sockets (here
 * and on its shards, closes at their exact place in the stream) and last the members' user rooms
 * hear of it.
 */
export class MembershipFlows {
  constructor(private readonly d: MembershipDeps) {}

  private get store() {
    return this.d.port.store;
  }

  private channel(): ChannelObject {
    return currentChannel(this.store);
  }

  /** Unread pushes (coalesced) for members behind the latest message; the bot's message is nobody's. */
  private botPosted(): Promise<void> {
    return messagesArrived(this.d.port, this.d.unread, null, this.store.latestMessageId());
  }

  async create(input: CreateChannelInput): Promise<Result<ChannelObject>> {
    const store = this.store;
    const directory = this.d.directory;
    if (store.channel()) return fail(409, "channel_exists", "channel already exists");
    const now = input.created_on;
    const frames = store.transaction(() => {
      store.createChannel({ id: input.id, channel_name: input.channel_name, created_by: input.owner.id, created_on: now, last_active_on: now });
      store.addMember(input.owner, ROLE_OWNER, 0, now);
      for (const p of input.invitees) store.addMember(p, 20, 0, now);
      directory.record({ op: "set_members", channel_id: input.id, members: store.members().map((m) => ({ user_id: m.user_id, user_role: m.user_role })) });
      if (input.invitees.length === 0) return [];
      const row = store.insertMessage(userAddedBotMessage(input.owner.id, input.invitees.map((p) => p.id), now));
      return [store.appendEvent("chat.postMessage", { message: messageObject(row, input.id) }, now)];
    });
    // The directory's membership index is in step before anyone is told about the channel,
    // unless D1 fails: then the alarm delivers it (and the route still succeeds).
    await directory.settle();
    await this.d.presence.sync([input.owner.id, ...input.invitees.map((p) => p.id)], false);
    for (const frame of frames) this.d.port.broadcast(frame);
    if (frames.length) await this.botPosted();
    const channel = this.channel();
    await settleAll(
      "channel.create announcement failed",
      [input.owner, ...input.invitees].map((p) =>
        userRoom(this.d.port.env, p.id).membershipChanged(input.id, true, [{ event: "channel.create", payload: { channel } }]),
      ),
    );
    return ok(channel);
  }

  /**
   * `channel.adduser` (owner only). The channel's sockets get `user_added.channel`, the type-2 bot
   * message and `channel.update`, in that order (so the update's channel already has both); the
   * added user's stream gets `channel.create` and `user_added.channel`. The new member's read
   * cursor starts at the bot message announcing them: no backlog is unread.
   */
  async addUser(byUserId: number, target: UserProfile): Promise<Result<ChannelObject>> {
    const store = this.store;
    const first = this.d.access.owner(byUserId, "add members");
    if ("ok" in first) return first;
    if (store.member(target.id)) return fail(409, "already_member", "that user is already a member of this channel");
    const presence = await userRoom(this.d.port.env, target.id).presenceState();
    // Other requests may have run while we awaited: check again.
    const a = this.d.access.owner(byUserId, "add members");
    if ("ok" in a) return a;
    if (store.member(target.id)) return fail(409, "already_member", "that user is already a member of this channel");

    const now = this.d.port.now();
    const channelId = a.channel.id;
    const { frames, user } = store.transaction(() => {
      const bot = store.insertMessage(userAddedBotMessage(byUserId, [target.id], now));
      store.addMember(target, ROLE_MEMBER, bot.id, now);
      store.touchChannel(now);
      this.d.presence.apply(target.id, presence, false);
      this.d.directory.record({ op: "set_members", channel_id: channelId, members: [{ user_id: target.id, user_role: ROLE_MEMBER }] });
      const user = memberUser(store.member(target.id)!);
      const frames = [
        store.appendEvent("user_added.channel", { channel_id: channelId, user }, now),
        store.appendEvent("chat.postMessage", { message: messageObject(bot, channelId) }, now),
        store.appendEvent("channel.update", { channel: this.channel() }, now),
      ];
      return { frames, user };
    });
    await this.d.directory.settle();
    for (const frame of frames) this.d.port.broadcast(frame);
    await this.botPosted();
    const channel = this.channel();
    await userRoom(this.d.port.env, target.id).membershipChanged(channelId, true, [
      { event: "channel.create", payload: { channel } },
      { event: "user_added.channel", payload: { channel_id: channelId, user } },
    ]);
    // A transition between the first read and the directory write reached no one here: catch up.
    await this.d.presence.sync([target.id], true);
    return ok(this.channel());
  }

  /** `channel.kick` (owner only; kicking oneself is `channel.leave`). */
  async kick(a: Access, targetId: number): Promise<Result<ChannelObject>> {
    // A removed channel is 404 to everyone (the caller's access), before any rule about its members.
    if (a.member.user_id === targetId) return fail(422, "invalid_params", "user_id: use channel.leave to leave", { user_id: "use channel.leave to leave" });
    const result = await this.removeUser(a.member.user_id, targetId);
    return result.ok ? ok(result.value!) : result;
  }

  /** `channel.leave` (any member). An owner leaving hands over or removes the channel (membership.ts). */
  async leave(userId: number): Promise<Result<null>> {
    const result = await this.removeUser(userId, userId);
    return result.ok ? ok(null) : result;
  }

  /** The current owner acts for a server API key, so the events are the ones an owner's action makes. */
  private owner(): MemberRow {
    return this.store.members().find((m) => m.user_role === ROLE_OWNER)!;
  }

  serverAddUser(target: UserProfile): Promise<Result<ChannelObject>> {
    return this.addUser(this.owner().user_id, target);
  }

  serverKick(targetId: number): Promise<Result<ChannelObject | null>> {
    const owner = this.owner().user_id;
    return this.removeUser(owner === targetId ? targetId : owner, targetId);
  }

  /**
   * Kick or leave: `user_removed.channel` to every socket of the channel and the removed user's
   * stream; the removed user's sockets here are then closed 4003 (and refused from now on, as
   * non-members); the others get `channel.update`. Kick and leave post no bot message.
   */
  private async removeUser(byUserId: number, targetId: number): Promise<Result<ChannelObject | null>> {
    const store = this.store;
    const a = this.d.access.member(byUserId);
    if ("ok" in a) return a;
    const plan = planRemoval(a.member, store.member(targetId), store.members());
    if ("ok" in plan) return plan;
    if (plan.kind === "remove_channel") return this.removeChannel();

    const now = this.d.port.now();
    const channelId = a.channel.id;
    const removed = userRemovedPayload(channelId, targetId, byUserId);
    const successor = plan.successor;
    const { removedFrame, updateFrame } = store.transaction(() => {
      store.removeMember(targetId);
      this.d.directory.record({ op: "remove_member", channel_id: channelId, user_id: targetId });
      if (successor) {
        store.setRole(successor.user_id, ROLE_OWNER);
        this.d.directory.record({ op: "set_members", channel_id: channelId, members: [{ user_id: successor.user_id, user_role: ROLE_OWNER }] });
      }
      return {
        removedFrame: store.appendEvent("user_removed.channel", removed, now),
        updateFrame: store.appendEvent("channel.update", { channel: this.channel() }, now),
      };
    });
    await this.d.directory.settle();

    this.d.port.broadcast(removedFrame);
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.d.sockets.live()) {
      if (conn.s.uid === targetId) closing.push(this.d.sockets.closeConn(ws, conn, CloseCode.NotAllowed, "removed from channel"));
    }
    this.d.fanout.close(CloseCode.NotAllowed, "removed from channel", targetId);
    this.d.port.broadcast(updateFrame);
    await Promise.all(closing);
    await userRoom(this.d.port.env, targetId).membershipChanged(channelId, false, [{ event: "user_removed.channel", payload: removed }]);
    await forgetUnread(this.d.port, [targetId]);
    return ok(this.channel());
  }

  /**
   * The user deleted their account: they leave as with `channel.leave` (the same events, the same
   * hand-over or removal of the channel), and their messages and reactions stay under
   * DELETED_USER_NAME.
   */
  async userDeleted(userId: number): Promise<Result<null>> {
    const channel = this.store.channel();
    if (!channel || channel.removed) return ok(null);
    if (this.store.member(userId)) {
      const left = await this.removeUser(userId, userId);
      if (!left.ok) return left;
    }
    this.store.renameAuthor(userId, DELETED_USER_NAME);
    return ok(null);
  }

  /** `channel.rename` / `channel.update` (owner only) → `channel.update` to every socket. */
  async rename(a: Access, name: string): Promise<Result<ChannelObject>> {
    const now = this.d.port.now();
    const { frame, channel } = this.store.transaction(() => {
      this.store.renameChannel(name);
      this.d.directory.record({ op: "rename", channel_id: a.channel.id, channel_name: name });
      const channel = this.channel();
      return { frame: this.store.appendEvent("channel.update", { channel }, now), channel };
    });
    await this.d.directory.settle();
    this.d.port.broadcast(frame);
    return ok(channel);
  }

  /**
   * `channel.remove` {channel_id} to the channel's sockets (then closed 4004) and to every member's
   * stream; then the room deletes its storage. The directory keeps the channel marked removed, so
   * late sockets still get 4004 after ws_auth and routes 404, without reaching this room.
   */
  async removeChannel(): Promise<Result<null>> {
    const store = this.store;
    const channel = store.channel()!;
    const now = this.d.port.now();
    const payload = { channel_id: channel.id };
    const frame = store.transaction(() => {
      store.markRemoved();
      this.d.directory.record({ op: "remove_channel", channel_id: channel.id });
      return store.appendEvent("channel.remove", payload, now);
    });
    await this.d.directory.settle();
    this.d.port.broadcast(frame);
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.d.sockets.live()) closing.push(this.d.sockets.closeConn(ws, conn, CloseCode.ChannelRemoved, "channel removed"));
    this.d.fanout.close(CloseCode.ChannelRemoved, "channel removed");
    closing.push(this.d.fanout.flush());
    await Promise.all(closing);
    await settleAll(
      "channel.remove announcement failed",
      store.members().map((m) => userRoom(this.d.port.env, m.user_id).membershipChanged(channel.id, false, [{ event: "channel.remove", payload }])),
    );
    await forgetUnread(this.d.port, store.members().map((m) => m.user_id));
    // The outbox must outlive a D1 outage: with the removal still undelivered the room keeps its
    // storage (marked removed, so every route and socket already sees no channel) and vacates
    // from the alarm that delivers it.
    if (this.d.directory.pending()) this.d.meta.set(VACATE_WHEN_DELIVERED, 1);
    else await this.d.sockets.vacate(REMOVED);
    return ok(null);
  }

  /** After each alarm: a removal whose directory change is now delivered vacates the room. */
  async vacateIfDelivered(): Promise<void> {
    if (this.d.meta.get<number>(VACATE_WHEN_DELIVERED) === 1 && !this.d.directory.pending()) await this.d.sockets.vacate(REMOVED);
  }

  /** The user changed their profile: update the member copy; `user.profileUpdate` to every socket. */
  profileChanged(a: Access, profile: UserProfile): Result<null> {
    const now = this.d.port.now();
    const frame = this.store.transaction(() => {
      const member = this.store.updateMemberProfile(profile)!;
      return this.store.appendEvent("user.profileUpdate", { user: memberUser(member), channel_id: a.channel.id }, now);
    });
    this.d.port.broadcast(frame);
    return ok(null);
  }
}
