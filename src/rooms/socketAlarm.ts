import type { Config } from "../config";
import { CloseCode } from "../protocol/closeCodes";
import { buildEvent } from "../protocol/envelope";
import type { Meta } from "../storage/sqlite";
import type { Clock } from "./clock";
import type { Conn } from "./conn";
import type { SocketIndex } from "./socketIndex";
import { type DomainTimer, earliest, runDue } from "./timers";

const NEVER = Number.POSITIVE_INFINITY;

/** What the alarm needs of its room. */
export interface AlarmHost {
  readonly ctx: DurableObjectState;
  readonly config: Config;
  readonly meta: Meta;
  readonly clock: Clock;
  readonly timers: readonly DomainTimer[];
  readonly index: SocketIndex<Conn>;
  close(ws: WebSocket, conn: Conn, code: number, reason: string): Promise<void>;
  send(ws: WebSocket, text: string): void;
  report(connections: number, alarmAt: number | null): Promise<void>;
}

/**
 * The room's one alarm: re-armed to the earliest of the sockets' auth deadlines and token
 * expiries, the ping check (`_meta` `ping_check_at`) and the domain timers; deleted when nothing
 * is pending. Each run closes the sockets past a deadline and, on a ping check, the silent ones.
 */
export class SocketAlarm {
  /**
   * When the alarm is set for, as this instance last set or read it (undefined: not known yet).
   * Every upgrade and every auth asks; a storage read each time was a tenth of the connect path.
   */
  private alarmAt: number | null | undefined = undefined;
  /**
   * Earliest auth deadline or token expiry among the sockets, as far as this instance knows
   * (undefined after a wake-up: the next alarm walks the sockets to learn it). An alarm that fires
   * for a domain timer (an unread slice every 25 ms on a busy channel) skips the walk over every
   * socket when no socket deadline is due.
   */
  private socketDue: number | undefined = undefined;
  /** authenticated sockets counted by the last walk (operator stats) */
  private authedCount = 0;

  constructor(private readonly h: AlarmHost) {}

  /** Makes sure the alarm fires no later than `at`. */
  async armAt(at: number): Promise<void> {
    if (!Number.isFinite(at)) return;
    if (this.alarmAt === undefined) {
      const stored = await this.h.ctx.storage.getAlarm();
      this.alarmAt ??= stored; // another armAt may have set it while we read
    }
    // Decided synchronously after the read, so two concurrent calls never leave the later time set.
    if (this.alarmAt === null || at < this.alarmAt) await this.set(at);
  }

  async set(at: number | null): Promise<void> {
    this.alarmAt = at;
    if (at === null) await this.h.ctx.storage.deleteAlarm();
    else await this.h.ctx.storage.setAlarm(at);
  }

  /** No domain timer pending: nothing but a socket needs the alarm. */
  timersIdle(): boolean {
    return earliest(this.h.timers) === null;
  }

  /** The last socket closed: no ping check, and no alarm unless a domain timer needs it. */
  async lastSocketClosed(): Promise<void> {
    if (!this.timersIdle()) return;
    this.h.meta.set("ping_check_at", 0);
    await this.set(null);
  }

  /** A socket deadline (auth or token expiry) the next alarm must see. */
  socketDueBy(at: number): void {
    if (this.socketDue !== undefined) this.socketDue = Math.min(this.socketDue, at);
  }

  /** Time of the next ping check, scheduling one if none is pending. */
  pingCheckDue(now: number): number {
    const due = this.h.meta.get("ping_check_at");
    if (due !== undefined && due > now - this.h.config.pingIntervalMs) return due;
    const next = now + this.h.config.pingIntervalMs;
    this.h.meta.set("ping_check_at", next);
    return next;
  }

  /** The alarm fired: serve whatever is due and set it again for the earliest deadline left. */
  async fire(): Promise<void> {
    // The alarm that fired is no longer set; anything armAt sets while this runs is kept below.
    this.alarmAt = null;
    try {
      await this.run();
    } catch (err) {
      this.alarmAt = undefined; // the runtime schedules a retry: read the alarm again next time
      throw err;
    }
  }

  private async run(): Promise<void> {
    const now = this.h.clock.now();
    const checkAt = this.h.meta.get("ping_check_at") ?? NEVER;
    const pingCheck = now >= checkAt;
    let next = NEVER;
    if (pingCheck || this.socketDue === undefined || now >= this.socketDue) {
      next = await this.checkSockets(now, pingCheck, checkAt);
    } else {
      next = Math.min(this.socketDue, checkAt);
    }

    await runDue(this.h.timers, now);
    const domain = earliest(this.h.timers);
    if (domain !== null) next = Math.min(next, domain);

    let alarmAt = next === NEVER ? null : Math.max(next, now + 1);
    const armed = this.alarmAt; // set by armAt while this handler awaited
    if (armed !== null && armed !== undefined && (alarmAt === null || armed < alarmAt)) alarmAt = armed;
    await this.set(alarmAt);
    if (pingCheck) await this.h.report(this.authedCount, alarmAt);
  }

  /**
   * Closes sockets past their auth deadline or token expiry and, on a ping check, silent ones
   * (pinging those quiet for an interval). Answers when the sockets next need a look.
   */
  private async checkSockets(now: number, pingCheck: boolean, checkAt: number): Promise<number> {
    const { ctx, clock, index, meta } = this.h;
    const interval = this.h.config.pingIntervalMs;
    let due = NEVER;
    let authed = 0;
    const pingFrame = pingCheck ? buildEvent("ping", {}, now).text : "";
    this.socketDue = NEVER; // sockets accepted or authenticated while this awaits lower it
    index.rebuild(); // the runtime's list is the truth; memory is only a cache of it
    for (const [ws, conn] of [...index.open()]) {
      if (conn.closed) continue;
      const s = conn.s;
      if (s.uid === null) {
        if (now >= s.ad) await this.h.close(ws, conn, CloseCode.AuthFailed, "authentication timeout");
        else due = Math.min(due, s.ad);
        continue;
      }
      if (now >= s.exp) {
        await this.h.close(ws, conn, CloseCode.TokenExpired, "token expired");
        continue;
      }
      if (pingCheck) {
        const autoAt = ctx.getWebSocketAutoResponseTimestamp(ws);
        const auto = autoAt ? clock.fromWall(autoAt.getTime()) : 0;
        const silent = now - Math.max(s.seen, auto);
        if (silent >= 2 * interval) {
          await this.h.close(ws, conn, CloseCode.PingTimeout, "ping timeout");
          continue;
        }
        if (silent >= interval) this.h.send(ws, pingFrame);
      }
      authed++;
      due = Math.min(due, s.exp);
    }
    this.socketDue = Math.min(this.socketDue ?? NEVER, due);
    this.authedCount = authed;

    if (authed === 0) {
      meta.set("ping_check_at", 0);
      return due;
    }
    const nextCheck = pingCheck || checkAt === NEVER ? now + interval : checkAt;
    meta.set("ping_check_at", nextCheck);
    return Math.min(due, nextCheck);
  }
}
