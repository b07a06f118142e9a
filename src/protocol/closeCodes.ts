/**
 * Websocket close codes (docs/protocol.md#close-codes). Application codes live in 4000–4999; reasons stay short because
 * the protocol caps a close reason at 123 bytes.
 */
export const CloseCode = {
  /** A frame other than ws_auth/ws_ping before auth, an unknown command, or not a JSON object. */
  PolicyViolation: 1008,
  /** Frame larger than FRAME_LIMIT_BYTES. */
  TooBig: 1009,
  /** The object holding the socket cannot deliver the channel's next events: reconnect and resume. */
  Reconnect: 1012,
  AuthFailed: 4001,
  NotAllowed: 4003,
  ChannelRemoved: 4004,
  PingTimeout: 4008,
  TokenExpired: 4009,
  /** A server API key with the moderate scope disconnected the user (docs/server-api.md). */
  Disconnected: 4010,
  RateLimited: 4029,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export interface CloseDecision {
  code: CloseCode;
  reason: string;
}
