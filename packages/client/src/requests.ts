import type { ErrorReply, SuccessReply } from "./protocol.js";

/** A request was answered with an error reply, timed out, or its connection dropped first. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly kind: "error" | "timeout" | "disconnected",
  ) {
    super(message);
    this.name = "RequestError";
  }
}

interface Pending {
  resolve: (reply: SuccessReply) => void;
  reject: (err: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

let socketCounter = 0;

/**
 * correlationId bookkeeping of one socket: ids unique per client process, one promise per id,
 * settled by the iSymphony reply, a timeout, or the loss of the connection.
 */
export class Requests {
  private readonly prefix = `c${++socketCounter}.`;
  private counter = 0;
  private readonly pending = new Map<string, Pending>();

  nextId(): string {
    return `${this.prefix}${++this.counter}`;
  }

  /** A promise for the reply to `correlationId`. */
  expect(correlationId: string, timeoutMs: number, what: string): Promise<SuccessReply> {
    return new Promise<SuccessReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RequestError(`${what}: no reply within ${timeoutMs} ms`, "timeout"));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
  }

  /** Settles the request a reply answers; false when no request of ours carries its id. */
  settle(reply: SuccessReply | ErrorReply): boolean {
    const cid = reply.correlationId === null ? null : String(reply.correlationId);
    const p = cid === null ? undefined : this.pending.get(cid);
    if (!p) return false;
    this.pending.delete(cid!);
    clearTimeout(p.timer);
    if (reply.type === "success") p.resolve(reply);
    else p.reject(new RequestError(reply.error, "error"));
    return true;
  }

  /** Rejects one request (its frame could not be written). */
  lost(correlationId: string, message: string): void {
    const p = this.pending.get(correlationId);
    if (!p) return;
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    p.reject(new RequestError(message, "disconnected"));
  }

  /** Rejects every pending request: its connection is gone, the outcome unknown. */
  failAll(message: string): void {
    for (const cid of [...this.pending.keys()]) this.lost(cid, message);
  }
}
