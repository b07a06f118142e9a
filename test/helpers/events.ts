/**
 * Helpers for tests about durable events, seq and resume (shared by integration and e2e).
 */
import type { Frame, TestSocket } from "./socket";

/** Parsed frame with its exact text. */
export interface RawFrame {
  text: string;
  frame: Frame;
}

/** Every frame the socket received from index `from` on, with its exact bytes. */
export function rawFrames(sock: TestSocket, from = 0): RawFrame[] {
  return sock.raw.slice(from).map((text, i) => ({ text, frame: sock.frames[from + i]! }));
}

/** Whether a frame is a durable channel event (carries meta.seq). */
export const isDurable = (f: Frame): boolean => typeof f.meta?.seq === "number";

/** Exact texts of the durable events the socket received (from index `from`), in arrival order. */
export function durableTexts(sock: TestSocket, from = 0): string[] {
  return rawFrames(sock, from)
    .filter((r) => isDurable(r.frame))
    .map((r) => r.text);
}

/** The seqs of the durable events the socket received (from index `from`), in arrival order. */
export function seqsOf(sock: TestSocket, from = 0): number[] {
  return sock.frames.slice(from).filter(isDurable).map((f) => f.meta.seq as number);
}

/** [from, from+1, …, to] */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** Waits until the socket has received a durable event with seq ≥ `seq`. */
export function untilSeq(sock: TestSocket, seq: number, timeoutMs = 10_000): Promise<Frame> {
  return sock.next((f) => isDurable(f) && f.meta.seq >= seq, timeoutMs, `seq ${seq}`);
}

/**
 * Sends ws_resume and returns what came back up to and including rtm.resumed: the durable
 * frames (exact text) and the rtm.resumed frame. Frames that are neither (ephemeral events such
 * as presence) are ignored.
 */
export async function resume(
  sock: TestSocket,
  epoch: string,
  sinceSeq: number,
  timeoutMs = 10_000,
): Promise<{ replayed: string[]; resumed: Frame; start: number }> {
  const start = sock.raw.length;
  sock.send({ command: "ws_resume", epoch, since_seq: sinceSeq });
  const resumed = await sock.event("rtm.resumed", timeoutMs);
  const end = sock.frames.indexOf(resumed, start);
  const replayed = rawFrames(sock, start)
    .slice(0, end - start)
    .filter((r) => isDurable(r.frame))
    .map((r) => r.text);
  return { replayed, resumed, start };
}
