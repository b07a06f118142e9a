import type { Env } from "../env";
import { loadConfig } from "../config";
import { log } from "../ops/log";
import { type Subscription, EndpointStore, subscribes } from "./endpoints";
import { type WebhookDelivery, deliveryId, isWebhookEvent } from "./events";
import type { WebhookTask } from "./delivery";

/**
 * The subscriptions, read from D1 at most once per WEBHOOK_CACHE_MS per isolate: a new, removed or
 * paused endpoint takes effect within that time. Rooms consult it on every event, so with no
 * endpoint registered an event costs one set lookup and no I/O.
 */
let cached: { at: number; subs: Subscription[] } | null = null;

/** Drops this isolate's copy (after the operator changes endpoints here). */
export function forgetSubscriptions(): void {
  cached = null;
}

function fresh(env: Env): Subscription[] | null {
  return cached && Date.now() - cached.at < loadConfig(env).webhookCacheMs ? cached.subs : null;
}

export interface OutboxEvent {
  event: string;
  channel_id: number | null;
  seq?: number;
  time: number;
  payload: Record<string, unknown>;
}

/** The queue messages for one event: one per subscribed endpoint. */
export function tasksFor(subs: readonly Subscription[], e: OutboxEvent): WebhookTask[] {
  const matching = subs.filter((s) => subscribes(s, e.event, e.channel_id));
  if (matching.length === 0) return [];
  const delivery: WebhookDelivery = {
    id: deliveryId(e.channel_id, e.seq),
    event: e.event as WebhookDelivery["event"],
    channel_id: e.channel_id,
    ...(e.seq !== undefined ? { seq: e.seq } : {}),
    time: e.time,
    payload: e.payload,
  };
  let body = JSON.stringify(delivery);
  if (body.length > MAX_BODY_CHARS) body = JSON.stringify({ ...delivery, payload: {}, truncated: true });
  return matching.map((s) => ({ endpoint: s.id, id: delivery.id, body }));
}

/**
 * A queue message holds at most 128 KB and a batch 100 messages or 256 KB: bodies above 100 KiB
 * (a channel object listing thousands of members) go out without their payload, and batches are
 * cut to fit, in order.
 */
const MAX_BODY_CHARS = 100 * 1024;
const MAX_BATCH_CHARS = 200 * 1024;
const MAX_BATCH_MESSAGES = 100;

export async function enqueue(queue: Queue<WebhookTask>, tasks: readonly WebhookTask[]): Promise<void> {
  let batch: WebhookTask[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length) await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
    batch = [];
    size = 0;
  };
  for (const task of tasks) {
    if (batch.length === MAX_BATCH_MESSAGES || size + task.body.length > MAX_BATCH_CHARS) await flush();
    batch.push(task);
    size += task.body.length;
  }
  await flush();
}

/** The runtime's next turn: what the caller queued (socket writes, its answer) goes out first. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * One per room: hands events to the webhook queue without making the caller wait. The events of
 * one turn (and those emitted while a send is in flight) go out together, in one `sendBatch`
 * where they fit, after the runtime's next turn, so the post that produced them is answered and
 * fanned out before any of this work. Sends are chained, so a room's events enter the queue in
 * the order it produced them.
 */
export class WebhookOutbox {
  private chain: Promise<void> = Promise.resolve();
  /** Emitted and not yet taken by a send. */
  private pending: OutboxEvent[] = [];

  constructor(private readonly env: Env) {}

  /**
   * The subscriptions, read again when this isolate's copy is stale. Only the data is shared
   * between rooms: a promise must not be (the runtime ties each one to the object that made it).
   */
  private async subscriptions(): Promise<Subscription[]> {
    const subs = fresh(this.env);
    if (subs) return subs;
    const loaded = await new EndpointStore(this.env.DB).subscriptions();
    cached = { at: Date.now(), subs: loaded };
    return loaded;
  }

  emit(e: OutboxEvent): void {
    if (!isWebhookEvent(e.event)) return;
    // With a fresh, empty subscription list there is nothing to do and nothing to wait for.
    if (fresh(this.env)?.length === 0) return;
    this.pending.push(e);
    // A send is already scheduled and will take this event along.
    if (this.pending.length > 1) return;
    this.chain = this.chain.then(nextTurn).then(() => this.send());
  }

  private async send(): Promise<void> {
    const events = this.pending;
    this.pending = [];
    try {
      const subs = await this.subscriptions();
      await enqueue(this.env.WEBHOOK_QUEUE, events.flatMap((e) => tasksFor(subs, e)));
    } catch (err) {
      log("error", "webhook enqueue failed", { events: events.map((e) => e.event), err: String(err) });
    }
  }

  /** Resolves when everything emitted so far is in the queue (tests, shutdown). */
  flushed(): Promise<void> {
    return this.chain;
  }
}
