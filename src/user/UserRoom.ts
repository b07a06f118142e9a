import type { RtmClaims } from "../auth/tokens";
import type { Env } from "../env";
import { CloseCode } from "../protocol/closeCodes";
import { CHANNEL_COMMANDS, type Command } from "../protocol/commands";
import { buildEvent } from "../protocol/envelope";
import { settleAll } from "../ops/log";
import { CommandError, noChannel } from "../rooms/errors";
import { missingRoom } from "../rooms/existence";
import type { Session } from "../rooms/session";
import { type Admission, type Conn, SocketRoom } from "../rooms/SocketRoom";
import { channelRoom } from "../rooms/stubs";
import { Directory } from "../storage/directory";
import { UserChannelStore } from "../storage/userChannelStore";
import { USER_SCHEMA } from "../storage/userSchema";
import { type PresenceState, SELF_ROOM, UserPresence, leaseTiming } from "./presence";
import type { AlertInput, AlertObject } from "../contracts/alerts";
import type { UnreadPayload, UnreadState } from "../contracts/unread";
import { type Result, fail, ok } from "../rooms/errors";
import { AlertStore } from "../storage/alertStore";
import { UnreadStore } from "../storage/unreadStore";
import { ALERTS_PAGE, DELETED_ALERT_TEXT, alertObject } from "./alerts";
import { UnreadTotals } from "./unreadTotals";
import { QuotaStore } from "../storage/quotaStore";
import { type QuotaCounts, type QuotaVerdict, Quotas } from "./quotas";
import { WebhookOutbox } from "../webhooks/outbox";
import { PushNotifier } from "../push/notifier";
import type { AlertContext, PushMode, PushSettingsView, PushSubscriptionView, SubscriptionInput, UnreadHint } from "../contracts/push";
import type { SubscriptionRow } from "../storage/pushStore";
import { unixSeconds } from "../protocol/objects";
import type { StreamEvent, UserRoomRpc } from "../contracts/userRoom";

export type { StreamEvent } from "../contracts/userRoom";

/**
 * One user's own stream: events about the user rather than one channel (channels created or
 * removed for them, alerts, unread totals). Channel commands sent here are forwarded to the
 * channel's room, so a client can keep a single socket.
 */
