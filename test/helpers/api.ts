import { ErrorEnvelope, routeByName } from "../../src/http/catalog";

/**
 * HTTP helpers shared by the integration and e2e layers. `fetcher` is SELF.fetch inside workerd
 * or global fetch against a running server.
 */
export type Fetcher = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiResult {
  status: number;
  body: Record<string, any>;
  headers: Headers;
}

let counter = 0;
export function uniqueEmail(prefix = "user"): string {
  counter++;
  return `${prefix}.${Date.now().toString(36)}.${counter}.${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export class Api {
  constructor(
    readonly base: string,
    private readonly fetcher: Fetcher,
  ) {}

  async call(method: string, params: Record<string, unknown> = {}, token?: string, init: RequestInit = {}): Promise<ApiResult> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.fetcher(`${this.base}/api/v1/${method}`, {
      method: "POST",
      headers,
      body: JSON.stringify(params),
      ...init,
    });
    const text = await res.text();
    let body: Record<string, any>;
    try {
      body = JSON.parse(text);
    } catch {
      body = { unparsable: text };
    }
    checkContract(method, params, res.status, body);
    return { status: res.status, body, headers: res.headers };
  }

  /** Like call, but fails the test unless the answer is 200 ok. */
  async ok(method: string, params: Record<string, unknown> = {}, token?: string): Promise<Record<string, any>> {
    const r = await this.call(method, params, token);
    if (r.status !== 200 || r.body.meta?.ok !== true) {
      throw new Error(`${method} failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
    return r.body;
  }

  /** Creates a user and logs in: { user, token, wsToken, email, password }. */
  async newUser(name = "Test User") {
    const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, ""));
    const password = "correct horse battery";
    await this.ok("user.create", { email, password, name });
    const login = await this.ok("user.login", { email, password });
    const rtm = await this.ok("rtm.connect", {}, login.token);
    return {
      user: login.user as Record<string, any> & { id: number },
      token: login.token as string,
      wsToken: rtm.rtm.ws_token as string,
      wsEndpoint: rtm.rtm.ws_endpoint as string,
      email,
      password,
    };
  }

  /** Creates a channel owned by `token` with the given members (by id). */
  async newChannel(token: string, memberIds: number[] = [], name = "room"): Promise<Record<string, any> & { id: number }> {
    const body = await this.ok("channel.create", { channel_name: name, user_ids: memberIds }, token);
    return body.channel;
  }
}

export type TestUser = Awaited<ReturnType<Api["newUser"]>>;

/**
 * Every response a test sees is checked against the route catalog (the source of the OpenAPI
 * document): a 200 must match the route's documented body and its request the documented
 * parameters; any other status must be the error envelope. Drift fails the test that saw it.
 */
function checkContract(method: string, params: Record<string, unknown>, status: number, body: Record<string, any>): void {
  const spec = routeByName(method);
  if (!spec) return;
  if (status === 200) {
    const res = spec.response.safeParse(body);
    if (!res.success) throw new Error(`contract: ${method} 200 body does not match the catalog: ${res.error.message}`);
    const req = spec.params.safeParse(params);
    if (!req.success) throw new Error(`contract: ${method} accepted params the catalog rejects: ${req.error.message}`);
  } else if (status !== 101) {
    const res = ErrorEnvelope.safeParse(body);
    if (!res.success) throw new Error(`contract: ${method} ${status} is not the error envelope: ${JSON.stringify(body)}`);
  }
}
