import type { RealtimeClient } from "./client.js";
import type { MemberObject, MessageObject, UserObject } from "./protocol.js";
import type { RtmSocket, Status } from "./socket.js";

/** What a chat view shows of one channel; replaced (never mutated) on every change. */
export interface ChannelState {
  /** the socket's connection status */
  status: Status;
  /** the newest history page, then live posts, edits and deletes; oldest first, one entry per id */
  messages: readonly MessageObject[];
  /** other users typing right now (each entry lapses `typingMs` after their last typing event) */
  typing: readonly UserObject[];
  /** the channel's members, `online_status` kept current by user.online / user.offline */
  presence: readonly MemberObject[];
  /** the channel's socket once connected (for `request`, `send`, `setFilters`), else null */
  socket: RtmSocket | null;
  /** the last error: a failed history or member load, or a failed connect */
  error: Error | null;
}

export interface ChannelFeedOptions {
  /** messages loaded from history when the feed starts (default 50; 0 loads none) */
  historyLimit?: number;
  /** how long a typing event keeps its user in `typing` (default 3 s; clients send one every 2 s while typing) */
  typingMs?: number;
}

const CONNECTING: Status = { state: "connecting", attempt: 0 };

function byId(messages: readonly MessageObject[], incoming: readonly MessageObject[]): MessageObject[] {
  const all = new Map(messages.map((m) => [m.id, m]));
  for (const m of incoming) all.set(m.id, m);
  return [...all.values()].sort((a, b) => a.id - b.id);
}

/**
 * One channel's live state for a view (the React hook's store; usable without React): history
 * plus live events, typing with expiry, presence, status. `start()` connects the client if it is
 * not yet connected; `stop()` removes every listener and timer (the socket stays the client's).
 */
export class ChannelFeed {
  private state: ChannelState = { status: CONNECTING, messages: [], typing: [], presence: [], socket: null, error: null };
  private readonly listeners = new Set<() => void>();
  private readonly typingTimers = new Map<number, ReturnType<typeof setTimeout>>();
  private unsubscribe: Array<() => void> = [];
  private generation = 0;

  constructor(
    private readonly client: RealtimeClient,
    readonly channelId: number,
    private readonly options: ChannelFeedOptions = {},
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ChannelState => this.state;

  start(): void {
    const generation = ++this.generation;
    void this.open(generation);
  }

  stop(): void {
    this.generation++;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    if (this.state.typing.length) this.update({ typing: [] });
  }

  private async open(generation: number): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      if (generation === this.generation) this.fail(err);
      return;
    }
    if (generation !== this.generation) return;
    const socket = this.client.channel(this.channelId);
    this.listen(socket);
    this.update({ socket, status: socket.state });
    await Promise.all([this.loadHistory(generation), this.loadMembers(generation)]);
  }

  private listen(socket: RtmSocket): void {
    const me = () => this.client.user?.id;
    this.unsubscribe.push(
      socket.onStatus((status) => this.update({ status })),
      socket.on("chat.postMessage", ({ message }) => {
        this.stopTyping(message.user_id);
        this.update({ messages: byId(this.state.messages, [message]) });
      }),
      socket.on("chat.updateMessage", ({ message }) => {
        if (this.state.messages.some((m) => m.id === message.id)) this.update({ messages: byId(this.state.messages, [message]) });
      }),
      socket.on("chat.deleteMessage", ({ message_id }) => {
        this.update({ messages: this.state.messages.filter((m) => m.id !== message_id) });
      }),
      socket.on("chat.userTyping", ({ user }) => {
        if (user.id !== me()) this.startTyping(user);
      }),
      socket.on("user.online", ({ user }) => this.setOnline(user, true)),
      socket.on("user.offline", ({ user }) => this.setOnline(user, false)),
      socket.on("user_added.channel", ({ user }) => {
        if (!this.state.presence.some((m) => m.id === user.id)) this.update({ presence: [...this.state.presence, { ...user, user_role: 20 }] });
      }),
      socket.on("user_removed.channel", ({ removed_user_id }) => {
        this.update({ presence: this.state.presence.filter((m) => m.id !== removed_user_id) });
      }),
      // A resume that could not recover: the messages after the last one seen, from history.
      socket.onResync(({ messages }) => this.update({ messages: byId(this.state.messages, messages) })),
      socket.onError((error) => this.update({ error })),
    );
  }

  private async loadHistory(generation: number): Promise<void> {
    const limit = this.options.historyLimit ?? 50;
    if (limit <= 0) return;
    try {
      const { messages } = await this.client.http.history(this.channelId, { limit });
      if (generation !== this.generation) return;
      for (const m of messages) this.state.socket?.noteMessage(m.id);
      this.update({ messages: byId(messages, this.state.messages) });
    } catch (err) {
      if (generation === this.generation) this.fail(err);
    }
  }

  private async loadMembers(generation: number): Promise<void> {
    try {
      const { members } = await this.client.http.members(this.channelId);
      if (generation !== this.generation) return;
      // Presence events that arrived while the list was loading are newer than the list.
      const live = new Map(this.state.presence.map((m) => [m.id, m]));
      this.update({ presence: members.map((m) => live.get(m.id) ?? m) });
    } catch (err) {
      if (generation === this.generation) this.fail(err);
    }
  }

  private setOnline(user: UserObject, online: boolean): void {
    const known = this.state.presence.some((m) => m.id === user.id);
    const presence = known
      ? this.state.presence.map((m) => (m.id === user.id ? { ...m, online_status: online } : m))
      : [...this.state.presence, { ...user, online_status: online, user_role: 20 }];
    this.update({ presence });
  }

  private startTyping(user: UserObject): void {
    const old = this.typingTimers.get(user.id);
    if (old) clearTimeout(old);
    this.typingTimers.set(
      user.id,
      setTimeout(() => this.stopTyping(user.id), this.options.typingMs ?? 3000),
    );
    this.update({ typing: [...this.state.typing.filter((u) => u.id !== user.id), user] });
  }

  private stopTyping(userId: number): void {
    const timer = this.typingTimers.get(userId);
    if (timer) clearTimeout(timer);
    this.typingTimers.delete(userId);
    if (this.state.typing.some((u) => u.id === userId)) this.update({ typing: this.state.typing.filter((u) => u.id !== userId) });
  }

  private fail(err: unknown): void {
    this.update({ error: err instanceof Error ? err : new Error(String(err)) });
  }

  private update(patch: Partial<ChannelState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of [...this.listeners]) fn();
  }
}
