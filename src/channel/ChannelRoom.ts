import type { RtmClaims } from "../auth/tokens";
import type { ChannelRoomRpc, CreateChannelInput, HistoryQuery, NewActionInput } from "../contracts/channelRoom";
import type { Env } from "../env";
import type { CloseDecision } from "../protocol/closeCodes";
import type { Command } from "../protocol/commands";
import type { OutFrame } from "../protocol/envelope";
import type { UserProfile } from "../protocol/objects";
import { CommandError, ok } from "../rooms/errors";
import { missingRoom } from "../rooms/existence";
import type { Session } from "../rooms/session";
import { type Admission, type Conn, SocketRoom } from "../rooms/SocketRoom";
import { CHANNEL_SCHEMA, type ChannelStore } from "../storage/channelStore";
import { type Answer, withAccess } from "./access";
import { channelObject, historyPage, memberObjects } from "./channelView";
import { type ChannelParts, channelParts } from "./channelParts";
import { createAction } from "./actions";
import { checkDirectory } from "./directorySync";
import { deleteMessage, updateMessage } from "./edits";
import { acquireLock, refreshLock, releaseLock } from "./locks";
import type { Access } from "./port";
import { post, serverPost } from "./posts";
import { react } from "./reactions";
import type { ShardFanout } from "./shardFanout";

export type { ChannelObject, CreateChannelInput, HistoryQuery, MemberObject } from "../contracts/channelRoom";

/**
 * One channel: its members, messages and durable event log in SQLite, its hibernatable sockets,
 * and the events a channel produces (docs/protocol.md#events). The worker calls the RPC methods;
 * sockets reach the commands through the shared websocket layer. This class is the Durable
 * Object's surface only: each feature is a part built in channelParts.ts, and every method here
 * hands its call to one of them.
 */
