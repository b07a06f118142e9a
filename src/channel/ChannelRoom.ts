import { settleAll } from "../ops/log";
import type { RtmClaims } from "../auth/tokens";
import type { Env } from "../env";
import { CloseCode, type CloseDecision } from "../protocol/closeCodes";
import { missingRoom } from "../rooms/existence";
import type { Command } from "../protocol/commands";
import { type OutFrame, buildEvent } from "../protocol/envelope";
import { DELETED_USER_NAME, ROLE_MEMBER, ROLE_OWNER, type UserProfile, formatTime, unixSeconds, userObject } from "../protocol/objects";
import { CommandError, type Failure, type Result, fail, noChannel, notMember, ok } from "../rooms/errors";
import type { Session } from "../rooms/session";
import { type Admission, type Conn, SocketRoom } from "../rooms/SocketRoom";
import { userRoom } from "../rooms/stubs";
import { CHANNEL_SCHEMA, type ChannelRow, ChannelStore, type MemberRow } from "../storage/channelStore";
import { OutboxStore } from "../storage/outboxStore";
import { type DirectoryReport, DirectorySync, fullIndex } from "./directorySync";
import { EventStream, type ResumeSession } from "./eventStream";
import { type MessageObject, messageObject, messageObjects, userAddedBotMessage } from "./messages";
import { memberUser, planRemoval, requireOwner, userRemovedPayload } from "./membership";
import { ChannelPresence } from "./presence";
import { leaseTiming } from "../contracts/presence";
// message life
import type { DomainTimer } from "../rooms/timers";
import { ActionStore } from "../storage/actionStore";
import type { MessageRow } from "../storage/channelStore";
import { LockStore } from "../storage/lockStore";
import { MessageStore } from "../storage/messageStore";
import { PendingStore } from "../storage/pendingStore";
import { type ActionObject, type NewActionInput, createAction } from "./actions";
import { deleteMessage, updateMessage } from "./edits";
import { type LockObject, acquireLock, lockTimer, refreshLock, releaseLock } from "./locks";
import { alertPost } from "./notify";
import type { Access, ChannelPort } from "./port";
import { react } from "./reactions";
import { UnreadPusher, allRead, messagesArrived, readNotification, receiptTimer } from "./receipts";
import type { ChannelObject, ChannelRoomRpc, CreateChannelInput, HistoryQuery, MemberObject } from "../contracts/channelRoom";
import { WebhookOutbox } from "../webhooks/outbox";
import type { ShardAdmission, ShardResume } from "../contracts/channelShard";
import { ShardStore } from "../storage/shardStore";
import { RoomLeases } from "../storage/roomLeases";
import { PresenceLeases } from "./presenceLeases";
import { ShardFanout } from "./shardFanout";
import { type ServerLogPage, SERVER_MEMBER, serverBotMessage } from "./server";

/** `_meta`: the channel was removed while its directory change was undelivered; vacate once delivered. */
const VACATE_WHEN_DELIVERED = "vacate_when_delivered";
const REMOVED = { code: CloseCode.ChannelRemoved, reason: "channel removed" } as const;

export type { ChannelObject, CreateChannelInput, HistoryQuery, MemberObject } from "../contracts/channelRoom";

function memberObject(m: MemberRow): MemberObject {
  return { ...memberUser(m), user_role: m.user_role };
}

/**
 * One channel: its members, messages and durable event log in SQLite, its hibernatable sockets,
 * and the events a channel produces (docs/protocol.md#events). The worker calls the RPC methods; sockets reach
 * the commands through the shared websocket layer.
 */
