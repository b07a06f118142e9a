/**
 * Where one logical socket is in its life. Each connection goes connecting → authenticating →
 * ready and back to connecting when it drops; closed is final. Before ready, `wasReady` says
 * whether an earlier connection got that far: the next one is then a reconnection (status
 * "reconnecting", a resume) rather than the first connect. One value instead of separate flags,
 * so that "authenticated but not open" or "closed yet still authenticating" cannot be written.
 */
export type Phase =
  /** no open connection: before the first one, or between a drop and the next attempt */
  | { kind: "connecting"; wasReady: boolean }
  /** open, ws_auth sent, no rtm.ready yet */
  | { kind: "authenticating"; wasReady: boolean }
  /** rtm.ready received on this connection */
  | { kind: "ready"; connectionId: string }
  /** ended for good, by close() or a final close code */
  | { kind: "closed" };

export type OpenPhase = Extract<Phase, { kind: "authenticating" | "ready" }>;

/** A connection is open, so frames can be sent on it. */
export function isOpen(phase: Phase): phase is OpenPhase {
  return phase.kind === "authenticating" || phase.kind === "ready";
}

/** Some connection of this socket has reached rtm.ready. */
export function wasReady(phase: Phase): boolean {
  return phase.kind === "ready" || (phase.kind !== "closed" && phase.wasReady);
}
