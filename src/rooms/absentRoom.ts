import { TokenError, signingKey, verifyToken } from "../auth/tokens";
import type { Config } from "../config";
import type { Env } from "../env";
import { CloseCode, type CloseDecision } from "../protocol/closeCodes";
import { decodeFrame } from "../protocol/codec";
import { PRE_AUTH_COMMANDS } from "../protocol/commands";
import { PONG } from "../protocol/envelope";

/**
 * A socket to a room that does not exist (a channel or user id never created, or a channel
 * removed and its storage deleted), answered without reaching a Durable Object: nothing is
 * stored for it. It behaves as the room would before auth (ws_ping answered, oversize 1009, other
 * frames 1008, a bad or missing token 4001, no ws_auth within the deadline 4001), and a valid
 * ws_auth gets `refusal` (4003 for an id never created, 4004 for a removed channel). The socket
 * lives in memory only, for at most the auth deadline.
 */
export function answerAbsentRoom(env: Env, config: Config, refusal: CloseDecision): Response {
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  server.accept();
  let open = true;
  const close = (code: number, reason: string) => {
    if (!open) return;
    open = false;
    clearTimeout(deadline);
    try {
      server.close(code, reason);
    } catch {
      // the client is already gone
    }
  };
  const deadline = setTimeout(() => close(CloseCode.AuthFailed, "authentication timeout"), config.authDeadlineMs);
  const limits = {
    frameLimitBytes: config.frameLimitBytes,
    maxFilters: config.maxFilters,
    maxFilterValueLength: config.maxFilterValueLength,
  };
  server.addEventListener("close", () => close(1000, "closed"));
  server.addEventListener("error", () => close(1000, "closed"));
  const onFrame = async (data: string | ArrayBuffer): Promise<void> => {
    if (!open) return;
    const decoded = decodeFrame(data, limits);
    if (decoded.kind === "close") return close(decoded.close.code, decoded.close.reason);
    if (decoded.kind === "pong") return;
    const name = decoded.kind === "command" ? decoded.command.command : decoded.name;
    if (!PRE_AUTH_COMMANDS.has(name)) return close(CloseCode.PolicyViolation, "authenticate first");
    if (name === "ws_ping") return server.send(PONG);
    if (decoded.kind !== "command" || decoded.command.command !== "ws_auth") {
      return close(CloseCode.AuthFailed, "authentication failed");
    }
    try {
      await verifyToken(decoded.command.auth_token, "rtm", signingKey(env, config));
    } catch (err) {
      return close(CloseCode.AuthFailed, err instanceof TokenError && err.reason === "expired" ? "token expired" : "authentication failed");
    }
    close(refusal.code, refusal.reason);
  };
  server.addEventListener("message", (ev) => void onFrame(ev.data as string | ArrayBuffer));
  return new Response(null, { status: 101, webSocket: client });
}
