import type { RtmClaims } from "../auth/tokens";
import type { Env } from "../env";
import { CloseCode } from "../protocol/closeCodes";
import { CHANNEL_COMMANDS, type Command } from "../protocol/commands";
import { buildEvent } from "../protocol/envelope";
import { CommandError } from "../rooms/errors";
import type { Session } from "../rooms/session";
import { type Admission, type Conn, SocketRoom } from "../rooms/SocketRoom";
import { channelRoom } from "../rooms/stubs";
import { USER_SCHEMA } from "../storage/userStore";
import { type PresenceState, SELF_ROOM, UserPresence, leaseTiming } from "./presence";

/**
 * One user's own stream: events about the user rather than one channel (channels created or
 * removed for them, alerts, unread totals). Channel commands sent here are forwarded to the
 * channel's room, so a client can keep a single socket.
 */
export class UserRoom extends SocketRoom {
  private readonly presence: UserPresence;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.presence = new UserPresence({
      sql: ctx.storage.sql,
      meta: this.meta,
      env,
      clock: this.clock,
      ttlMs: leaseTiming(this.config.pingIntervalMs).ttlMs,
      userId: () => this.userId(),
      ownConnIds: () => [...this.live()].map(([, conn]) => conn.s.cid),
      armAt: (at) => this.armAt(at),
    });
    this.timers.push(this.presence.timer());
  }

  protected schema(): readonly string[] {
    return USER_SCHEMA;
  }

  protected roomLabel(): string {
    return `user:${this.userId() ?? "unbound"}`;
  }

  private userId(): number | undefined {
    return this.meta.get<number>("user_id");
  }

  protected bind(roomId: number): void {
    if (this.userId() === undefined) this.meta.set("user_id", roomId);
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
    const result = await channelRoom(this.env, channelId).userCommand(conn.s.uid!, command);
    if (!result.ok) throw new CommandError(result.error);
  }

  /** Delivers a user-stream event (no seq: SPEC §6) to every socket of this stream. */
  async deliver(event: string, payload: object): Promise<number> {
    return this.broadcast(buildEvent(event, payload, this.clock.now()));
  }

  /** Whether the user has a live connection anywhere (global presence, issue 3). */
  async online(): Promise<boolean> {
    return this.presence.state().online;
  }

  // --- global presence (issue 3): leases of every connection of the user ---------------------------

  protected override async onAuthenticated(session: Session): Promise<void> {
    await this.presence.connect(session.cid, SELF_ROOM);
  }

  protected override async onDisconnected(session: Session): Promise<void> {
    await this.presence.disconnect(session.cid);
  }

  /** A channel room reports a new authenticated connection of the user; answers the current state. */
  async connectionOpened(userId: number, connId: string, room: string): Promise<PresenceState> {
    this.bind(userId);
    return this.presence.connect(connId, room);
  }

  async connectionClosed(userId: number, connId: string): Promise<PresenceState> {
    this.bind(userId);
    return this.presence.disconnect(connId);
  }

  /** A room's periodic renewal: its complete list of the user's live connections there. */
  async renewLeases(userId: number, room: string, connIds: string[]): Promise<PresenceState> {
    this.bind(userId);
    return this.presence.renew(room, connIds);
  }

  async presenceState(userId: number): Promise<PresenceState> {
    this.bind(userId);
    return this.presence.state();
  }
}