export class UserRoom extends SocketRoom implements UserRoomRpc {
  private readonly presence: UserPresence;
  private readonly channels: UserChannelStore;
  /** Web Push for this user while they are offline (docs/push.md). */
  private readonly push: PushNotifier;
  private readonly unread: UnreadTotals;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.channels = new UserChannelStore(ctx.storage.sql, this.meta);
    this.presence = new UserPresence({
      sql: ctx.storage.sql,
      meta: this.meta,
      env,
      clock: this.clock,
      ttlMs: leaseTiming(this.config.pingIntervalMs).ttlMs,
      userId: () => this.userId(),
      ownConnIds: () => [...this.live(true)].map(([, conn]) => conn.s.cid), // fresh: the lease check must see what the runtime lists
      armAt: (at) => this.armAt(at),
      channelIds: () => this.channelIds(),
    });
    this.timers.push(this.presence.timer());
    this.push = new PushNotifier({
      sql: ctx.storage.sql,
      meta: this.meta,
      env,
      config: this.config,
      clock: this.clock,
      userId: () => this.userId(),
      online: () => this.presence.state().online,
      unread: (channelId) => {
        const store = new UnreadStore(ctx.storage.sql);
        return { channel: store.get(channelId)?.unread_count ?? 0, total: store.total() };
      },
      armAt: (at) => this.armAt(at),
    });
    this.timers.push(this.push.timer());
    this.unread = new UnreadTotals({
      sql: ctx.storage.sql,
      push: this.push,
      now: () => this.clock.now(),
      userId: () => this.userId(),
      broadcast: (frame) => this.broadcast(frame),
    });
  }

  protected schema(): readonly string[] {
    return USER_SCHEMA;
  }

  protected roomLabel(): string {
    return this.ctx.id.name ?? "user:unbound";
  }

  private userId(): number {
    if (this.ownId === null) throw new Error(`not a user room's name: ${this.ctx.id.name}`);
    return this.ownId;
  }

  protected admit(claims: RtmClaims): Admission {
    if (claims.user_id !== this.userId()) {
      return { ok: false, close: { code: CloseCode.NotAllowed, reason: "not your stream" } };
    }
    return { ok: true };
  }

  protected readyPayload(_session: Session): Record<string, unknown> {
    return {};
  }

  protected async onCommand(_ws: WebSocket, conn: Conn, command: Command): Promise<void> {
    if (!CHANNEL_COMMANDS.has(command.command)) {
      throw new CommandError(`${command.command} is not supported on the user stream`);
    }
    const channelId = "channel_id" in command ? command.channel_id : undefined;
    if (channelId === undefined) throw new CommandError("channel_id is required on the user stream");
    // A channel that does not exist is not asked: its room would store a schema for it.
    if (await missingRoom(this.env, "channel", channelId)) throw new CommandError(noChannel().error);
    const result = await channelRoom(this.env, channelId).userCommand(conn.s.uid!, command);
    if (!result.ok) throw new CommandError(result.error);
  }

  /** The user's channels; read from the directory once if this room never learnt the whole list. */
  private async channelIds(): Promise<number[]> {
    if (!this.channels.complete()) {
      this.channels.markComplete(await new Directory(this.env.DB).channelIdsOf(this.userId()));
    }
    return this.channels.ids();
  }

  /** `user.create`: a new user belongs to no channel, so the room's list is complete from the start. */
  async created(): Promise<void> {
    if (!this.channels.complete()) this.channels.markComplete([]);
  }

  /**
   * A channel room added the user (`member`) or removed them or the channel: keeps the list in
   * step (after the directory's index, like it) and delivers the events about it on this stream.
   */
  async membershipChanged(channelId: number, member: boolean, events: readonly StreamEvent[]): Promise<void> {
    if (member) this.channels.add(channelId);
    else this.channels.remove(channelId);
    for (const e of events) this.broadcast(buildEvent(e.event, e.payload, this.clock.now()));
  }

  // --- sessions (docs/security.md, "Sessions and revocation") ------------------------------------

  /**
   * Closes the ended sessions' sockets here and in every channel of the user (a channel room
   * holding none of them only learns to refuse them). A channel that cannot be reached is logged:
   * its sockets of those sessions are refused at their next ws_auth and end with their ws token.
   */
  override async sessionsEnded(userId: number, sids: number[]): Promise<number> {
    let closed = await super.sessionsEnded(userId, sids);
    const calls = (await this.channelIds()).map((id) => channelRoom(this.env, id).sessionsEnded(userId, sids));
    for (const r of await settleAll("session close in a channel failed", calls, { user_id: userId }, "warn")) {
      if (r.status === "fulfilled") closed += r.value;
    }
    return closed;
  }

  /** The account is deleted: nothing of the user's stays here (alerts quote messages). */
  async accountDeleted(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM alerts");
    this.ctx.storage.sql.exec("DELETE FROM unread");
    this.push.store.removeAll();
  }

  // --- global presence: leases of every connection of the user ---------------------------

  protected override async onAuthenticated(session: Session): Promise<void> {
    await this.presence.connect(session.cid, SELF_ROOM);
  }

  protected override async onDisconnected(session: Session): Promise<void> {
    await this.presence.disconnect(session.cid);
  }

  /** A channel room reports a new authenticated connection of the user; answers the current state. */
  async connectionOpened(connId: string, room: string): Promise<PresenceState> {
    return this.presence.connect(connId, room);
  }

  async connectionClosed(connId: string): Promise<PresenceState> {
    return this.presence.disconnect(connId);
  }

  /** A room's periodic renewal: its complete list of the user's live connections there. */
  async renewLeases(room: string, connIds: string[]): Promise<PresenceState> {
    return this.presence.renew(room, connIds);
  }

  async presenceState(): Promise<PresenceState> {
    return this.presence.state();
  }

  // --- alerts and unread totals -----------------------------------------------------------------

  /** Stores an alert and sends `alert.notification` (payload: the alert object) on this stream. */
  private readonly webhooks = new WebhookOutbox(this.env);

  async addAlert(input: AlertInput, context?: AlertContext): Promise<AlertObject> {
    const row = new AlertStore(this.ctx.storage.sql).insert(input);
    const alert = alertObject(row);
    const frame = buildEvent("alert.notification", alert, this.clock.now());
    this.broadcast(frame);
    this.webhooks.emit({ event: "alert.notification", channel_id: alert.channel_id, time: frame.event.meta.time, payload: alert });
    if (context && alert.channel_id !== null && alert.message_id !== null) {
      await this.push.event("alert", {
        channel_id: alert.channel_id,
        channel_name: context.channel_name,
        body: alert.alert_text,
        message_id: alert.message_id,
        // Under "all", the unread update for the same message counts it.
        count: context.counted_as_unread && this.push.mode() === "all" ? 0 : 1,
      });
    }
    return alert;
  }

  async alerts(): Promise<AlertObject[]> {
    return new AlertStore(this.ctx.storage.sql).list(ALERTS_PAGE).map(alertObject);
  }

  /** The channel deleted a message: its alerts here keep their place but lose its text. */
  async redactAlerts(channelId: number, messageId: number): Promise<number> {
    return new AlertStore(this.ctx.storage.sql).redact(channelId, messageId, DELETED_ALERT_TEXT);
  }

  async ackAlert(alertId: number): Promise<Result<null>> {
    if (!new AlertStore(this.ctx.storage.sql).markRead(alertId)) return fail(404, "alert_not_found", "no such alert");
    return ok(null);
  }

  /** A channel's unread state for this user (see UnreadTotals.set). */
  async setUnread(channelId: number, state: UnreadState, hint?: UnreadHint): Promise<UnreadPayload | null> {
    return this.unread.set(channelId, state, hint);
  }

  /** Forgets a channel's unread state (see UnreadTotals.drop); answers the new total. */
  async dropUnread(channelId: number): Promise<number> {
    return this.unread.drop(channelId);
  }

  async totalUnread(): Promise<number> {
    return this.unread.total();
  }

  // --- hourly quotas (docs/security.md "Quotas") ----------------------------------------------------

  private quotas(): Quotas {
    return new Quotas(new QuotaStore(this.ctx.storage.sql), this.config);
  }

  /** Spends `spend` if it and `headroom` fit the user's quotas; spends nothing otherwise. */
  async reserveQuota(spend: QuotaCounts, headroom: QuotaCounts): Promise<QuotaVerdict> {
    return this.quotas().reserve(spend, headroom, this.clock.now());
  }

  /** A lookup was refused: gives back what its reservation spent and charges its failed lookups. */
  async chargeFailedLookups(n: number, refund: QuotaCounts): Promise<QuotaVerdict> {
    return this.quotas().chargeFailedLookups(n, refund, this.clock.now());
  }

  // --- Web Push (docs/push.md) ----------------------------------------------------------------------

  /** Adds a checked subscription (or renews an endpoint's keys); 409 beyond the maximum. */
  async pushSubscribe(sub: SubscriptionInput): Promise<Result<PushSubscriptionView>> {
    const store = this.push.store;
    if (!store.byEndpoint(sub.endpoint) && store.count() >= this.config.pushMaxSubscriptions) {
      return fail(409, "too_many_subscriptions", `at most ${this.config.pushMaxSubscriptions} push subscriptions per user; remove one first`);
    }
    return ok(subscriptionView(store.upsert(sub, this.clock.now())));
  }

  async pushSubscriptions(): Promise<PushSubscriptionView[]> {
    return this.push.store.subscriptions().map(subscriptionView);
  }

  async pushUnsubscribe(ref: { subscription_id?: number; endpoint?: string }): Promise<Result<null>> {
    const store = this.push.store;
    const row = ref.subscription_id !== undefined ? store.subscriptions().find((s) => s.id === ref.subscription_id) : store.byEndpoint(ref.endpoint!);
    if (!row || (ref.endpoint !== undefined && row.endpoint !== ref.endpoint)) {
      return fail(404, "subscription_not_found", "no such push subscription");
    }
    store.remove(row.id);
    return ok(null);
  }

  /** The push service answered 404/410: the browser dropped the subscription. */
  async pushSubscriptionGone(subscriptionId: number, endpoint: string): Promise<boolean> {
    return this.push.store.remove(subscriptionId, endpoint);
  }

  async pushSettings(): Promise<PushSettingsView> {
    return { mode: this.push.mode(), muted_channel_ids: this.push.store.mutes() };
  }

  /** A channel can be muted by its members only (403 otherwise; the worker answers 404 for a missing one). */
  async setPushSettings(p: { mode?: PushMode; channel_id?: number; muted?: boolean }): Promise<Result<PushSettingsView>> {
    if (p.channel_id !== undefined && p.muted !== undefined) {
      if (p.muted && !(await this.channelIds()).includes(p.channel_id)) return fail(403, "not_a_member", "you are not a member of this channel");
      this.push.store.setMuted(p.channel_id, p.muted);
    }
    if (p.mode !== undefined) this.push.setMode(p.mode);
    return ok(await this.pushSettings());
  }

  /** Notifications waiting out their window (tests and operators). */
  async pendingPushes(): Promise<number> {
    return this.push.store.pending().length;
  }
}

function subscriptionView(row: SubscriptionRow): PushSubscriptionView {
  return { subscription_id: row.id, endpoint: row.endpoint, created_on_ts: unixSeconds(row.created_on) };
}
