/**
 * A room's open sockets in memory, all of them and by user, for broadcasts. Asking the runtime
 * (`ctx.getWebSockets()`) costs a few microseconds per socket per call: on a room of 500 sockets
 * that was a third of the CPU of a broadcast, and a push to one user (unread counts) walked all 500
 * to find that user's few. The runtime stays the source of truth: the index is rebuilt from it
 * after a wake-up (memory is empty then) and on every ping check.
 */
export interface Indexed {
  readonly s: { uid: number | null };
  closed: boolean;
}

export class SocketIndex<C extends Indexed> {
  private all: Map<WebSocket, C> | null = null;
  private users = new Map<number, Map<WebSocket, C>>();

  constructor(
    private readonly sockets: () => WebSocket[],
    private readonly connOf: (ws: WebSocket) => C | null,
  ) {}

  /** Rebuilds from the runtime's list; every open socket there, nothing else. */
  rebuild(): void {
    const all = new Map<WebSocket, C>();
    const users = new Map<number, Map<WebSocket, C>>();
    for (const ws of this.sockets()) {
      const conn = this.connOf(ws);
      if (!conn || conn.closed) continue;
      all.set(ws, conn);
      if (conn.s.uid !== null) add(users, conn.s.uid, ws, conn);
    }
    this.all = all;
    this.users = users;
  }

  private ensure(): Map<WebSocket, C> {
    if (this.all === null) this.rebuild();
    return this.all!;
  }

  /** A socket just accepted (not authenticated yet). */
  opened(ws: WebSocket, conn: C): void {
    this.all?.set(ws, conn); // when not built yet, the next rebuild lists it
  }

  /** A socket's first successful auth (conn.s.uid is set). */
  authenticated(ws: WebSocket, conn: C): void {
    if (this.all !== null && conn.s.uid !== null) add(this.users, conn.s.uid, ws, conn);
  }

  /** A socket closed by either side (conn.closed is set). */
  closed(ws: WebSocket, conn: C): void {
    if (this.all === null) return;
    this.all.delete(ws);
    if (conn.s.uid === null) return;
    const mine = this.users.get(conn.s.uid);
    mine?.delete(ws);
    if (mine?.size === 0) this.users.delete(conn.s.uid);
  }

  /** Every open socket, authenticated or not. */
  open(): ReadonlyMap<WebSocket, C> {
    return this.ensure();
  }

  /** Open sockets of one user. */
  ofUser(uid: number): ReadonlyMap<WebSocket, C> | undefined {
    this.ensure();
    return this.users.get(uid);
  }
}

function add<C>(users: Map<number, Map<WebSocket, C>>, uid: number, ws: WebSocket, conn: C): void {
  let mine = users.get(uid);
  if (!mine) users.set(uid, (mine = new Map()));
  mine.set(ws, conn);
}