export class ChannelRoom extends SocketRoom implements ChannelRoomRpc {
  private readonly c: ChannelParts = channelParts({
    ctx: this.ctx, env: this.env, config: this.config, meta: this.meta, clock: this.clock, counted: this.counted,
    db: () => this.env.DB,
    broadcast: (frame, target) => this.broadcast(frame, target),
    send: (frame, target) => super.broadcast(frame, target),
    live: (fresh) => this.live(fresh),
    closeConn: (ws, conn, code, reason) => this.closeConn(ws, conn, code, reason),
    armAt: (at) => this.armAt(at), disarmIfIdle: () => this.disarmIfIdle(),
    vacate: (close) => this.vacate(close), vacated: () => this.vacated !== null,
    socket: { persist: (ws, c) => this.persist(ws, c), sendFiltered: (ws, c, f) => this.sendFiltered(ws, c, f), safeSend: (ws, t) => this.safeSend(ws, t) },
    sockets: { openSockets: () => this.openSockets(), socketsOf: (uid) => this.socketsOf(uid), tooManyPending: () => this.tooManyPending(), refusePending: () => this.refusePending() },
  });
  private readonly store: ChannelStore = this.c.store;
  /** the stream to the channel's fan-out shards */
  private readonly fanout: ShardFanout = this.c.fanout;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.timers.push(...this.c.capabilities.timers());
  }

  // --- the socket layer's questions -------------------------------------------------------------

  protected schema(): readonly string[] {
    return CHANNEL_SCHEMA;
  }
  protected roomLabel(): string {
    return `channel:${this.vacated ? "removed" : (this.store.channel()?.id ?? "unbound")}`;
  }
  protected override async absentId(roomId: number): Promise<CloseDecision | null> {
    // Only an id the directory does not hold as live: a live one may be in the middle of create().
    return this.store.channel() ? null : missingRoom(this.env, "channel", roomId);
  }
  protected admit(claims: RtmClaims): Admission {
    return this.c.access.socket(claims.user_id);
  }
  protected readyPayload(session: Session): Record<string, unknown> {
    return this.c.log.ready(session);
  }
  protected override async onAuthenticated(session: Session): Promise<void> {
    await this.c.capabilities.connected(session);
  }
  protected override async onDisconnected(session: Session): Promise<void> {
    await this.c.capabilities.disconnected(session);
  }
  protected override async afterAlarm(): Promise<void> {
    await this.c.membership.vacateIfDelivered();
  }
  protected override broadcast(frame: OutFrame, target: { only?: number; except?: number } = {}): number {
    return this.c.log.broadcast(frame, target);
  }

  // --- access -----------------------------------------------------------------------------------

  /** Runs `fn` for a member of the live channel, or answers why not (404 no channel, 403 not a member). */
  private withAccess<T>(userId: number, fn: (a: Access) => Answer<T>) {
    return withAccess(this.c.access.member(userId), fn);
  }
  /** The server API's variant: a key acts as the bot, with an owner's rights (docs/server-api.md). */
  private withServer<T>(fn: (a: Access) => Answer<T>) {
    return withAccess(this.c.access.server(), fn);
  }

  // --- the worker's channel routes ----------------------------------------------------------------

  async create(input: CreateChannelInput) {
    return this.c.membership.create(input);
  }
  async info(userId: number) {
    return this.withAccess(userId, (a) => ok(channelObject(this.store, a.channel)));
  }
  async members(userId: number) {
    return this.withAccess(userId, () => ok(memberObjects(this.store)));
  }
  async history(userId: number, q: HistoryQuery) {
    return this.withAccess(userId, (a) => ok(historyPage(this.store, a.channel.id, q)));
  }
  async post(userId: number, input: { text: string; parent_message_id?: number }) {
    return this.withAccess(userId, (a) => post(this.c.posts, a, input));
  }
  async addUser(byUserId: number, target: UserProfile) {
    return this.c.membership.addUser(byUserId, target);
  }
  async kick(byUserId: number, targetId: number) {
    return this.withAccess(byUserId, (a) => this.c.membership.kick(a, targetId));
  }
  async leave(userId: number) {
    return this.c.membership.leave(userId);
  }
  async rename(byUserId: number, name: string) {
    return withAccess(this.c.access.owner(byUserId, "rename the channel"), (a) => this.c.membership.rename(a, name));
  }
  async remove(byUserId: number) {
    return withAccess(this.c.access.owner(byUserId, "remove the channel"), () => this.c.membership.removeChannel());
  }
  async updateMessage(userId: number, input: { message_id: number; text: string }) {
    return this.withAccess(userId, (a) => updateMessage(this.c.port, a, input.message_id, input.text));
  }
  async deleteMessage(userId: number, input: { message_id: number }) {
    return this.withAccess(userId, (a) => deleteMessage(this.c.port, a, input.message_id, this.c.unread));
  }
  async reactMessage(userId: number, input: { message_id: number; emoji_value: string; remove: boolean }) {
    return this.withAccess(userId, (a) => react(this.c.port, a, { message_id: input.message_id, emoji: input.emoji_value, remove: input.remove }));
  }
  async createAction(userId: number, input: NewActionInput) {
    return this.withAccess(userId, (a) => createAction(this.c.port, a, input));
  }
  async acquireLock(userId: number, input: { path: string; ttl_seconds: number }) {
    return this.withAccess(userId, (a) => acquireLock(this.c.port, a, input.path, input.ttl_seconds));
  }
  async refreshLock(userId: number, input: { lock_id: number; ttl_seconds?: number }) {
    return this.withAccess(userId, (a) => refreshLock(this.c.port, a, input.lock_id, input.ttl_seconds));
  }
  async releaseLock(userId: number, input: { lock_id: number }) {
    return this.withAccess(userId, (a) => releaseLock(this.c.port, a, input.lock_id));
  }

  // --- account and operator changes, presence -----------------------------------------------------

  async userDeleted(userId: number) {
    return this.c.membership.userDeleted(userId);
  }
  async profileChanged(profile: UserProfile) {
    return this.withAccess(profile.id, (a) => this.c.membership.profileChanged(a, profile));
  }
  async directoryCheck(repair: boolean) {
    return checkDirectory(this.store, this.c.directory, repair);
  }
  /** The user's global presence changed (called by their UserRoom). */
  async presenceChanged(userId: number, online: boolean, v: number, at: number): Promise<void> {
    if (!this.vacated) this.c.presence.apply(userId, { online, v, at });
  }

  // --- server API: a backend acting with a key's scopes, not as a member (docs/server-api.md) -----

  async serverInfo() {
    return this.withServer((a) => ok(channelObject(this.store, a.channel)));
  }
  async serverMembers() {
    return this.withServer(() => ok(memberObjects(this.store)));
  }
  async serverHistory(q: HistoryQuery) {
    return this.withServer((a) => ok(historyPage(this.store, a.channel.id, q)));
  }
  async serverPost(botName: string, text: string) {
    return this.withServer((a) => serverPost(this.c.posts, a, botName, text));
  }
  async serverUpdateMessage(input: { message_id: number; text: string }) {
    return this.withServer((a) => updateMessage(this.c.port, a, input.message_id, input.text, true));
  }
  async serverDeleteMessage(input: { message_id: number }) {
    return this.withServer((a) => deleteMessage(this.c.port, a, input.message_id, this.c.unread));
  }
  async serverAddUser(target: UserProfile) {
    return this.withServer(() => this.c.membership.serverAddUser(target));
  }
  async serverKick(targetId: number) {
    return this.withServer(() => this.c.membership.serverKick(targetId));
  }
  async serverLog(after: number, limit: number) {
    return this.withServer((a) => this.c.log.serverLog(a, after, limit));
  }

  // --- fan-out shards (docs/architecture.md "Fan-out shards") --------------------------------------

  /** A socket upgrade: held here below the cap, otherwise passed to the shard with room for it. */
  override async fetch(request: Request): Promise<Response> {
    return (await this.c.shardHost.upgrade(request)) ?? super.fetch(request);
  }
  protected override pendingElsewhere(): number {
    return this.c.shardHost.pending();
  }
  protected override socketsElsewhere(userId: number): number {
    return this.c.shardHost.socketsOf(userId);
  }
  async shardAdmit(k: number, userId: number) {
    return this.c.shardHost.admit(k, userId);
  }
  async shardLeft(k: number, userId: number) {
    this.c.shardHost.left(k, userId);
  }
  async shardLog(after: number, upTo: number) {
    return this.c.log.shardLog(after, upTo);
  }
  async shardResume(userId: number, epoch: string, since: number, liveFrom: number) {
    return this.c.log.shardResume(userId, epoch, since, liveFrom);
  }
  /** Sessions ended: closed here and on every shard holding a socket of the user. */
  override async sessionsEnded(userId: number, sids: number[]): Promise<number> {
    const here = await super.sessionsEnded(userId, sids);
    return here + (await this.c.shardHost.onShardsOf(userId, (stub) => stub.sessionsEnded(userId, sids)));
  }
  override async disconnectUser(userId: number, code: number, reason: string): Promise<number> {
    const here = await super.disconnectUser(userId, code, reason);
    return here + (await this.c.shardHost.onShardsOf(userId, (stub) => stub.disconnectUser(userId, code, reason)));
  }

  // --- commands (each handled by the capability that contributes it) -----------------------------

  protected async onCommand(ws: WebSocket, conn: Conn, command: Command): Promise<void> {
    if (command.command === "ws_resume") return this.c.log.resume(ws, conn, command.epoch, command.since_seq);
    if ("channel_id" in command && command.channel_id !== undefined && command.channel_id !== this.store.channel()?.id) {
      throw new CommandError("channel_id is not this socket's channel");
    }
    await this.c.capabilities.run(this.c.access.member(conn.s.uid!), command);
  }

  /** A channel command forwarded from the user's own stream (membership checked here). */
  async userCommand(userId: number, command: Command) {
    return this.c.capabilities.answer(this.c.access.member(userId), command);
  }
}
