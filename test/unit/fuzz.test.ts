import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { decodeFrame } from "../../src/protocol/codec";
import { commandSchemas } from "../../src/protocol/commands";
import { compileFilters, matches } from "../../src/protocol/filters";
import { report, tried } from "../helpers/hostile";

/**
 * Property tests of the protocol decoder and the filter matcher (seeded, so a failure replays).
 */
const limits = { frameLimitBytes: 64 * 1024, maxFilters: 32, maxFilterValueLength: 256 };
const DOCUMENTED_CLOSES = new Set([1008, 1009]);
const SEED = 20261123;

afterAll(() => report("unit fuzz"));

const commandNames = Object.keys(commandSchemas);
const jsonValue = fc.jsonValue({ maxDepth: 3 });
/** Frames that look like commands: a known or unknown command name with random fields. */
const commandLike = fc
  .record({
    command: fc.oneof(fc.constantFrom(...commandNames), fc.string(), fc.constant(undefined)),
    type: fc.oneof(fc.constant("filter"), fc.constant(undefined), fc.string()),
    channel_id: fc.oneof(fc.integer(), fc.string(), jsonValue),
    message_id: fc.oneof(fc.integer(), fc.string(), jsonValue),
    emoji_value: fc.oneof(fc.string(), jsonValue),
    auth_token: fc.oneof(fc.string(), jsonValue),
    filters: fc.oneof(
      fc.array(fc.record({ property: fc.oneof(fc.string(), jsonValue), value: jsonValue }), { maxLength: 40 }),
      jsonValue,
    ),
    epoch: jsonValue,
    since_seq: jsonValue,
    correlationId: jsonValue,
  }, { requiredKeys: [] })
  .map((o) => JSON.stringify(o));

function checkDecoded(frame: string): void {
  const d = decodeFrame(frame, limits);
  if (d.kind === "close") expect(DOCUMENTED_CLOSES.has(d.close.code)).toBe(true);
  else if (d.kind === "invalid") expect(typeof d.error).toBe("string");
  else if (d.kind === "command") expect(commandNames).toContain(d.command.command);
  else expect(d.kind).toBe("pong");
}

describe("decodeFrame properties", () => {
  it("never throws on arbitrary strings, and ends in a documented outcome", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        tried("random string frame");
        checkDecoded(s);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        tried("random JSON frame");
        checkDecoded(JSON.stringify(v) ?? "null");
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("never throws on command-shaped frames with hostile fields", () => {
    fc.assert(
      fc.property(commandLike, (s) => {
        tried("command-shaped frame");
        checkDecoded(s);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it("never throws on byte-level mutations of valid frames", () => {
    const valid = [
      '{"command":"ws_auth","auth_token":"abc"}',
      '{"command":"ws_read_notification","channel_id":"11010000","message_id":5,"correlationId":"c"}',
      '{"type":"filter","correlationId":"f","filters":[{"property":"payload.channel_id","value":"*"}]}',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.string({ minLength: 1, maxLength: 4 }), (frame, at, insert) => {
        tried("mutated frame");
        const i = at % frame.length;
        checkDecoded(frame.slice(0, i) + insert + frame.slice(i + 1));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

/** Reference model of the filter semantics, written independently of the matcher. */
function model(filters: { property: string; value: string | number | boolean }[], event: unknown): boolean {
  if (filters.length === 0) return true;
  const groups = new Map<string, (string | number | boolean)[]>();
  for (const f of filters) {
    const key = f.property === "type" ? "event" : f.property;
    groups.set(key, [...(groups.get(key) ?? []), f.value]);
  }
  for (const [path, values] of groups) {
    let node: unknown = event;
    for (const k of path.split(".")) {
      node = node !== null && typeof node === "object" && Object.prototype.hasOwnProperty.call(node, k) ? (node as any)[k] : undefined;
    }
    if (node === undefined || node === null) return false;
    const ok = values.some((v) => v === "*" || (typeof node !== "object" && String(node) === String(v)));
    if (!ok) return false;
  }
  return true;
}

describe("filter matcher properties", () => {
  const key = fc.constantFrom("event", "type", "payload", "channel_id", "message", "id", "user_id", "meta", "seq");
  const path = fc.array(key, { minLength: 1, maxLength: 3 }).map((p) => p.join("."));
  const value = fc.oneof(fc.constant("*"), fc.constantFrom("chat.postMessage", "1", "2", "true"), fc.integer({ min: 0, max: 3 }), fc.boolean());
  const event = fc.jsonValue({ maxDepth: 4 });

  it("agrees with the reference model and never throws", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ property: path, value }), { maxLength: 6 }), event, (filters, ev) => {
        tried("filter/event pair");
        expect(matches(compileFilters(filters), ev)).toBe(model(filters, ev));
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });
});
