import { describe, expect, it } from "vitest";
import { checkServerFrame } from "../../src/protocol/wire";

const message = {
  id: 1,
  user_id: 91010000,
  channel_id: 11010000,
  display_name: "Ann",
  content: "hi",
  attachments: [],
  message_type: 1,
  is_edited: false,
  parent_message: [],
  emoticons: [],
  created_on: "2026-11-23 14:00:00",
  created_on_ts: 1795442400,
  read_user_count: 0,
  read_users: [],
};
const post = { meta: { api: "v1", time: 1, seq: 1 }, event: "chat.postMessage", payload: { message } };

const table: { why: string; frame: unknown; ok: boolean }[] = [
  { why: "a well-formed chat.postMessage", frame: post, ok: true },
  { why: "success reply", frame: { correlationId: "a", time: 1, type: "success" }, ok: true },
  { why: "error reply with null correlationId", frame: { correlationId: null, error: "x", time: 1, type: "error" }, ok: true },
  { why: "pong", frame: { event: "pong" }, ok: true },
  { why: "a missing message field", frame: { ...post, payload: { message: { ...message, is_edited: undefined } } }, ok: false },
  { why: "read_user_count as a string (the seed's quirk) is not our contract", frame: { ...post, payload: { message: { ...message, read_user_count: "0" } } }, ok: false },
  { why: "an undocumented event", frame: { meta: { api: "v1", time: 1 }, event: "chat.secret", payload: {} }, ok: false },
  { why: "an extra top-level key", frame: { ...post, extra: 1 }, ok: false },
  { why: "wrong api version", frame: { ...post, meta: { api: "v2", time: 1 } }, ok: false },
  { why: "not an object", frame: "hello", ok: false },
];

describe("checkServerFrame (the AsyncAPI schemas)", () => {
  for (const row of table) {
    it(row.why, () => {
      expect(checkServerFrame(row.frame) === null).toBe(row.ok);
    });
  }
});
