import { z } from "zod";
import { WEBHOOK_EVENTS, type WebhookEventName } from "./events";

/** One registered webhook endpoint as the operator sees it (the secret only at creation). */
export const EndpointObject = z
  .object({
    webhook_id: z.number().int(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    channel_ids: z.array(z.number().int()).nullable().describe("null: every channel"),
    created_on_ts: z.number().int(),
    failures: z.number().int().describe("consecutive failed attempts"),
    paused: z.boolean(),
    dead_letters: z.number().int().describe("deliveries that exhausted their retries"),
    last_error: z.string().nullable(),
  })
  .meta({
    id: "WebhookEndpoint",
    examples: [
      {
        webhook_id: 4,
        url: "https://hooks.example.com/realtime",
        events: ["chat.postMessage"],
        channel_ids: [11010005],
        created_on_ts: 1571330672000,
        failures: 0,
        paused: false,
        dead_letters: 0,
        last_error: null,
      },
    ],
  });
export type EndpointObject = z.output<typeof EndpointObject>;

interface EndpointRow {
  id: number;
  url: string;
  events: string;
  channel_ids: string | null;
  secret: string;
  created_on: number;
  failures: number;
  paused_on: number | null;
  dead_letters: number;
  last_error: string | null;
}

/** What the rooms need to decide whether an event goes to an endpoint. */
export interface Subscription {
  id: number;
  events: ReadonlySet<string>;
  channels: ReadonlySet<number> | null;
}

export interface DeliveryTarget {
  id: number;
  url: string;
  secret: string;
  paused: boolean;
}

function toObject(row: EndpointRow): EndpointObject {
  return {
    webhook_id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventName[],
    channel_ids: row.channel_ids ? (JSON.parse(row.channel_ids) as number[]) : null,
    created_on_ts: Math.floor(row.created_on / 1000),
    failures: row.failures,
    paused: row.paused_on !== null,
    dead_letters: row.dead_letters,
    last_error: row.last_error,
  };
}

export function subscribes(s: Subscription, event: string, channelId: number | null): boolean {
  return s.events.has(event) && (s.channels === null || (channelId !== null && s.channels.has(channelId)));
}

/** D1 queries for webhook endpoints (table webhook_endpoints). Every statement is parameterized. */
export class EndpointStore {
  constructor(private readonly db: D1Database) {}

  async create(input: { url: string; events: string[]; channel_ids: number[] | null; secret: string }, now: number): Promise<EndpointObject> {
    const row = await this.db
      .prepare(
        `INSERT INTO webhook_endpoints (url, events, channel_ids, secret, created_on) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING *`,
      )
      .bind(input.url, JSON.stringify(input.events), input.channel_ids ? JSON.stringify(input.channel_ids) : null, input.secret, now)
      .first<EndpointRow>();
    return toObject(row!);
  }

  async count(): Promise<number> {
    const row = await this.db.prepare("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE removed_on IS NULL").first<{ n: number }>();
    return row?.n ?? 0;
  }

  async list(): Promise<EndpointObject[]> {
    const { results } = await this.db.prepare("SELECT * FROM webhook_endpoints WHERE removed_on IS NULL ORDER BY id").all<EndpointRow>();
    return results.map(toObject);
  }

  async get(id: number): Promise<EndpointObject | null> {
    const row = await this.db.prepare("SELECT * FROM webhook_endpoints WHERE id = ?1 AND removed_on IS NULL").bind(id).first<EndpointRow>();
    return row ? toObject(row) : null;
  }

  async remove(id: number, now: number): Promise<boolean> {
    const r = await this.db.prepare("UPDATE webhook_endpoints SET removed_on = ?2 WHERE id = ?1 AND removed_on IS NULL").bind(id, now).run();
    return r.meta.changes > 0;
  }

  /** Clears a pause (and the failure count behind it). */
  async enable(id: number): Promise<EndpointObject | null> {
    const row = await this.db
      .prepare("UPDATE webhook_endpoints SET paused_on = NULL, failures = 0 WHERE id = ?1 AND removed_on IS NULL RETURNING *")
      .bind(id)
      .first<EndpointRow>();
    return row ? toObject(row) : null;
  }

  /** Endpoints that receive new events: not removed, not paused. */
  async subscriptions(): Promise<Subscription[]> {
    const { results } = await this.db
      .prepare("SELECT id, events, channel_ids FROM webhook_endpoints WHERE removed_on IS NULL AND paused_on IS NULL")
      .all<Pick<EndpointRow, "id" | "events" | "channel_ids">>();
    return results.map((r) => ({
      id: r.id,
      events: new Set(JSON.parse(r.events) as string[]),
      channels: r.channel_ids ? new Set(JSON.parse(r.channel_ids) as number[]) : null,
    }));
  }

  async targets(ids: number[]): Promise<Map<number, DeliveryTarget>> {
    if (ids.length === 0) return new Map();
    const { results } = await this.db
      .prepare(
        `SELECT id, url, secret, paused_on FROM webhook_endpoints
         WHERE removed_on IS NULL AND id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(JSON.stringify(ids))
      .all<Pick<EndpointRow, "id" | "url" | "secret" | "paused_on">>();
    return new Map(results.map((r) => [r.id, { id: r.id, url: r.url, secret: r.secret, paused: r.paused_on !== null }]));
  }

  async delivered(id: number): Promise<void> {
    await this.db.prepare("UPDATE webhook_endpoints SET failures = 0 WHERE id = ?1 AND failures > 0").bind(id).run();
  }

  /** Counts a failed attempt; the endpoint is paused once `pauseAfter` attempts in a row failed. */
  async failed(id: number, error: string, pauseAfter: number, now: number): Promise<{ paused: boolean }> {
    const row = await this.db
      .prepare(
        `UPDATE webhook_endpoints SET failures = failures + 1, last_error = ?2,
           paused_on = CASE WHEN paused_on IS NULL AND failures + 1 >= ?3 THEN ?4 ELSE paused_on END
         WHERE id = ?1 RETURNING paused_on`,
      )
      .bind(id, error.slice(0, 200), pauseAfter, now)
      .first<{ paused_on: number | null }>();
    return { paused: row?.paused_on != null };
  }

  async deadLettered(id: number, count: number): Promise<void> {
    await this.db.prepare("UPDATE webhook_endpoints SET dead_letters = dead_letters + ?2 WHERE id = ?1").bind(id, count).run();
  }
}
