import { encryptNotification } from "@block65/webcrypto-web-push";
import type { Env } from "../env";
import { type Config, loadConfig } from "../config";
import { log } from "../ops/log";
import { userRoom } from "../rooms/stubs";
import { VapidError, vapidKeys } from "./keys";
import { vapidAuthorization } from "./vapid";

/** One queue message: one notification for one device. `payload` is the plaintext JSON. */
export type { PushTask } from "../contracts/push";
import type { PushTask } from "../contracts/push";

/** The push queue's name ends so (the webhook queues' do not). */
export const PUSH_QUEUE_SUFFIX = "-push";

export const isPushQueue = (name: string) => name.endsWith(PUSH_QUEUE_SUFFIX);

/** Exponential backoff after the `attempts`-th failed attempt, or the service's Retry-After when larger. */
export function pushRetryDelaySeconds(
  attempts: number,
  config: Pick<Config, "pushRetryBaseSeconds" | "pushRetryMaxSeconds">,
  retryAfter?: number,
): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 30);
  const backoff = Math.min(config.pushRetryBaseSeconds * 2 ** exp, config.pushRetryMaxSeconds);
  return retryAfter !== undefined && retryAfter > backoff ? Math.min(retryAfter, config.pushRetryMaxSeconds) : backoff;
}

export type Outcome = { kind: "delivered" } | { kind: "gone" } | { kind: "retry"; retryAfter?: number; error: string } | { kind: "drop"; error: string };

/**
 * What a push service's answer means (RFC 8030 §5, §8.3): 201 (any 2xx) delivered; 404 and 410 the
 * subscription is gone for good; 429 and 5xx (and no answer at all) are worth another attempt;
 * any other 4xx (a payload too large, a VAPID key the service does not accept) will not get better.
 */
export function outcomeOf(status: number, retryAfterHeader: string | null): Outcome {
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 404 || status === 410) return { kind: "gone" };
  if (status === 429 || status >= 500) {
    const s = Number(retryAfterHeader);
    return { kind: "retry", error: `HTTP ${status}`, ...(Number.isFinite(s) && s > 0 ? { retryAfter: Math.ceil(s) } : {}) };
  }
  return { kind: "drop", error: `HTTP ${status}` };
}

async function send(task: PushTask, env: Env, config: Config): Promise<Outcome> {
  const keys = vapidKeys(env, config);
  const body = await encryptNotification(
    { endpoint: task.endpoint, expirationTime: null, keys: { p256dh: task.p256dh, auth: task.auth } },
    new TextEncoder().encode(task.payload),
  );
  try {
    const res = await fetch(task.endpoint, {
      method: "POST",
      headers: {
        authorization: await vapidAuthorization(task.endpoint, keys),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(config.pushTtlSeconds),
        urgency: task.urgency,
        topic: task.topic,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.pushTimeoutMs),
    });
    await res.body?.cancel();
    return outcomeOf(res.status, res.headers.get("retry-after"));
  } catch (err) {
    return { kind: "retry", error: err instanceof Error ? (err.name === "TimeoutError" ? "timeout" : err.message) : String(err) };
  }
}

/**
 * The queue consumer: encrypts each notification to its device's keys (RFC 8291, aes128gcm), signs
 * with VAPID (RFC 8292) and POSTs it to the push service (RFC 8030). A gone subscription is
 * removed from its user room; retryable failures come back after the backoff.
 */
export async function consumePush(batch: MessageBatch<PushTask>, env: Env): Promise<void> {
  const config = loadConfig(env);
  await Promise.all(
    batch.messages.map(async (m) => {
      const task = m.body;
      let outcome: Outcome;
      try {
        outcome = await send(task, env, config);
      } catch (err) {
        // A misconfigured key pair or an unusable stored key: no attempt can succeed.
        outcome = { kind: "drop", error: err instanceof VapidError ? err.message : String(err) };
      }
      switch (outcome.kind) {
        case "delivered":
          m.ack();
          return;
        case "gone":
          try {
            await userRoom(env, task.user_id).pushSubscriptionGone(task.subscription_id, task.endpoint);
          } catch (err) {
            log("warn", "push subscription removal failed", { user_id: task.user_id, err: String(err) });
          }
          m.ack();
          return;
        case "retry":
          log("info", "push delivery retried", { user_id: task.user_id, error: outcome.error, attempts: m.attempts });
          m.retry({ delaySeconds: pushRetryDelaySeconds(m.attempts, config, outcome.retryAfter) });
          return;
        case "drop":
          log("warn", "push delivery dropped", { user_id: task.user_id, error: outcome.error });
          m.ack();
      }
    }),
  );
}