export class ChannelRoom extends SocketRoom implements ChannelRoomRpc {
  private readonly store: ChannelStore;
  private readonly presence: ChannelPresence;
  private readonly leases: PresenceLeases;
  /** sockets admitted on the channel's fan-out shards */
  private readonly shards: ShardStore;
  private readonly fanout: ShardFanout;
  /** the D1 directory's entry for this channel, kept in step through the outbox */
  private readonly directory: DirectorySync;
  /** last delivered chat.userTyping per user (a cache of `_meta` typing:<uid>, which survives eviction) */
  private readonly typingAt = new Map<number, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ChannelStore(ctx.storage);
    this.presence = new ChannelPresence({
      store: this.store,
      env,
      clock: this.clock,
      broadcast: (frame) => this.broadcast(frame),
    });
    this.leases = new PresenceLeases({
      leases: new RoomLeases(ctx.storage.sql, this.meta),
      env,
      clock: this.clock,
      renewEveryMs: leaseTiming(this.config.pingIntervalMs).renewEveryMs,
      roomKey: () => {
        const channel = this.store.channel();
        return channel ? `channel:${channel.id}` : null;
      },
      live: (fresh) => this.live(fresh),
      armAt: (at) => this.armAt(at),
      apply: (uid, state) => this.presence.apply(uid, state),
    });
    this.timers.push(this.leases.timer());
    this.shards = new ShardStore(ctx.storage.sql);
    this.fanout = new ShardFanout(
      {
        env,
        shards: this.shards,
        cap: this.config.shardSocketCap,
        authDeadlineMs: this.config.authDeadlineMs,
        now: () => this.clock.now(),
      },
      () => this.store.channel()?.id ?? null,
    );
    this.timers.push(...this.messageLifeTimers());
    this.directory = new DirectorySync({
      outbox: new OutboxStore(ctx.storage.sql),
      pending: new PendingStore(ctx.storage.sql),
      meta: this.meta,
      db: () => this.env.DB,
      now: () => this.clock.now(),
      armAt: (at) => this.armAt(at),
      disarmIfIdle: () => this.disarmIfIdle(),
      retryBaseMs: this.config.directoryRetryBaseMs,
      retryMaxMs: this.config.directoryRetryMaxMs,
    });
    this.timers.push(this.directory.timer());
  }

  protected schema(): readonly string[] {
    return CHANNEL_SCHEMA;
  }

  protected roomLabel(): string {
    return `channel:${this.vacated ? "removed" : (this.store.channel()?.id ?? "unbound")}`;
  }

  protected bind(_roomId: number): void {
    // The channel's id is recorded by create(); a socket to a channel that never existed is
    // refused after ws_auth (4003), like any non-member.
  }

  protected override async absentId(roomId: number): Promise<CloseDecision | null> {
    // Only an id the directory does not hold as live: a live one may be in the middle of create().
    return this.store.channel() ? null : missingRoom(this.env, "channel", roomId);
  }

  protected admit(claims: RtmClaims): Admission {
    const channel = this.store.channel();
    if (channel?.removed) return { ok: false, close: { code: CloseCode.ChannelRemoved, reason: "channel removed" } };
    if (!channel || !this.store.member(claims.user_id)) {
      return { ok: false, close: { code: CloseCode.NotAllowed, reason: "not a member of this channel" } };
    }
    return { ok: true };
  }

  protected readyPayload(session: Session): Record<string, unknown> {
    const seq = this.events.startLive(session as ResumeSession);
    return { channel_id: this.store.channel()?.id, epoch: this.store.epoch(), seq };
  }

  // --- reading ------------------------------------------------------------------------------------

  /** The live channel and the caller's membership, or the failure to answer. */
  private access(userId: number): { channel: ChannelRow; member: MemberRow } | Failure {
    if (this.vacated) return noChannel();
    const channel = this.store.channel();
    if (!channel || channel.removed) return noChannel();
    const member = this.store.member(userId);
    if (!member) return notMember();
    return { channel, member };
  }

  private channelObject(channel: ChannelRow): ChannelObject {
    const latest = this.store.page({ limit: 1 }).rows;
    return {
      id: channel.id,
      channel_name: channel.channel_name,
      created_by: channel.created_by,
      created_on: formatTime(channel.created_on),
      created_on_ts: unixSeconds(channel.created_on),
      last_active_on: formatTime(channel.last_active_on),
      last_active_on_ts: unixSeconds(channel.last_active_on),
      latest_message: messageObjects(this.store, latest, channel.id)[0] ?? null,
      members: this.store.members().map(memberObject),
      channel_roots: [],
    };
  }

  async info(userId: number): Promise<Result<ChannelObject>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return ok(this.channelObject(a.channel));
  }

  async members(userId: number): Promise<Result<MemberObject[]>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return ok(this.store.members().map(memberObject));
  }

  async history(userId: number, q: HistoryQuery): Promise<Result<{ messages: MessageObject[]; has_more: boolean }>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    const { rows, hasMore } = this.store.page({ before: q.before_id, after: q.after_id, limit: q.limit });
    return ok({ messages: messageObjects(this.store, rows, a.channel.id), has_more: hasMore });
  }

  // --- writing ------------------------------------------------------------------------------------

  async create(input: CreateChannelInput): Promise<Result<ChannelObject>> {
    if (this.store.channel()) return fail(409, "channel_exists", "channel already exists");
    const now = input.created_on;
    const frames = this.store.transaction(() => {
      this.store.createChannel({
        id: input.id,
        channel_name: input.channel_name,
        created_by: input.owner.id,
        created_on: now,
        last_active_on: now,
      });
      this.store.addMember(input.owner, ROLE_OWNER, 0, now);
      for (const p of input.invitees) this.store.addMember(p, 20, 0, now);
      this.directory.record({
        op: "set_members",
        channel_id: input.id,
        members: this.store.members().map((m) => ({ user_id: m.user_id, user_role: m.user_role })),
      });
      if (input.invitees.length === 0) return [];
      const row = this.store.insertMessage(userAddedBotMessage(input.owner.id, input.invitees.map((p) => p.id), now));
      return [this.store.appendEvent("chat.postMessage", { message: messageObject(row, input.id) }, now)];
    });
    // The directory's membership index is in step before anyone is told about the channel,
    // unless D1 fails: then the alarm delivers it (and the route still succeeds).
    await this.directory.settle();
    await this.presence.sync([input.owner.id, ...input.invitees.map((p) => p.id)], false);
    for (const frame of frames) this.broadcast(frame);
    if (frames.length) await this.messagesArrived(null);
    const channel = this.channelObject(this.store.channel()!);
    await settleAll(
      "channel.create announcement failed",
      [input.owner, ...input.invitees].map((p) =>
        userRoom(this.env, p.id).membershipChanged(p.id, input.id, true, [{ event: "channel.create", payload: { channel } }]),
      ),
    );
    return ok(channel);
  }

  async post(userId: number, input: { text: string; parent_message_id?: number }): Promise<Result<{ message: MessageObject }>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    const parent = input.parent_message_id !== undefined ? this.store.message(input.parent_message_id) : null;
    if (input.parent_message_id !== undefined && !parent) {
      return fail(422, "unknown_message", "parent_message_id: no such message in this channel", {
        parent_message_id: "no such message in this channel",
      });
    }
    const now = this.clock.now();
    this.counted.in++;
    const { message, frame } = this.store.transaction(() => {
      const row = this.store.insertMessage({
        user_id: userId,
        display_name: a.member.display_name,
        message_type: 1,
        content: input.text,
        parent_id: parent?.id ?? null,
        created_on: now,
      });
      this.store.touchChannel(now);
      const message = messageObject(row, a.channel.id, [], [], parent);
      return { message, frame: this.store.appendEvent("chat.postMessage", { message }, now) };
    });
    this.broadcast(frame);
    await this.messagePosted(a, message.id, parent);
    return ok({ message });
  }

  // --- membership, channel life and presence ---------------------------------------------------

  /** The live channel and the caller's membership, and that the caller owns the channel. */
  private ownerAccess(userId: number, action: string): { channel: ChannelRow; member: MemberRow } | Failure {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return requireOwner(a.member, action) ?? a;
  }

  /**
   * `channel.adduser` (owner only). The channel's sockets get `user_added.channel`, the type-2 bot
   * message and `channel.update`, in that order (so the update's channel already has both); the
   * added user's stream gets `channel.create` and `user_added.channel`. The new member's read
   * cursor starts at the bot message announcing them: no backlog is unread.
   */
  async addUser(byUserId: number, target: UserProfile): Promise<Result<ChannelObject>> {
    const first = this.ownerAccess(byUserId, "add members");
    if ("ok" in first) return first;
    if (this.store.member(target.id)) return fail(409, "already_member", "that user is already a member of this channel");
    const presence = await userRoom(this.env, target.id).presenceState(target.id);
    // Other requests may have run while we awaited: check again.
    const a = this.ownerAccess(byUserId, "add members");
    if ("ok" in a) return a;
    if (this.store.member(target.id)) return fail(409, "already_member", "that user is already a member of this channel");

    const now = this.clock.now();
    const channelId = a.channel.id;
    const { frames, user } = this.store.transaction(() => {
      const bot = this.store.insertMessage(userAddedBotMessage(byUserId, [target.id], now));
      this.store.addMember(target, ROLE_MEMBER, bot.id, now);
      this.store.touchChannel(now);
      this.presence.apply(target.id, presence, false);
      this.directory.record({ op: "set_members", channel_id: channelId, members: [{ user_id: target.id, user_role: ROLE_MEMBER }] });
      const user = memberUser(this.store.member(target.id)!);
      const frames = [
        this.store.appendEvent("user_added.channel", { channel_id: channelId, user }, now),
        this.store.appendEvent("chat.postMessage", { message: messageObject(bot, channelId) }, now),
        this.store.appendEvent("channel.update", { channel: this.channelObject(this.store.channel()!) }, now),
      ];
      return { frames, user };
    });
    await this.directory.settle();
    for (const frame of frames) this.broadcast(frame);
    await this.messagesArrived(null);
    const channel = this.channelObject(this.store.channel()!);
    await userRoom(this.env, target.id).membershipChanged(target.id, channelId, true, [
      { event: "channel.create", payload: { channel } },
      { event: "user_added.channel", payload: { channel_id: channelId, user } },
    ]);
    // A transition between the first read and the directory write reached no one here: catch up.
    await this.presence.sync([target.id], true);
    return ok(this.channelObject(this.store.channel()!));
  }

  /** `channel.kick` (owner only; kicking oneself is `channel.leave`). */
  async kick(byUserId: number, targetId: number): Promise<Result<ChannelObject>> {
    // A removed channel is 404 to everyone, before any rule about its members.
    const a = this.access(byUserId);
    if ("ok" in a) return a;
    if (byUserId === targetId) return fail(422, "invalid_params", "user_id: use channel.leave to leave", { user_id: "use channel.leave to leave" });
    const result = await this.removeUser(byUserId, targetId);
    return result.ok ? ok(result.value!) : result;
  }

  /** `channel.leave` (any member). An owner leaving hands over or removes the channel (membership.ts). */
  async leave(userId: number): Promise<Result<null>> {
    const result = await this.removeUser(userId, userId);
    return result.ok ? ok(null) : result;
  }

  /**
   * Kick or leave: `user_removed.channel` to every socket of the channel and the removed user's
   * stream; the removed user's sockets here are then closed 4003 (and refused from now on, as
   * non-members); the others get `channel.update`. Kick and leave post no bot message.
   */
  private async removeUser(byUserId: number, targetId: number): Promise<Result<ChannelObject | null>> {
    const a = this.access(byUserId);
    if ("ok" in a) return a;
    const plan = planRemoval(a.member, this.store.member(targetId), this.store.members());
    if ("ok" in plan) return plan;
    if (plan.kind === "remove_channel") return this.removeChannelNow();

    const now = this.clock.now();
    const channelId = a.channel.id;
    const removed = userRemovedPayload(channelId, targetId, byUserId);
    const successor = plan.successor;
    const { removedFrame, updateFrame } = this.store.transaction(() => {
      this.store.removeMember(targetId);
      this.directory.record({ op: "remove_member", channel_id: channelId, user_id: targetId });
      if (successor) {
        this.store.setRole(successor.user_id, ROLE_OWNER);
        this.directory.record({ op: "set_members", channel_id: channelId, members: [{ user_id: successor.user_id, user_role: ROLE_OWNER }] });
      }
      return {
        removedFrame: this.store.appendEvent("user_removed.channel", removed, now),
        updateFrame: this.store.appendEvent("channel.update", { channel: this.channelObject(this.store.channel()!) }, now),
      };
    });
    await this.directory.settle();

    this.broadcast(removedFrame);
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.live()) {
      if (conn.s.uid === targetId) closing.push(this.closeConn(ws, conn, CloseCode.NotAllowed, "removed from channel"));
    }
    this.fanout.close(CloseCode.NotAllowed, "removed from channel", targetId);
    this.broadcast(updateFrame);
    await Promise.all(closing);
    await userRoom(this.env, targetId).membershipChanged(targetId, channelId, false, [{ event: "user_removed.channel", payload: removed }]);
    await this.forgetUnread([targetId]);
    return ok(this.channelObject(this.store.channel()!));
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
  async rename(byUserId: number, name: string): Promise<Result<ChannelObject>> {
    const a = this.ownerAccess(byUserId, "rename the channel");
    if ("ok" in a) return a;
    const now = this.clock.now();
    const { frame, channel } = this.store.transaction(() => {
      this.store.renameChannel(name);
      this.directory.record({ op: "rename", channel_id: a.channel.id, channel_name: name });
      const channel = this.channelObject(this.store.channel()!);
      return { frame: this.store.appendEvent("channel.update", { channel }, now), channel };
    });
    await this.directory.settle();
    this.broadcast(frame);
    return ok(channel);
  }

  /** `channel.remove` (owner only). */
  async remove(byUserId: number): Promise<Result<null>> {
    const a = this.ownerAccess(byUserId, "remove the channel");
    if ("ok" in a) return a;
    return this.removeChannelNow();
  }

  /**
   * `channel.remove` {channel_id} to the channel's sockets (then closed 4004) and to every member's
   * stream; then the room deletes its storage. The directory keeps the channel marked removed, so
   * late sockets still get 4004 after ws_auth and routes 404, without reaching this room.
   */
  private async removeChannelNow(): Promise<Result<null>> {
    const channel = this.store.channel()!;
    const now = this.clock.now();
    const payload = { channel_id: channel.id };
    const frame = this.store.transaction(() => {
      this.store.markRemoved();
      this.directory.record({ op: "remove_channel", channel_id: channel.id });
      return this.store.appendEvent("channel.remove", payload, now);
    });
    await this.directory.settle();
    this.broadcast(frame);
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.live()) closing.push(this.closeConn(ws, conn, CloseCode.ChannelRemoved, "channel removed"));
    this.fanout.close(CloseCode.ChannelRemoved, "channel removed");
    closing.push(this.fanout.flush());
    await Promise.all(closing);
    await settleAll(
      "channel.remove announcement failed",
      this.store
        .members()
        .map((m) => userRoom(this.env, m.user_id).membershipChanged(m.user_id, channel.id, false, [{ event: "channel.remove", payload }])),
    );
    await this.forgetUnread(this.store.members().map((m) => m.user_id));
    // The outbox must outlive a D1 outage: with the removal still undelivered the room keeps its
    // storage (marked removed, so every route and socket already sees no channel) and vacates
    // from the alarm that delivers it.
    if (this.directory.pending()) this.meta.set(VACATE_WHEN_DELIVERED, 1);
    else await this.vacate(REMOVED);
    return ok(null);
  }

  protected override async afterAlarm(): Promise<void> {
    if (this.meta.get<number>(VACATE_WHEN_DELIVERED) === 1 && !this.directory.pending()) await this.vacate(REMOVED);
  }

  /** The user changed their profile: update the member copy; `user.profileUpdate` to every socket. */
  async profileChanged(profile: UserProfile): Promise<Result<null>> {
    if (this.vacated) return noChannel();
    const channel = this.store.channel();
    if (!channel || channel.removed) return noChannel();
    if (!this.store.member(profile.id)) return notMember();
    const now = this.clock.now();
    const frame = this.store.transaction(() => {
      const member = this.store.updateMemberProfile(profile)!;
      return this.store.appendEvent("user.profileUpdate", { user: memberUser(member), channel_id: channel.id }, now);
    });
    this.broadcast(frame);
    return ok(null);
  }

  /**
   * Operator consistency check of this channel's directory entry against the room (the owner of
   * the facts); with `repair`, queues the room's whole state for delivery and delivers it.
   */
  async directoryCheck(repair: boolean): Promise<Result<DirectoryReport>> {
    const channel = this.store.channel();
    if (!channel) return noChannel();
    const before = await this.directory.compare(channel, this.store.members());
    if (!repair || before.in_sync) return ok(before);
    this.store.transaction(() => {
      for (const change of fullIndex(channel, this.store.members())) this.directory.record(change);
    });
    await this.directory.settle();
    return ok({ ...(await this.directory.compare(channel, this.store.members())), repaired: true });
  }

  /** The user's global presence changed (called by their UserRoom). */
  async presenceChanged(userId: number, online: boolean, v: number, at: number): Promise<void> {
    if (this.vacated) return;
    this.presence.apply(userId, { online, v, at });
  }

  protected override async onAuthenticated(session: Session): Promise<void> {
    await this.leases.connected(session);
  }

  protected override async onDisconnected(session: Session): Promise<void> {
    await this.leases.disconnected(session);
  }

  // --- message life: edits, deletes, reactions, reads, unread, alerts, actions, locks ------------

  /** The domain's view of this room (stores, clock, broadcast, alarm); built once in the constructor. */
  private life!: ChannelPort;
  /** Ordered pushes of members' unread state to their user rooms. */
  private unread!: UnreadPusher;

  private messageLifeTimers(): DomainTimer[] {
    const sql = this.ctx.storage.sql;
    this.life = {
      store: this.store,
      msgs: new MessageStore(sql),
      pending: new PendingStore(sql),
      locks: new LockStore(sql),
      actions: new ActionStore(sql),
      config: this.config,
      env: this.env,
      now: () => this.clock.now(),
      broadcast: (frame, target) => this.broadcast(frame, target),
      armAt: (at) => this.armAt(at),
    };
    this.unread = new UnreadPusher(() => this.life);
    return [lockTimer(() => this.life), receiptTimer(() => this.life, this.unread)];
  }

  /** Unread pushes (coalesced) for members behind the latest message; `author` (null: bot) excluded. */
  private async messagesArrived(author: number | null): Promise<void> {
    await messagesArrived(this.life, this.unread, author, this.store.latestMessageId());
  }

  /** Members who left (or whose channel is gone) stop counting this channel in their total. */
  private async forgetUnread(userIds: number[]): Promise<void> {
    const channelId = this.store.channel()!.id;
    await settleAll("unread drop failed", userIds.map((uid) => userRoom(this.env, uid).dropUnread(channelId)));
  }

  /** After chat.postmessage: unread pushes for the others, alerts for mentions and the quoted author. */
  private async messagePosted(a: Access, messageId: number, parent: MessageRow | null): Promise<void> {
    await messagesArrived(this.life, this.unread, a.member.user_id, messageId);
    const row = this.store.message(messageId);
    if (row) await alertPost(this.life, a.channel.id, a.member, row, parent);
  }

  private commandResult(result: Result<unknown>): void {
    if (!result.ok) throw new CommandError(result.error);
  }

  async updateMessage(userId: number, input: { message_id: number; text: string }): Promise<Result<{ message: MessageObject }>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return updateMessage(this.life, a, input.message_id, input.text);
  }

  async deleteMessage(userId: number, input: { message_id: number }): Promise<Result<null>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return deleteMessage(this.life, a, input.message_id, this.unread);
  }

  async reactMessage(
    userId: number,
    input: { message_id: number; emoji_value: string; remove: boolean },
  ): Promise<Result<{ message: MessageObject }>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return react(this.life, a, { message_id: input.message_id, emoji: input.emoji_value, remove: input.remove });
  }

  async createAction(userId: number, input: NewActionInput): Promise<Result<{ action: ActionObject }>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return createAction(this.life, a, input);
  }

  async acquireLock(userId: number, input: { path: string; ttl_seconds: number }): Promise<Result<LockObject>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return acquireLock(this.life, a, input.path, input.ttl_seconds);
  }

  async refreshLock(userId: number, input: { lock_id: number; ttl_seconds?: number }): Promise<Result<LockObject>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return refreshLock(this.life, a, input.lock_id, input.ttl_seconds);
  }

  async releaseLock(userId: number, input: { lock_id: number }): Promise<Result<null>> {
    const a = this.access(userId);
    if ("ok" in a) return a;
    return releaseLock(this.life, a, input.lock_id);
  }

  // --- server API: a backend acting with a key's scopes, not as a member (docs/server-api.md) ------

  private serverAccess(): Access | Failure {
    if (this.vacated) return noChannel();
    const channel = this.store.channel();
    if (!channel || channel.removed) return noChannel();
    return { channel, member: SERVER_MEMBER };
  }

  async serverInfo(): Promise<Result<ChannelObject>> {
    const a = this.serverAccess();
    return "ok" in a ? a : ok(this.channelObject(a.channel));
  }

  async serverMembers(): Promise<Result<MemberObject[]>> {
    const a = this.serverAccess();
    return "ok" in a ? a : ok(this.store.members().map(memberObject));
  }

  async serverHistory(q: HistoryQuery): Promise<Result<{ messages: MessageObject[]; has_more: boolean }>> {
    const a = this.serverAccess();
    if ("ok" in a) return a;
    const { rows, hasMore } = this.store.page({ before: q.before_id, after: q.after_id, limit: q.limit });
    return ok({ messages: messageObjects(this.store, rows, a.channel.id), has_more: hasMore });
  }

  /** A bot message (type 5) under the bot's name: `chat.postMessage` like any other post. */
  async serverPost(botName: string, text: string): Promise<Result<{ message: MessageObject }>> {
    const a = this.serverAccess();
    if ("ok" in a) return a;
    const now = this.clock.now();
    this.counted.in++;
    const { message, frame } = this.store.transaction(() => {
      const row = this.store.insertMessage(serverBotMessage(botName, text, now));
      this.store.touchChannel(now);
      const message = messageObject(row, a.channel.id);
      return { message, frame: this.store.appendEvent("chat.postMessage", { message }, now) };
    });
    this.broadcast(frame);
    await this.messagesArrived(null);
    return ok({ message });
  }

  async serverUpdateMessage(input: { message_id: number; text: string }): Promise<Result<{ message: MessageObject }>> {
    const a = this.serverAccess();
    return "ok" in a ? a : updateMessage(this.life, a, input.message_id, input.text, true);
  }

  async serverDeleteMessage(input: { message_id: number }): Promise<Result<null>> {
    const a = this.serverAccess();
    return "ok" in a ? a : deleteMessage(this.life, a, input.message_id, this.unread);
  }

  /** The current owner acts for the key, so the events are the ones an owner's action makes. */
  private owner(): MemberRow | undefined {
    return this.store.members().find((m) => m.user_role === ROLE_OWNER);
  }

  async serverAddUser(target: UserProfile): Promise<Result<ChannelObject>> {
    const a = this.serverAccess();
    if ("ok" in a) return a;
    return this.addUser(this.owner()!.user_id, target);
  }

  async serverKick(targetId: number): Promise<Result<ChannelObject | null>> {
    const a = this.serverAccess();
    if ("ok" in a) return a;
    const owner = this.owner()!.user_id;
    return this.removeUser(owner === targetId ? targetId : owner, targetId);
  }

  /**
   * A page of the channel's log after `after` (webhook replay), oldest first. Never partial: when
   * the log no longer holds `after + 1`, a failure says where it starts.
   */
  async serverLog(after: number, limit: number): Promise<Result<ServerLogPage>> {
    const a = this.serverAccess();
    if ("ok" in a) return a;
    const seq = this.events.watermark();
    if (after > seq) return fail(422, "unknown_seq", `since_seq: the channel is at seq ${seq}`, { since_seq: `the channel is at seq ${seq}` });
    const upTo = Math.min(seq, after + limit);
    const texts = this.store.eventsBetween(after, upTo);
    if (texts === null) {
      const first = this.store.firstLoggedSeq();
      return fail(409, "log_truncated", `the channel's log now starts at seq ${first}; reload with server.channel.history`);
    }
    return ok({ channel_id: a.channel.id, frames: texts, last_seq: upTo, has_more: upTo < seq });
  }

  // --- fan-out shards (docs/architecture.md "Fan-out shards") --------------------------------------

  /** A socket upgrade: held here below the cap, otherwise passed to the shard with room for it. */
  override async fetch(request: Request): Promise<Response> {
    const channel = this.vacated ? null : this.store.channel();
    if (channel && !channel.removed && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      // The channel's cap on unauthenticated sockets counts those waiting on its shards too.
      if (this.openSockets() >= this.config.shardSocketCap && this.tooManyPending()) return this.refusePending();
      const k = this.fanout.place(this.openSockets());
      if (k !== null) return this.fanout.stub(k).fetch(request);
    }
    return super.fetch(request);
  }

  protected override pendingElsewhere(): number {
    return this.fanout.placedCount();
  }

  protected override socketsElsewhere(userId: number): number {
    return this.vacated ? 0 : this.shards.ofUser(userId);
  }

  async shardAdmit(k: number, userId: number): Promise<ShardAdmission> {
    this.fanout.admitted(k); // the socket's place is decided, whatever the answer
    const channel = this.vacated ? null : this.store.channel();
    if (!channel || channel.removed) {
      return this.vacated || channel?.removed
        ? { ok: false, code: CloseCode.ChannelRemoved, reason: "channel removed" }
        : { ok: false, code: CloseCode.NotAllowed, reason: "not a member of this channel" };
    }
    if (!this.store.member(userId)) return { ok: false, code: CloseCode.NotAllowed, reason: "not a member of this channel" };
    // The same count as a socket here: the user's sockets on every object of the channel.
    if (this.socketsOf(userId) + this.shards.ofUser(userId) >= this.config.maxSocketsPerUser) {
      return { ok: false, code: CloseCode.RateLimited, reason: "too many sockets" };
    }
    this.shards.admitted(k, userId);
    return { ok: true, channel_id: channel.id, epoch: this.store.epoch(), seq: this.events.watermark() };
  }

  async shardLeft(k: number, userId: number): Promise<void> {
    if (!this.vacated) this.shards.left(k, userId);
  }

  async shardLog(after: number, upTo: number): Promise<string[] | null> {
    return this.vacated ? null : this.store.eventsBetween(after, Math.min(upTo, this.events.watermark()));
  }

  async shardResume(userId: number, epoch: string, since: number, liveFrom: number): Promise<ShardResume> {
    if (this.vacated) return { recovered: false, frames: [] };
    const member = this.store.member(userId);
    const session = { ls: liveFrom } as ResumeSession;
    const plan = this.events.resume(session, epoch, since, member?.joined_seq ?? null);
    return plan.recovered ? { recovered: true, frames: plan.frames.map((f) => f.text) } : { recovered: false, frames: [] };
  }

  /** Sessions ended: closed here and on every shard holding a socket of the user. */
  override async sessionsEnded(userId: number, sids: number[]): Promise<number> {
    const here = await super.sessionsEnded(userId, sids);
    const there = await this.onShardsOf(userId, (stub) => stub.sessionsEnded(userId, sids));
    return here + there;
  }

  override async disconnectUser(userId: number, code: number, reason: string): Promise<number> {
    const here = await super.disconnectUser(userId, code, reason);
    const there = await this.onShardsOf(userId, (stub) => stub.disconnectUser(userId, code, reason));
    return here + there;
  }

  private async onShardsOf(userId: number, call: (stub: ReturnType<ShardFanout["stub"]>) => Promise<number>): Promise<number> {
    if (this.vacated || !this.store.channel()) return 0;
    const ks = this.shards.active().filter((k) => this.shards.holds(k, userId));
    const settled = await settleAll("shard call failed", ks.map((k) => call(this.fanout.stub(k))));
    return settled.reduce((sum, r) => sum + (r.status === "fulfilled" ? r.value : 0), 0);
  }

  // --- commands -----------------------------------------------------------------------------------

  protected async onCommand(ws: WebSocket, conn: Conn, command: Command): Promise<void> {
    if (command.command === "ws_resume") return this.resume(ws, conn, command.epoch, command.since_seq);
    const channel = this.store.channel();
    if ("channel_id" in command && command.channel_id !== undefined && command.channel_id !== channel?.id) {
      throw new CommandError("channel_id is not this socket's channel");
    }
    await this.runCommand(conn.s.uid!, command);
  }

  /** A channel command forwarded from the user's own stream (membership checked here). */
  async userCommand(userId: number, command: Command): Promise<Result<null>> {
    try {
      await this.runCommand(userId, command);
      return ok(null);
    } catch (err) {
      if (err instanceof CommandError) return fail(422, "command_failed", err.message);
      throw err;
    }
  }

  private async runCommand(userId: number, command: Command): Promise<void> {
    const a = this.access(userId);
    if ("ok" in a) throw new CommandError(a.error);
    const now = this.clock.now();
    switch (command.command) {
      case "ws_ephemeral_typing": {
        const last = this.typingAt.get(userId) ?? this.meta.get<number>(`typing:${userId}`);
        if (last !== undefined && now - last < this.config.typingIntervalMs) return; // dropped: one per user and channel per interval (docs/protocol.md#commands)
        const frame = buildEvent(
          "chat.userTyping",
          { user: memberUser(a.member), channel_id: a.channel.id },
          now,
        );
        // Sent before the throttle's write: frames sent after a write wait for its commit (the
        // output gate), and an ephemeral event needs no durable state behind it. A crash between
        // the two would only let one more typing event through.
        this.broadcast(frame, { except: userId });
        this.typingAt.set(userId, now);
        this.meta.set(`typing:${userId}`, now);
        return;
      }
      // message life: ws_read_notification, ws_all_read_notification, ws_add_reaction, ws_remove_reaction
      case "ws_read_notification":
        return this.commandResult(await readNotification(this.life, this.unread, userId, command.message_id));
      case "ws_all_read_notification":
        return this.commandResult(await allRead(this.life, this.unread, userId));
      case "ws_add_reaction":
      case "ws_remove_reaction":
        return this.commandResult(
          await react(this.life, a, {
            message_id: command.message_id,
            emoji: command.emoji_value,
            remove: command.command === "ws_remove_reaction",
          }),
        );
      default:
        throw new CommandError(`${command.command} is not supported on this socket`);
    }
  }

  // --- event log: ordered delivery, resume -------------------------------------------------------

  private eventStream: EventStream | null = null;
  private get events(): EventStream {
    this.eventStream ??= new EventStream(this.store, {
      minEvents: this.config.eventLogMinEvents,
      minAgeMs: this.config.eventLogMinAgeMs,
      maxReplay: this.config.resumeMaxEvents,
    });
    return this.eventStream;
  }

  /**
   * Durable frames (those with a seq) go out strictly in seq order and once each, and publishing
   * them trims the log; other frames pass straight through.
   */
  protected override broadcast(frame: OutFrame, target: { only?: number; except?: number } = {}): number {
    if (frame.event.meta.seq === undefined) {
      const sent = super.broadcast(frame, target);
      if (target.only === undefined) this.toWebhooks(frame);
      this.fanout.frame(frame, target);
      return sent;
    }
    let sent = 0;
    for (const f of this.events.publish(frame, this.clock.now())) {
      const t = f === frame ? target : {};
      sent = super.broadcast(f, t);
      this.fanout.frame(f, t);
      this.toWebhooks(f);
    }
    return sent;
  }

  /** Channel-wide events also go to the webhook queue (only those endpoints subscribe to). */
  private readonly webhooks = new WebhookOutbox(this.env);

  private toWebhooks(frame: OutFrame): void {
    const { event, meta, payload } = frame.event;
    this.webhooks.emit({ event, channel_id: this.store.channel()?.id ?? null, seq: meta.seq, time: meta.time, payload });
  }

  private resume(ws: WebSocket, conn: Conn, epoch: string, since: number): void {
    if (conn.s.resumed) throw new CommandError("ws_resume is allowed once per connection");
    conn.s.resumed = true;
    this.persist(ws, conn);
    const member = this.store.member(conn.s.uid!);
    const plan = this.events.resume(conn.s as ResumeSession, epoch, since, member?.joined_seq ?? null);
    // Replay and the closing rtm.resumed go out in one synchronous run, so no live event can
    // slip in between: live events produced meanwhile are sent after it, in order.
    for (const frame of plan.frames) this.sendFiltered(ws, conn, frame);
    const resumed = buildEvent("rtm.resumed", { recovered: plan.recovered, seq: plan.seq }, this.clock.now());
    this.safeSend(ws, resumed.text);
  }
}
