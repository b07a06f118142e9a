import type { OutFrame } from "../protocol/envelope";
import { type Matcher, matches } from "../protocol/filters";
import type { Conn } from "./conn";

/**
 * Sends one frame (serialized once) to every authenticated socket of `targets` whose filters
 * accept it, except the sockets of user `except`. Answers how many were sent to.
 */
export function broadcastTo(
  targets: ReadonlyMap<WebSocket, Conn>,
  frame: OutFrame,
  except: number | undefined,
  send: (ws: WebSocket, text: string) => void,
): number {
  // The hot path (one pass per event over every socket): a plain loop over the in-memory index,
  // and each distinct filter set matched once per event (identical filter lists share one
  // interned Matcher, see compileFilters).
  const { event, text } = frame;
  let verdicts: Map<Matcher, boolean> | null = null;
  let sent = 0;
  for (const conn of targets.values()) {
    if (conn.closed) continue;
    const uid = conn.s.uid;
    if (uid === null) continue;
    if (except !== undefined && uid === except) continue;
    const matcher = conn.matcher;
    if (matcher !== null) {
      verdicts ??= new Map();
      let pass = verdicts.get(matcher);
      if (pass === undefined) {
        pass = matches(matcher, event);
        verdicts.set(matcher, pass);
      }
      if (!pass) continue;
    }
    send(conn.ws, text);
    sent++;
  }
  return sent;
}
