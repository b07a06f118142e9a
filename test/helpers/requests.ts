/**
 * Integration helpers beyond Api: the same routes called with a form body or a query string (all
 * three are accepted: docs/protocol.md#http-api), raw requests for malformed input, tokens signed at a chosen time,
 * and polling for state the room changes after a close.
 */
import { SELF } from "cloudflare:test";
import { DEV_JWT_SECRET, signToken } from "../../src/auth/tokens";
import type { ApiResult } from "./api";
import { BASE } from "./workerd";

export async function request(path: string, init: RequestInit = {}): Promise<ApiResult> {
  const res = await SELF.fetch(`${BASE}${path}`, init);
  const text = await res.text();
  let body: Record<string, any>;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsable: text };
  }
  return { status: res.status, body, headers: res.headers };
}

function auth(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

function encode(params: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
}

/** POST with an application/x-www-form-urlencoded body. */
export function form(method: string, params: Record<string, string | number>, token?: string): Promise<ApiResult> {
  return request(`/api/v1/${method}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...auth(token) },
    body: encode(params),
  });
}

/** GET with the parameters in the query string. */
export function query(method: string, params: Record<string, string | number>, token?: string, httpMethod = "GET"): Promise<ApiResult> {
  const qs = encode(params);
  return request(`/api/v1/${method}${qs ? `?${qs}` : ""}`, { method: httpMethod, headers: auth(token) });
}

/** POST with any body and content type. */
export function rawPost(method: string, body: BodyInit | null, contentType: string | null, token?: string): Promise<ApiResult> {
  const headers: Record<string, string> = auth(token);
  if (contentType !== null) headers["content-type"] = contentType;
  return request(`/api/v1/${method}`, { method: "POST", headers, body });
}

const key = new TextEncoder().encode(DEV_JWT_SECRET);

/**
 * A ws (rtm) token as rtm.connect makes it, issued at `issuedAtMs` (the tests run with the dev
 * secret). `sid` is the session it belongs to (`sessionOf(login token)`); the default names none.
 */
export function rtmToken(userId: number, opts: { issuedAtMs?: number; ttlSeconds?: number; name?: string; sid?: number } = {}): Promise<string> {
  return signToken(
    { typ: "rtm", user_id: userId, sid: opts.sid ?? NO_SESSION, user_name: opts.name ?? "Test User", client_ip: "", user_agent: "", finger_print: "" },
    opts.ttlSeconds ?? 3600,
    key,
    opts.issuedAtMs ?? Date.now(),
  );
}

/** A bearer (access) token, issued at `issuedAtMs`. */
export function accessToken(userId: number, opts: { issuedAtMs?: number; ttlSeconds?: number; sid?: number } = {}): Promise<string> {
  return signToken({ typ: "access", user_id: userId, sid: opts.sid ?? NO_SESSION }, opts.ttlSeconds ?? 86_400, key, opts.issuedAtMs ?? Date.now());
}

/** A session id no login ever gets (session ids start above 71009999). */
const NO_SESSION = 1;

/** The claims of a JWT, unverified (to assert what the server put in it). */
export function claimsOf(token: string): Record<string, any> {
  const part = token.split(".")[1]!;
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

/** Polls `probe` until it returns `expected` (deep-equal via JSON) or the timeout passes. */
export async function eventually<T>(probe: () => Promise<T>, expected: T, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (JSON.stringify(last) === JSON.stringify(expected) || Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
}
