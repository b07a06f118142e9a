import { createMiddleware } from "hono/factory";
import type { Env } from "../env";
import type { RouteName } from "./catalog";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

/**
 * Per-IP limits on the routes an attacker would hammer (sign-up, login, websocket upgrades),
 * counted by Cloudflare's Rate Limiting binding `IP_LIMITER` (wrangler.toml `[[ratelimits]]`:
 * 300 requests per IP and route per 60 s, so local testing is never throttled). The binding
 * counts per Cloudflare location, across every isolate there; miniflare runs the same binding
 * locally. Requests without `cf-connecting-ip` (in-process tests; Cloudflare always sets it) and
 * from loopback addresses (local development and benchmarks on `npm start`, where miniflare sets
 * it to 127.0.0.1; never a client address behind Cloudflare) are not counted.
 */

/** The binding's period (wrangler.toml `simple.period`; a unit test checks the two agree). */
export const IP_LIMIT_PERIOD_SECONDS = 60;

/** A catalog route (its `ipLimit`) or the websocket upgrade; each has its own count. */
export type IpRoute = RouteName | "upgrade";

export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

/** Verdicts already taken for a request (the upgrade fast path counts before the router), so none is counted twice. */
const counted = new WeakMap<Request, Promise<number>>();

/**
 * Counts a request against its address's limit for `route`: 0 when allowed, else the seconds to
 * wait. The binding does not say when its window rolls over, so the answer is its whole period:
 * a client that waits that long is always let through again.
 */
export function ipRetry(route: IpRoute, request: Request, env: Env): Promise<number> {
  const seen = counted.get(request);
  if (seen !== undefined) return seen;
  const ip = request.headers.get("cf-connecting-ip");
  const verdict =
    ip && !isLoopback(ip)
      ? env.IP_LIMITER.limit({ key: `${route}|${ip}` }).then((o) => (o.success ? 0 : IP_LIMIT_PERIOD_SECONDS))
      : Promise.resolve(0);
  counted.set(request, verdict);
  return verdict;
}

export function ipLimit(route: IpRoute) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const retry = await ipRetry(route, c.req.raw, c.env);
    if (retry) {
      throw new ApiError(429, "rate_limited", `too many ${route} requests from this address`, undefined, {
        "Retry-After": String(retry),
      });
    }
    await next();
  });
}
