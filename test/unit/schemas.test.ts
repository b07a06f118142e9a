import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ChannelCreate, ChannelHistory, ChatPost, Flag, UserCreate, UserLogin } from "../../src/http/schemas";

type Row = { why: string; input: unknown; expected: unknown } | { why: string; input: unknown; error: string[] };

/** Runs a table against a schema: `expected` = parsed value, `error` = the failing top-level fields. */
function check(schema: z.ZodType, table: Row[]) {
  for (const row of table) {
    it(row.why, () => {
      const r = schema.safeParse(row.input);
      if ("expected" in row) {
        expect(r.error?.issues).toBeUndefined();
        expect(r.data).toEqual(row.expected);
      } else {
        expect(r.success).toBe(false);
        expect([...new Set(r.error!.issues.map((i) => String(i.path[0])))].sort()).toEqual(row.error.sort());
      }
    });
  }
}

describe("Flag (true/false/1/0/\"1\"/\"0\"/\"true\"/\"false\")", () => {
  const table: { input: unknown; expected: boolean | "error" }[] = [
    { input: true, expected: true },
    { input: false, expected: false },
    { input: 1, expected: true },
    { input: 0, expected: false },
    { input: "1", expected: true },
    { input: "0", expected: false },
    { input: "true", expected: true },
    { input: "false", expected: false },
    { input: 2, expected: "error" },
    { input: "yes", expected: "error" },
    { input: "TRUE", expected: "error" },
    { input: "", expected: "error" },
    { input: null, expected: "error" },
    { input: undefined, expected: "error" },
  ];
  for (const row of table) {
    it(`${JSON.stringify(row.input)} → ${row.expected}`, () => {
      const r = Flag.safeParse(row.input);
      if (row.expected === "error") expect(r.success).toBe(false);
      else expect(r.data).toBe(row.expected);
    });
  }
});

describe("ChannelCreate: list params are JSON arrays, or comma-separated strings (form/query)", () => {
  check(ChannelCreate, [
    { why: "name only", input: { channel_name: "general" }, expected: { channel_name: "general" } },
    { why: "name is trimmed", input: { channel_name: "  general " }, expected: { channel_name: "general" } },
    { why: "JSON array of ids", input: { channel_name: "g", user_ids: [1, 2] }, expected: { channel_name: "g", user_ids: [1, 2] } },
    { why: "JSON array of id strings", input: { channel_name: "g", user_ids: ["1", "2"] }, expected: { channel_name: "g", user_ids: [1, 2] } },
    { why: "comma-separated ids", input: { channel_name: "g", user_ids: "91010000,91010001" }, expected: { channel_name: "g", user_ids: [91010000, 91010001] } },
    { why: "comma-separated with spaces", input: { channel_name: "g", user_ids: " 1 , 2 " }, expected: { channel_name: "g", user_ids: [1, 2] } },
    { why: "a single id as a string", input: { channel_name: "g", user_ids: "7" }, expected: { channel_name: "g", user_ids: [7] } },
    { why: "a JSON array sent as a string (form body)", input: { channel_name: "g", user_ids: "[3,4]" }, expected: { channel_name: "g", user_ids: [3, 4] } },
    { why: "an empty string is an empty list", input: { channel_name: "g", emails: "" }, expected: { channel_name: "g", emails: [] } },
    {
      why: "comma-separated emails",
      input: { channel_name: "g", emails: "a@example.test,B@Example.test" },
      expected: { channel_name: "g", emails: ["a@example.test", "B@Example.test"] },
    },
    { why: "JSON array of emails", input: { channel_name: "g", emails: ["a@example.test"] }, expected: { channel_name: "g", emails: ["a@example.test"] } },
    { why: "a bad id in the list names user_ids", input: { channel_name: "g", user_ids: "1,abc" }, error: ["user_ids"] },
    { why: "zero is not an id", input: { channel_name: "g", user_ids: [0] }, error: ["user_ids"] },
    { why: "a bad email names emails", input: { channel_name: "g", emails: "a@example.test,nope" }, error: ["emails"] },
    { why: "an object is not a list", input: { channel_name: "g", emails: { a: 1 } }, error: ["emails"] },
    { why: "a missing name", input: {}, error: ["channel_name"] },
    { why: "a blank name", input: { channel_name: "   " }, error: ["channel_name"] },
    { why: "a name over 100 characters", input: { channel_name: "x".repeat(101) }, error: ["channel_name"] },
    { why: "both fields bad at once", input: { channel_name: "", user_ids: "x" }, error: ["channel_name", "user_ids"] },
  ]);
});

describe("ChannelHistory", () => {
  check(ChannelHistory, [
    { why: "channel only", input: { channel_id: "11010000" }, expected: { channel_id: 11010000 } },
    { why: "limit as a query string", input: { channel_id: 1, limit: "10" }, expected: { channel_id: 1, limit: 10 } },
    { why: "before_id", input: { channel_id: 1, before_id: "5" }, expected: { channel_id: 1, before_id: 5 } },
    { why: "after_id", input: { channel_id: 1, after_id: 5 }, expected: { channel_id: 1, after_id: 5 } },
    { why: "before_id and after_id together", input: { channel_id: 1, before_id: 5, after_id: 2 }, error: ["after_id"] },
    { why: "limit 0", input: { channel_id: 1, limit: 0 }, error: ["limit"] },
    { why: "limit not a number", input: { channel_id: 1, limit: "ten" }, error: ["limit"] },
    { why: "limit negative", input: { channel_id: 1, limit: "-1" }, error: ["limit"] },
    { why: "limit fractional", input: { channel_id: 1, limit: 1.5 }, error: ["limit"] },
    { why: "missing channel_id", input: {}, error: ["channel_id"] },
    { why: "channel_id not numeric", input: { channel_id: "general" }, error: ["channel_id"] },
  ]);
});

describe("UserCreate / UserLogin / ChatPost", () => {
  check(UserCreate, [
    { why: "valid", input: { email: " a@example.test ", password: "12345678", name: "A" }, expected: { email: "a@example.test", password: "12345678", name: "A" } },
    { why: "password under 8", input: { email: "a@example.test", password: "1234567", name: "A" }, error: ["password"] },
    { why: "password over 100", input: { email: "a@example.test", password: "x".repeat(101), name: "A" }, error: ["password"] },
    { why: "bad email", input: { email: "a@", password: "12345678", name: "A" }, error: ["email"] },
    { why: "name missing", input: { email: "a@example.test", password: "12345678" }, error: ["name"] },
    { why: "name over 100", input: { email: "a@example.test", password: "12345678", name: "n".repeat(101) }, error: ["name"] },
  ]);
  check(UserLogin, [
    { why: "email", input: { email: "a@example.test", password: "p" }, expected: { email: "a@example.test", password: "p" } },
    { why: "`user` is an alias of email", input: { user: "a@example.test", password: "p" }, expected: { email: "a@example.test", password: "p" } },
    { why: "neither email nor user", input: { password: "p" }, error: ["email"] },
    { why: "no password", input: { email: "a@example.test" }, error: ["password"] },
  ]);
  check(ChatPost, [
    { why: "valid, ids as strings", input: { channel_id: "3", text: "hi", parent_message_id: "1" }, expected: { channel_id: 3, text: "hi", parent_message_id: 1 } },
    { why: "empty text", input: { channel_id: 3, text: "" }, error: ["text"] },
    { why: "text not a string", input: { channel_id: 3, text: 5 }, error: ["text"] },
    { why: "no channel", input: { text: "hi" }, error: ["channel_id"] },
  ]);
});
