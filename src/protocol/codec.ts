import { CloseCode, type CloseDecision } from "./closeCodes";
import { type Command, type CommandName, commandSchemas, isCommandName } from "./commands";
import type { CorrelationId } from "./envelope";
import { LONE_SURROGATE_MESSAGE, loneSurrogatePath } from "./text";

/**
 * The one decoder from a raw websocket frame to a typed command. It never throws: every input
 * ends as a command, an error reply for a known command with bad parameters, or a close.
 */
export type Decoded =
  | { kind: "command"; command: Command; correlationId: CorrelationId }
  | { kind: "invalid"; name: CommandName; correlationId: CorrelationId; error: string }
  | { kind: "pong" }
  | { kind: "close"; close: CloseDecision };

export interface DecodeLimits {
  frameLimitBytes: number;
  maxFilters: number;
  maxFilterValueLength: number;
}

const encoder = new TextEncoder();

export function frameBytes(raw: string | ArrayBuffer): number {
  if (typeof raw !== "string") return raw.byteLength;
  return encoder.encode(raw).length;
}

export function isOversize(raw: string | ArrayBuffer, limit: number): boolean {
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes: skip the encode when that cannot exceed.
  if (typeof raw === "string" && raw.length * 3 <= limit) return false;
  return frameBytes(raw) > limit;
}

function close(code: CloseDecision["code"], reason: string): Decoded {
  return { kind: "close", close: { code, reason } };
}

function correlationOf(obj: Record<string, unknown>): CorrelationId {
  const c = obj.correlationId;
  return typeof c === "string" || typeof c === "number" ? c : null;
}

function describe(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const first = issues[0];
  if (!first) return "invalid parameters";
  const where = first.path.map(String).join(".");
  return where ? `${where}: ${first.message}` : first.message;
}

export function decodeFrame(raw: string | ArrayBuffer, limits: DecodeLimits): Decoded {
  if (isOversize(raw, limits.frameLimitBytes)) return close(CloseCode.TooBig, "frame too large");
  if (typeof raw !== "string") return close(CloseCode.PolicyViolation, "binary frames are not supported");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return close(CloseCode.PolicyViolation, "frame is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return close(CloseCode.PolicyViolation, "frame is not a JSON object");
  }
  const obj = parsed as Record<string, unknown>;
  let name: unknown = obj.command;
  if (name === undefined && obj.type === "filter") name = "ws_filter";
  // A client answering our `ping` event with the seed's "pong" frame: liveness only.
  if (name === undefined && (obj.event === "pong" || obj.type === "pong")) return { kind: "pong" };
  if (!isCommandName(name)) return close(CloseCode.PolicyViolation, "unknown command");

  const correlationId = correlationOf(obj);
  const result = commandSchemas[name].safeParse(obj);
  if (!result.success) {
    return { kind: "invalid", name, correlationId, error: describe(result.error.issues) };
  }
  // correlationId is only echoed back (JSON escapes a lone surrogate there); the rest is acted on.
  const { correlationId: _echoed, ...params } = result.data as Record<string, unknown>;
  const bad = loneSurrogatePath(params);
  if (bad) return { kind: "invalid", name, correlationId, error: describe([{ path: bad, message: LONE_SURROGATE_MESSAGE }]) };
  if (name === "ws_filter") {
    const filters = (result.data as { filters: { value: unknown }[] }).filters;
    if (filters.length > limits.maxFilters) {
      return { kind: "invalid", name, correlationId, error: `at most ${limits.maxFilters} filters` };
    }
    if (filters.some((f) => typeof f.value === "string" && f.value.length > limits.maxFilterValueLength)) {
      return { kind: "invalid", name, correlationId, error: `filter values are at most ${limits.maxFilterValueLength} characters` };
    }
  }
  return { kind: "command", command: { ...result.data, command: name } as Command, correlationId };
}
