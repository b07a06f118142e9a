import type { Env } from "../env";
import { type Config, loadConfig } from "../config";
import { log } from "../ops/log";
import { type DeliveryTarget, EndpointStore } from "./endpoints";
import { signedHeaders } from "./signature";
import type { WebhookTask } from "../contracts/webhooks";

export type { WebhookTask } from "../contracts/webhooks";

/** The dead-letter queue's name ends so; its consumer only counts what reached it. */
export const DEAD_LETTER_SUFFIX = "-dlq";

/** Exponential backoff after the `attempts`-th failed attempt: base, 2×base, 4×base, … capped. */
export function retryDelaySeconds(attempts: number, config: Pick<Config, "webhookRetryBaseSeconds" | "webhookRetryMaxSeconds">): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(config.webhookRetryBaseSeconds * 2 ** exp, config.webhookRetryMaxSeconds);
}

/** Per channel (the delivery id names it) and endpoint: the unit whose order must hold. */
function orderKey(task: WebhookTask): string {
  const m = /^evt_(\d+)_(\d+)$/.exec(task.id);
  return `${task.endpoint}:${m ? m[1] : task.id}`;
}

function seqOf(task: WebhookTask): number {
  const m = /^evt_\d+_(\d+)$/.exec(task.id);
  return m ? Number(m[1]) : 0;
}

async function post(target: DeliveryTarget, task: WebhookTask, config: Config): Promise<string | null> {
  try {
    const headers = await signedHeaders(target.secret, task.id, Math.floor(Date.now() / 1000), task.body);
    const res = await fetch(target.url, {
      method: "POST",
      headers: { ...headers, "user-agent": "edge-realtime-webhooks" },
      body: task.body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.webhookTimeoutMs),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (err) {
    return err instanceof Error ? err.name === "TimeoutError" ? "timeout" : err.message : String(err);
  }
}

/**
 * The queue consumer. Within a batch, each endpoint's events of one channel go out one after
 * another in seq order; when one fails, it and the later ones of its group are retried together
 * after the backoff, so they are not overtaken by each other. A removed endpoint's tasks are
 * dropped; a paused endpoint's too (they stay replayable from the channel's log).
 */
export async function consumeWebhooks(batch: MessageBatch<WebhookTask>, env: Env): Promise<void> {
  const store = new EndpointStore(env.DB);
  if (batch.queue.endsWith(DEAD_LETTER_SUFFIX)) return countDeadLetters(batch, store);
  const config = loadConfig(env);
  const targets = await store.targets([...new Set(batch.messages.map((m) => m.body.endpoint))]);
  const groups = new Map<string, Message<WebhookTask>[]>();
  for (const m of batch.messages) {
    const key = orderKey(m.body);
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  await Promise.all(
    [...groups.values()].map(async (messages) => {
      messages.sort((a, b) => seqOf(a.body) - seqOf(b.body));
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const target = targets.get(m.body.endpoint);
        if (!target || target.paused) {
          m.ack();
          continue;
        }
        const error = await post(target, m.body, config);
        if (error === null) {
          m.ack();
          if (i === messages.length - 1) await store.delivered(target.id);
          continue;
        }
        const { paused } = await store.failed(target.id, error, config.webhookPauseAfterFailures, Date.now());
        if (paused) {
          // A paused endpoint gets nothing more until the operator enables it and replays.
          log("warn", "webhook endpoint paused", { webhook_id: target.id, error });
          target.paused = true;
          for (const rest of messages.slice(i)) rest.ack();
          return;
        }
        const delaySeconds = retryDelaySeconds(m.attempts, config);
        for (const rest of messages.slice(i)) rest.retry({ delaySeconds });
        return;
      }
    }),
  );
}

async function countDeadLetters(batch: MessageBatch<WebhookTask>, store: EndpointStore): Promise<void> {
  const counts = new Map<number, number>();
  for (const m of batch.messages) counts.set(m.body.endpoint, (counts.get(m.body.endpoint) ?? 0) + 1);
  for (const [id, n] of counts) {
    log("warn", "webhook deliveries dead-lettered", { webhook_id: id, count: n });
    await store.deadLettered(id, n);
  }
  batch.ackAll();
}
