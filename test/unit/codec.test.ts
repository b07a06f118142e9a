import { describe, expect, it } from "vitest";
import { decodeFrame } from "../../src/protocol/codec";

const limits = { frameLimitBytes: 1024, maxFilters: 3, maxFilterValueLength: 16 };

const table: { why: string; frame: string | ArrayBuffer; expected: Record<string, unknown> }[] = [
  { why: "not JSON closes 1008", frame: "hello", expected: { kind: "close", close: { code: 1008 } } },
  { why: "a JSON array closes 1008", frame: "[1,2]", expected: { kind: "close", close: { code: 1008 } } },
  { why: "a JSON scalar closes 1008", frame: "42", expected: { kind: "close", close: { code: 1008 } } },
  { why: "null closes 1008", frame: "null", expected: { kind: "close", close: { code: 1008 } } },
  { why: "binary closes 1008", frame: new ArrayBuffer(4), expected: { kind: "close", close: { code: 1008 } } },
  { why: "unknown command closes 1008", frame: '{"command":"ws_nope"}', expected: { kind: "close", close: { code: 1008 } } },
  { why: "no command closes 1008", frame: '{"hello":1}', expected: { kind: "close", close: { code: 1008 } } },
  { why: "prototype names are not commands", frame: '{"command":"constructor"}', expected: { kind: "close", close: { code: 1008 } } },
  { why: "oversize closes 1009", frame: JSON.stringify({ command: "ws_ping", pad: "x".repeat(2000) }), expected: { kind: "close", close: { code: 1009 } } },
  {
    why: "oversize counts UTF-8 bytes",
    frame: JSON.stringify({ command: "ws_ping", pad: "é".repeat(600) }),
    expected: { kind: "close", close: { code: 1009 } },
  },
  { why: "ws_ping decodes", frame: '{"command":"ws_ping"}', expected: { kind: "command", command: { command: "ws_ping" } } },
  {
    why: "ids as strings become numbers",
    frame: '{"command":"ws_ephemeral_typing","channel_id":"11010004"}',
    expected: { kind: "command", command: { command: "ws_ephemeral_typing", channel_id: 11010004 } },
  },
  {
    why: "bad id is an error reply, not a close",
    frame: '{"command":"ws_ephemeral_typing","channel_id":"abc","correlationId":"c1"}',
    expected: { kind: "invalid", name: "ws_ephemeral_typing", correlationId: "c1" },
  },
  {
    why: "missing parameter is an error reply with correlationId null",
    frame: '{"command":"ws_read_notification","channel_id":1}',
    expected: { kind: "invalid", name: "ws_read_notification", correlationId: null },
  },
  {
    why: "filter message by type",
    frame: '{"type":"filter","filters":[{"property":"event","value":"x"}]}',
    expected: { kind: "command", command: { command: "ws_filter", filters: [{ property: "event", value: "x" }] } },
  },
  {
    why: "filter message by command",
    frame: '{"command":"ws_filter","filters":[]}',
    expected: { kind: "command", command: { command: "ws_filter", filters: [] } },
  },
  {
    why: "too many filters is an error reply",
    frame: JSON.stringify({ type: "filter", filters: [1, 2, 3, 4].map((v) => ({ property: "event", value: v })) }),
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filters not an array is an error reply",
    frame: '{"type":"filter","filters":"event"}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter value object is an error reply",
    frame: '{"type":"filter","filters":[{"property":"event","value":{}}]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter without property is an error reply",
    frame: '{"type":"filter","filters":[{"value":"x"}]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "overlong filter value is an error reply",
    frame: '{"type":"filter","filters":[{"property":"event","value":"aaaaaaaaaaaaaaaaaaaaaa"}]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter property over 128 characters is an error reply",
    frame: JSON.stringify({ type: "filter", filters: [{ property: "p".repeat(129), value: "x" }] }),
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter property of exactly 128 characters is accepted",
    frame: JSON.stringify({ type: "filter", filters: [{ property: "p".repeat(128), value: "x" }] }),
    expected: { kind: "command", command: { command: "ws_filter" } },
  },
  {
    why: "an unpaired surrogate in a parameter is an error reply naming it",
    frame: '{"command":"ws_add_reaction","message_id":1,"emoji_value":"\\ud83d","correlationId":"s"}',
    expected: { kind: "invalid", name: "ws_add_reaction", correlationId: "s", error: "emoji_value: must be valid Unicode text (unpaired surrogate)" },
  },
  {
    why: "an unpaired surrogate in a filter is an error reply naming the entry",
    frame: '{"type":"filter","filters":[{"property":"event","value":"a"},{"property":"x\\udc00","value":"b"}]}',
    expected: { kind: "invalid", name: "ws_filter", error: "filters.1.property: must be valid Unicode text (unpaired surrogate)" },
  },
  {
    why: "a surrogate pair is text like any other",
    frame: '{"command":"ws_add_reaction","message_id":1,"emoji_value":"\\ud83d\\ude00"}',
    expected: { kind: "command", command: { command: "ws_add_reaction", emoji_value: "😀" } },
  },
  {
    why: "filter property that is not a string is an error reply",
    frame: '{"type":"filter","filters":[{"property":5,"value":"x"}]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter value null is an error reply",
    frame: '{"type":"filter","filters":[{"property":"event","value":null}]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter value array is an error reply",
    frame: '{"type":"filter","filters":[{"property":"event","value":["a"]}]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "filter entry that is not an object is an error reply",
    frame: '{"type":"filter","filters":["event"]}',
    expected: { kind: "invalid", name: "ws_filter" },
  },
  {
    why: "exactly the maximum number of filters is accepted; number and boolean values kept",
    frame: '{"type":"filter","correlationId":7,"filters":[{"property":"event","value":"a"},{"property":"x","value":1},{"property":"y","value":false}]}',
    expected: {
      kind: "command",
      correlationId: 7,
      command: { command: "ws_filter", filters: [{ property: "event", value: "a" }, { property: "x", value: 1 }, { property: "y", value: false }] },
    },
  },
  {
    why: "a non-exact ws_ping (with correlationId) is a command for the room",
    frame: '{"command":"ws_ping","correlationId":"p1"}',
    expected: { kind: "command", correlationId: "p1", command: { command: "ws_ping" } },
  },
  {
    why: "a correlationId of another type is treated as absent",
    frame: '{"command":"ws_ephemeral_typing","channel_id":"x","correlationId":{"a":1}}',
    expected: { kind: "invalid", correlationId: null },
  },
  { why: "a pong answer is liveness only", frame: '{"event":"pong"}', expected: { kind: "pong" } },
  {
    why: "unknown fields are ignored",
    frame: '{"command":"ws_auth","auth_token":"t","extra":[1]}',
    expected: { kind: "command", command: { command: "ws_auth", auth_token: "t" } },
  },
  {
    why: "emoji longer than 32 code points is invalid",
    frame: JSON.stringify({ command: "ws_add_reaction", message_id: 1, emoji_value: "😀".repeat(33) }),
    expected: { kind: "invalid", name: "ws_add_reaction" },
  },
];

describe("decodeFrame", () => {
  for (const row of table) {
    it(row.why, () => {
      expect(decodeFrame(row.frame, limits)).toMatchObject(row.expected);
    });
  }

  it("never throws on mutated frames", () => {
    const seeds = ['{"command":"ws_auth","auth_token":"x"}', '{"type":"filter","filters":[{"property":"a","value":1}]}'];
    for (const seed of seeds) {
      for (let i = 0; i < seed.length; i++) {
        for (const ch of ['"', "{", "}", "[", "]", ":", ",", "\\", "0", "\u0000", "é"]) {
          const mutated = seed.slice(0, i) + ch + seed.slice(i + 1);
          expect(() => decodeFrame(mutated, limits)).not.toThrow();
        }
      }
    }
  });
});
