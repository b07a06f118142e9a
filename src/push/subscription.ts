import { checkTarget } from "../webhooks/targets";
import { fromBase64Url } from "./base64url";

import type { SubscriptionInput } from "../contracts/push";

export type { SubscriptionInput };

export type SubscriptionCheck = { ok: true; endpoint: string } | { ok: false; field: "endpoint" | "p256dh" | "auth"; reason: string };

/**
 * Endpoints: https to a public host (RFC 8030 push resources are https); development also takes
 * http to loopback so a local receiver can stand in for a push service. The same rules as webhook
 * URLs: a subscription must not become a way to make the service call into a private network.
 */
export async function checkSubscription(input: SubscriptionInput, environment: string): Promise<SubscriptionCheck> {
  const target = checkTarget(input.endpoint, environment);
  if (!target.ok) return { ok: false, field: "endpoint", reason: target.reason };
  const key = fromBase64Url(input.p256dh);
  if (!key || key.length !== 65 || key[0] !== 4) {
    return { ok: false, field: "p256dh", reason: "must be a base64url uncompressed P-256 point (65 bytes)" };
  }
  if (!(await onCurve(key))) return { ok: false, field: "p256dh", reason: "is not a point on P-256" };
  const auth = fromBase64Url(input.auth);
  if (!auth || auth.length !== 16) return { ok: false, field: "auth", reason: "must be a base64url 16-byte secret" };
  return { ok: true, endpoint: target.url };
}

/** The runtime refuses to import a public key that is not on the curve. */
async function onCurve(raw: Uint8Array): Promise<boolean> {
  try {
    await crypto.subtle.importKey("raw", raw, { name: "ECDH", namedCurve: "P-256" }, false, []);
    return true;
  } catch {
    return false;
  }
}
