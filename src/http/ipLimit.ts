import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/**
 * Per-IP limits on the routes an attacker would hammer (sign-up, login, websocket upgrades):
 * IP_LIMIT_PER_MINUTE requests per IP and route in a fixed one-minute window (SPEC §6: at least
 * 300, so local testing is never throttled). The counters live in the isolate, so a deployment's
 * effective limit is per isolate; put a Cloudflare rate-limiting rule in front for a hard global
 * edge. Requests without `cf-connecting-ip` (in-process tests; Cloudflare always sets it) and
 * from loopback addresses (local development and benchmarks on `npm start`, where miniflare sets
 * it to 127.0.0.1; never a client address behind Cloudflare) are not counted, so local testing is
 * never throttled.
 */
const WINDOW_MS = 60_000;
const MAX_KEYS = 50_000;

interface Window {
  start: number;
  count: number;
}

const windows = new Map<string, Window>();

/** Counts one request; returns 0 when allowed, else the seconds until the window resets. */
export function hit(key: string, limit: number, now: number): number {
  let w = windows.get(key);
  if (!w || now - w.start >= WINDOW_MS) {
    if (!w && windows.size >= MAX_KEYS) prune(now);
    w = { start: now, count: 0 };
    windows.set(key, w);
  }
  w.count++;
  return w.count > limit ? Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000)) : 0;
}

function prune(now: number): void {
  for (const [k, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(k);
  // Still full of live windows: drop the oldest half rather than grow without bound.
  if (windows.size >= MAX_KEYS) {
    let n = 0;
    for (const k of windows.keys()) {
      if (n++ >= MAX_KEYS / 2) break;
      windows.delete(k);
    }
  }
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

/** Verdicts already taken for a request (the upgrade fast path counts before the router), so none is counted twice. */
const counted = new WeakMap<Request, number>();

/**
 * Counts a request against its address's window for `route`: 0 when allowed, else the seconds
 * until the window resets. Requests with no address or from loopback are never counted.
 */
export function ipRetry(route: string, request: Request, env: AppEnv["Bindings"]): number {
  const seen = counted.get(request);
  if (seen !== undefined) return seen;
  const ip = request.headers.get("cf-connecting-ip");
  const retry = ip && !isLoopback(ip) ? hit(`${route}|${ip}`, loadConfig(env).ipLimitPerMinute, Date.now()) : 0;
  counted.set(request, retry);
  return retry;
}

export function ipLimit(route: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const retry = ipRetry(route, c.req.raw, c.env);
    if (retry) {
      throw new ApiError(429, "rate_limited", `too many ${route} requests from this address`, undefined, {
        "Retry-After": String(retry),
      });
    }
    await next();
  });
}
