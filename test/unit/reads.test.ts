import { describe, expect, it } from "vitest";
import { type MessageHead, sameUnread, unreadOf, unreadPayload } from "../../src/channel/reads";

const ME = 7;
const OTHER = 8;
const BOT = 91000001;

const m = (id: number, user_id: number, deleted = false): MessageHead => ({ id, user_id, deleted });

const table: {
  why: string;
  messages: MessageHead[];
  cursor: number;
  expected: { channel_unread_count: number; oldest_unread_message_id: number };
}[] = [
  { why: "no messages: nothing unread, oldest 0", messages: [], cursor: 0, expected: { channel_unread_count: 0, oldest_unread_message_id: 0 } },
  {
    why: "others' messages after the cursor count; oldest is the first",
    messages: [m(1, OTHER), m(2, OTHER), m(3, OTHER)],
    cursor: 0,
    expected: { channel_unread_count: 3, oldest_unread_message_id: 1 },
  },
  {
    why: "own messages never count",
    messages: [m(1, ME), m(2, OTHER), m(3, ME)],
    cursor: 0,
    expected: { channel_unread_count: 1, oldest_unread_message_id: 2 },
  },
  {
    why: "only own messages: nothing unread",
    messages: [m(1, ME), m(2, ME)],
    cursor: 0,
    expected: { channel_unread_count: 0, oldest_unread_message_id: 0 },
  },
  {
    why: "bot messages count",
    messages: [m(1, BOT), m(2, ME)],
    cursor: 0,
    expected: { channel_unread_count: 1, oldest_unread_message_id: 1 },
  },
  {
    why: "cursor behind: only messages after it",
    messages: [m(1, OTHER), m(2, OTHER), m(3, OTHER), m(4, BOT)],
    cursor: 2,
    expected: { channel_unread_count: 2, oldest_unread_message_id: 3 },
  },
  {
    why: "cursor at the latest: nothing unread",
    messages: [m(1, OTHER), m(2, OTHER)],
    cursor: 2,
    expected: { channel_unread_count: 0, oldest_unread_message_id: 0 },
  },
  {
    why: "cursor ahead of every message (latest deleted after all-read): nothing unread",
    messages: [m(1, OTHER), m(2, OTHER, true)],
    cursor: 5,
    expected: { channel_unread_count: 0, oldest_unread_message_id: 0 },
  },
  {
    why: "deleted messages do not count, and are never the oldest",
    messages: [m(1, OTHER), m(2, OTHER, true), m(3, OTHER)],
    cursor: 1,
    expected: { channel_unread_count: 1, oldest_unread_message_id: 3 },
  },
  {
    why: "all unread deleted: nothing unread",
    messages: [m(1, OTHER), m(2, OTHER, true), m(3, BOT, true)],
    cursor: 1,
    expected: { channel_unread_count: 0, oldest_unread_message_id: 0 },
  },
  {
    why: "oldest is the smallest unread id across authors",
    messages: [m(3, ME), m(4, BOT), m(5, OTHER), m(6, BOT)],
    cursor: 2,
    expected: { channel_unread_count: 3, oldest_unread_message_id: 4 },
  },
];

// unreadOf = unreadFromGroups (what the room runs on the store's per-author aggregate) over
// groupAfter (the same grouping as that SQL, here over a plain list of messages).
describe("unread math", () => {
  for (const row of table) {
    it(row.why, () => {
      expect(unreadOf(row.messages, row.cursor, ME)).toEqual(row.expected);
    });
  }
});

describe("unread updates are sent only on change", () => {
  const s = (c: number, o: number) => ({ channel_unread_count: c, oldest_unread_message_id: o });
  const rows = [
    { why: "nothing held and nothing unread: no change", prev: null, next: s(0, 0), expected: true },
    { why: "nothing held, something unread: change", prev: null, next: s(1, 4), expected: false },
    { why: "same count and oldest: no change", prev: s(2, 4), next: s(2, 4), expected: true },
    { why: "same count, other oldest: change", prev: s(2, 4), next: s(2, 5), expected: false },
  ];
  for (const row of rows) it(row.why, () => expect(sameUnread(row.prev, row.next)).toBe(row.expected));

  it("payload keys follow the seed", () => {
    expect(Object.keys(unreadPayload(3, 11, s(1, 4)))).toEqual([
      "total_unread_count",
      "channel_id",
      "channel_unread_count",
      "oldest_unread_message_id",
    ]);
  });
});
