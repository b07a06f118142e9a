/**
 * The benchmark's websocket clients (`ws`, no compression) and the cheap per-frame parse that
 * finds a published message's marker `#B:<idx>:<pub>:<k>#` without decoding JSON.
 */
import WebSocket from "ws";
import type { Tally } from "./tally.ts";

const MARK = Buffer.from("#B:");
const SEQ = Buffer.from('"seq":');
const TYPING = Buffer.from('"event":"chat.userTyping"');
const TYPING_USER = Buffer.from('"user":{"id":');

export function marker(idx: number, pub: number, k: number): string {
  return `#B:${idx}:${pub}:${k}#`;
}

/** Parses a non-negative integer at `at`; returns [value, index after it] packed in a scratch pair. */
const scratch = [0, 0];
function readInt(buf: Buffer, at: number): number[] {
  let v = 0;
  let i = at;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  scratch[0] = i === at ? -1 : v;
  scratch[1] = i;
  return scratch;
}

export interface Client {
  index: number;
  /** index of the user this socket authenticates as (ours), or -1 */
  user: number;
  ws: WebSocket;
  /** a setup step waiting for a control frame (rtm.ready, filter reply); true = done */
  waiter: ((text: string) => boolean) | null;
  closed: { code: number; reason: string } | null;
  /** frames that were neither deliveries nor awaited control frames */
  other: number;
}

export interface Sink {
  tally: Tally | null;
  /** typing mode: user id → publisher index, and per client × publisher how many arrived */
  typing: { pubOfUser: Map<number, number>; sentIdx: number[][]; count: Int32Array } | null;
  /** closed-loop publishers of the bare room wait for their own message to come back */
  onEcho: ((client: number, pub: number, k: number) => void) | null;
}

export const sink: Sink = { tally: null, typing: null, onEcho: null };

function onFrame(c: Client, buf: Buffer): void {
  const now = performance.now();
  const tally = sink.tally;
  if (tally) {
    const at = buf.indexOf(MARK);
    if (at >= 0) {
      const idx = readInt(buf, at + 3)[0]!;
      const pub = readInt(buf, scratch[1]! + 1)[0]!;
      const k = readInt(buf, scratch[1]! + 1)[0]!;
      const s = buf.indexOf(SEQ);
      const seq = s >= 0 ? readInt(buf, s + SEQ.length)[0]! : -1;
      tally.record(c.index, idx, pub, k, seq, now);
      if (sink.onEcho) sink.onEcho(c.index, pub, k);
      return;
    }
    const typing = sink.typing;
    if (typing && buf.indexOf(TYPING) >= 0) {
      const u = buf.indexOf(TYPING_USER);
      const userId = u >= 0 ? readInt(buf, u + TYPING_USER.length)[0]! : -1;
      const pub = typing.pubOfUser.get(userId);
      if (pub === undefined) {
        tally.foreign++;
        return;
      }
      // Typing events carry no id: the n-th one from a user is that user's n-th send.
      const slot = c.index * typing.sentIdx.length + pub;
      const k = typing.count[slot]!;
      typing.count[slot] = k + 1;
      const idx = typing.sentIdx[pub]![k];
      if (idx === undefined) tally.duplicates++;
      else tally.record(c.index, idx, pub, k, -1, now);
      return;
    }
  }
  if (c.waiter) {
    if (c.waiter(buf.toString())) c.waiter = null;
    return;
  }
  c.other++;
}

export function open(url: string, index: number, user: number, timeoutMs = 30_000): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const c: Client = { index, user, ws, waiter: null, closed: null, other: 0 };
    ws.on("message", (data: Buffer) => onFrame(c, data));
    ws.on("close", (code, reason) => {
      c.closed = { code, reason: reason.toString() };
    });
    ws.once("open", () => resolve(c));
    ws.once("error", (err) => reject(err));
  });
}

/** Sends a frame and waits for a control frame that `done` accepts. */
export function request(c: Client, frame: string, done: (text: string) => boolean, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.waiter = null;
      reject(new Error(`client ${c.index}: no answer to ${frame.slice(0, 40)} (closed: ${JSON.stringify(c.closed)})`));
    }, timeoutMs);
    const onClose = (code: number) => {
      clearTimeout(timer);
      c.waiter = null;
      reject(new Error(`client ${c.index}: closed ${code} while waiting for an answer to ${frame.slice(0, 40)}`));
    };
    c.ws.once("close", onClose);
    c.waiter = (text) => {
      if (!done(text)) return false;
      clearTimeout(timer);
      c.ws.off("close", onClose);
      resolve();
      return true;
    };
    c.ws.send(frame);
  });
}

/** Runs `task(i)` for i in [0, n) with at most `limit` at once. */
export async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await task(next++);
  });
  await Promise.all(workers);
}

export async function closeAll(clients: readonly Client[]): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 5000);
          c.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          c.ws.close(1000, "bench done");
        }),
    ),
  );
}
