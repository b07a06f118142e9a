/**
 * A real webhook receiver for e2e tests: a node `http` server that records every delivery and
 * answers with whatever status the test's responder picks. `verify` checks a delivery with the
 * documented Standard Webhooks scheme, written here independently of the server's code.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  id: string;
  timestamp: number;
  signature: string;
  raw: string;
  body: Record<string, any>;
  at: number;
}

export type Responder = (d: Received, attempt: number) => number;

export class WebhookReceiver {
  readonly received: Received[] = [];
  respond: Responder = () => 200;
  private server!: Server;
  url = "";

  static async start(): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    r.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const d: Received = {
          id: String(req.headers["webhook-id"] ?? ""),
          timestamp: Number(req.headers["webhook-timestamp"]),
          signature: String(req.headers["webhook-signature"] ?? ""),
          raw,
          body: JSON.parse(raw),
          at: Date.now(),
        };
        r.received.push(d);
        res.statusCode = r.respond(d, r.received.filter((x) => x.id === d.id).length);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
    return r;
  }

  /** Deliveries of one event name, in arrival order. */
  of(event: string): Received[] {
    return this.received.filter((d) => d.body.event === event);
  }

  async waitFor(pred: (all: Received[]) => boolean, timeoutMs = 15_000, what = "deliveries"): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received.map((d) => [d.id, d.body.event, d.body.seq]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.received;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the decoded whsec_ secret; at most 5 minutes old. */
export function verify(secret: string, d: Received, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  if (Math.abs(nowSeconds - d.timestamp) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${d.id}.${d.timestamp}.${d.raw}`).digest();
  return d.signature.split(" ").some((sig) => {
    const [version, value] = sig.split(",");
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
