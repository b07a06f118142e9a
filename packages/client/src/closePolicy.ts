import { CloseCode } from "./protocol.js";

/**
 * What a client does when the server closes a socket (the server's docs/protocol.md#close-codes). Everything not listed
 * as final is retried with backoff: a restart, deploy or network drop shows up as 1001/1006 or a
 * silent socket, and the client cannot tell those apart from a short outage.
 */
export interface CloseAction {
  /** try again (with backoff) */
  reconnect: boolean;
  /** fetch a fresh ws token with rtm.connect before the next attempt */
  refreshToken: boolean;
}

export function closeAction(code: number, reason = ""): CloseAction {
  // The session ended (logout elsewhere, password change, account deleted): rtm.connect would
  // refuse the bearer too, so only signing in again helps.
  if (code === CloseCode.AuthFailed && reason === "session revoked") return { reconnect: false, refreshToken: false };
  switch (code) {
    case CloseCode.NotAllowed: // not a member, or removed from the channel: retrying cannot help
    case CloseCode.ChannelRemoved:
    case CloseCode.Disconnected: // a backend ordered it (server.user.disconnect): not a fault to retry
      return { reconnect: false, refreshToken: false };
    case CloseCode.TokenExpired: // the token ran out on a live connection
    case CloseCode.AuthFailed: // expired or refused at ws_auth: a fresh token is the only cure worth trying
      return { reconnect: true, refreshToken: true };
    default:
      return { reconnect: true, refreshToken: false };
  }
}
