import { describe, expect, it } from "vitest";
import { MAX_ALERT_TARGETS, alertText, postTargets, reactionTarget, snippet } from "../../src/channel/alerts";
import { mentionedIds, newlyMentioned } from "../../src/channel/mentions";

const mentionTable: { why: string; input: string; expected: number[] }[] = [
  { why: "plain text has none", input: "hello there", expected: [] },
  { why: "@<user_id>", input: "hi @91010001", expected: [91010001] },
  { why: "AirSend link form", input: "hi [Bob Smith](user://91010002) !", expected: [91010002] },
  { why: "both forms, in order, distinct", input: "[B](user://2) and @1 and @2 and @1", expected: [2, 1] },
  { why: "at the start of the text", input: "@5, look", expected: [5] },
  { why: "followed by punctuation", input: "ping @5.", expected: [5] },
  { why: "an email address is not a mention", input: "mail me@123.example", expected: [] },
  { why: "digits followed by letters are not an id", input: "@123abc", expected: [] },
  { why: "@@ is not a mention", input: "@@12", expected: [] },
  { why: "zero-leading ids are not ids", input: "@012", expected: [] },
  { why: "a name is not an id", input: "@bob", expected: [] },
  { why: "link form with empty name", input: "[](user://9)", expected: [9] },
  { why: "other link schemes are not mentions", input: "[x](http://9)", expected: [] },
];

describe("mention parsing", () => {
  for (const row of mentionTable) it(row.why, () => expect(mentionedIds(row.input)).toEqual(row.expected));

  const editTable = [
    { why: "an edit alerts only newly mentioned users", before: "hi @1", after: "hi @1 and @2", expected: [2] },
    { why: "a mention kept in another form is not new", before: "hi @1", after: "hi [A](user://1)", expected: [] },
    { why: "removing a mention alerts nobody", before: "hi @1 @2", after: "hi @1", expected: [] },
  ];
  for (const row of editTable) it(row.why, () => expect(newlyMentioned(row.before, row.after)).toEqual(row.expected));
});

describe("alert targets", () => {
  const members = new Set([1, 2, 3]);
  const isMember = (id: number) => members.has(id);
  const table = [
    { why: "a mentioned member", input: { author: 1, mentioned: [2], quotedAuthor: null }, expected: [{ user_id: 2, reason: "mention" }] },
    { why: "a non-member gets nothing", input: { author: 1, mentioned: [99], quotedAuthor: null }, expected: [] },
    { why: "mentioning oneself gets nothing", input: { author: 1, mentioned: [1], quotedAuthor: null }, expected: [] },
    { why: "the quoted author", input: { author: 1, mentioned: [], quotedAuthor: 3 }, expected: [{ user_id: 3, reason: "quote" }] },
    { why: "quoting oneself gets nothing", input: { author: 1, mentioned: [], quotedAuthor: 1 }, expected: [] },
    {
      why: "quoted and mentioned: one alert (the mention)",
      input: { author: 1, mentioned: [3], quotedAuthor: 3 },
      expected: [{ user_id: 3, reason: "mention" }],
    },
    { why: "a quoted non-member (left the channel) gets nothing", input: { author: 1, mentioned: [], quotedAuthor: 99 }, expected: [] },
  ];
  for (const row of table) it(row.why, () => expect(postTargets({ ...row.input, isMember })).toEqual(row.expected));

  it("caps the number of targets", () => {
    const many = Array.from({ length: MAX_ALERT_TARGETS + 10 }, (_, i) => i + 10);
    expect(postTargets({ author: 1, mentioned: many, quotedAuthor: null, isMember: () => true })).toHaveLength(MAX_ALERT_TARGETS);
  });

  const reactions = [
    { why: "someone else's reaction alerts the author", reactor: 2, author: 1, expected: { user_id: 1, reason: "reaction" } },
    { why: "reacting to one's own message does not", reactor: 1, author: 1, expected: null },
    { why: "an author who left (or the bot) is not alerted", reactor: 2, author: 99, expected: null },
  ];
  for (const row of reactions) {
    it(row.why, () => expect(reactionTarget({ reactor: row.reactor, author: row.author, isMember })).toEqual(row.expected));
  }

  it("alert text names the sender and quotes the message", () => {
    expect(alertText("mention", "Alice", "hi @2")).toBe("Alice mentioned you: hi @2");
    expect(alertText("quote", "Alice", "first")).toBe("Alice quoted your message: first");
    expect(alertText("reaction", "Bob", "first", "U 1F600")).toBe("Bob reacted U 1F600 to your message: first");
    expect(snippet({ type: 2, bot_message: "@1 has added @2 to this channel" })).toBe("@1 has added @2 to this channel");
    expect(snippet("x".repeat(150))).toBe(`${"x".repeat(100)}...`);
  });
});
