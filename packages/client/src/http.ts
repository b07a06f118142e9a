import type { ChannelObject, LockObject, MemberObject, MessageObject, UserObject } from "./protocol.js";

/** A failed API call: the server's error envelope (docs/protocol.md#errors) with the HTTP status. */
export class ApiCallError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(`${method}: ${message}`);
    this.name = "ApiCallError";
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * The HTTP API (`/api/v1/<method>`, JSON bodies, bearer token). `call` reaches any route; the
 * typed helpers cover what an app needs most.
 */
export class HttpApi {
  /** bearer token from user.login */
  token: string | null = null;
  private readonly fetcher: Fetch;

  constructor(
    readonly baseUrl: string,
    fetcher?: Fetch,
  ) {
    // A bare `fetch` reference must be called with the global as `this` in browsers.
    this.fetcher = fetcher ?? ((input, init) => fetch(input, init));
  }

  async call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await this.fetcher(`${this.baseUrl.replace(/\/$/, "")}/api/v1/${method}`, {
      method: "POST",
      headers,
      body: JSON.stringify(params),
    });
    let body: Record<string, any>;
    try {
      body = (await res.json()) as Record<string, any>;
    } catch {
      throw new ApiCallError(method, res.status, "unparsable", `HTTP ${res.status} with a body that is not JSON`);
    }
    if (!res.ok || body?.meta?.ok !== true) {
      const meta = (body?.meta ?? {}) as { error?: string; code?: string };
      throw new ApiCallError(method, res.status, meta.code ?? "http_error", meta.error ?? `HTTP ${res.status}`, body);
    }
    return body as T;
  }

  createUser(email: string, password: string, name: string) {
    return this.call<{ user: UserObject }>("user.create", { email, password, name });
  }
  login(email: string, password: string) {
    return this.call<{ token: string; user: UserObject }>("user.login", { email, password });
  }
  rtmConnect(fingerprint?: string) {
    return this.call<{ rtm: { ws_endpoint: string; ws_token: string } }>("rtm.connect", fingerprint ? { fingerprint } : {});
  }
  createChannel(channel_name: string, invite: { emails?: string[]; user_ids?: number[] } = {}) {
    return this.call<{ channel: ChannelObject }>("channel.create", { channel_name, ...invite });
  }
  listChannels() {
    return this.call<{ channels: ChannelObject[] }>("channel.list");
  }
  channelInfo(channel_id: number) {
    return this.call<{ channel: ChannelObject }>("channel.info", { channel_id });
  }
  members(channel_id: number) {
    return this.call<{ members: MemberObject[] }>("channel.members", { channel_id });
  }
  history(channel_id: number, cursor: { before_id?: number; after_id?: number; limit?: number } = {}) {
    return this.call<{ messages: MessageObject[]; has_more: boolean }>("channel.history", { channel_id, ...cursor });
  }
  postMessage(channel_id: number, text: string, parent_message_id?: number) {
    const params = parent_message_id === undefined ? { channel_id, text } : { channel_id, text, parent_message_id };
    return this.call<{ message: MessageObject }>("chat.postmessage", params);
  }
  updateMessage(channel_id: number, message_id: number, text: string) {
    return this.call<{ message: MessageObject }>("chat.updatemessage", { channel_id, message_id, text });
  }
  deleteMessage(channel_id: number, message_id: number) {
    return this.call("chat.deletemessage", { channel_id, message_id });
  }
  reactMessage(channel_id: number, message_id: number, emoji_value: string, remove = false) {
    return this.call("chat.reactmessage", { channel_id, message_id, emoji_value, remove });
  }
  acquireLock(channel_id: number, path: string, ttl_seconds?: number) {
    const params = ttl_seconds === undefined ? { channel_id, path } : { channel_id, path, ttl_seconds };
    return this.call<{ lock: LockObject }>("lock.acquire", params);
  }
  releaseLock(channel_id: number, lock_id: number) {
    return this.call("lock.release", { channel_id, lock_id });
  }
}
