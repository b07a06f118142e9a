import { describe, expect, it } from "vitest";
import { type FilterSpec, compileFilters, matches } from "../../src/protocol/filters";

const post = {
  meta: { api: "v1", time: 1, seq: 3 },
  event: "chat.postMessage",
  payload: { message: { id: 7, user_id: 91010000, channel_id: 11010004, content: "hi", emoticons: [] }, flag: true, nothing: null },
};
const typing = { meta: { api: "v1", time: 1 }, event: "chat.userTyping", payload: { user: { id: 91010001 }, channel_id: 11010004 } };

const table: { why: string; filters: FilterSpec[] | null; event: unknown; expected: boolean }[] = [
  { why: "no filters deliver everything", filters: null, event: post, expected: true },
  { why: "the empty list clears filtering", filters: [], event: post, expected: true },
  { why: "event equality", filters: [{ property: "event", value: "chat.postMessage" }], event: post, expected: true },
  { why: "event inequality", filters: [{ property: "event", value: "chat.postMessage" }], event: typing, expected: false },
  { why: "type is an alias of event", filters: [{ property: "type", value: "chat.userTyping" }], event: typing, expected: true },
  {
    why: "same property OR-ed",
    filters: [
      { property: "event", value: "chat.postMessage" },
      { property: "event", value: "chat.userTyping" },
    ],
    event: typing,
    expected: true,
  },
  {
    why: "different properties AND-ed (both hold)",
    filters: [
      { property: "event", value: "chat.postMessage" },
      { property: "payload.message.user_id", value: 91010000 },
    ],
    event: post,
    expected: true,
  },
  {
    why: "different properties AND-ed (one fails)",
    filters: [
      { property: "event", value: "chat.postMessage" },
      { property: "payload.message.user_id", value: 1 },
    ],
    event: post,
    expected: false,
  },
  { why: "a missing property is not delivered", filters: [{ property: "payload.message.id", value: "*" }], event: typing, expected: false },
  { why: "null counts as missing, even for *", filters: [{ property: "payload.nothing", value: "*" }], event: post, expected: false },
  { why: "* matches any present value", filters: [{ property: "payload.channel_id", value: "*" }], event: typing, expected: true },
  { why: "* matches objects", filters: [{ property: "payload.message", value: "*" }], event: post, expected: true },
  { why: "* matches arrays (empty too)", filters: [{ property: "payload.message.emoticons", value: "*" }], event: post, expected: true },
  { why: "a number matches its string form", filters: [{ property: "payload.channel_id", value: "11010004" }], event: typing, expected: true },
  { why: "a string matches a number's form", filters: [{ property: "payload.message.id", value: 7 }], event: post, expected: true },
  { why: "booleans compare as strings", filters: [{ property: "payload.flag", value: "true" }], event: post, expected: true },
  { why: "a boolean filter value matches", filters: [{ property: "payload.flag", value: true }], event: post, expected: true },
  { why: "an object never equals a scalar", filters: [{ property: "payload.message", value: "[object Object]" }], event: post, expected: false },
  { why: "meta is a property too", filters: [{ property: "meta.seq", value: 3 }], event: post, expected: true },
  { why: "events without seq lack meta.seq", filters: [{ property: "meta.seq", value: "*" }], event: typing, expected: false },
  { why: "prototype keys are not properties", filters: [{ property: "constructor", value: "*" }], event: post, expected: false },
  { why: "__proto__ paths do not reach the prototype", filters: [{ property: "payload.__proto__.toString", value: "*" }], event: post, expected: false },
  { why: "a path through a scalar is missing", filters: [{ property: "event.length", value: "*" }], event: post, expected: false },
  {
    why: "type and event are one property, so they are OR-ed, not AND-ed",
    filters: [
      { property: "type", value: "chat.postMessage" },
      { property: "event", value: "chat.userTyping" },
    ],
    event: typing,
    expected: true,
  },
  {
    why: "* beside other values of the same property still matches anything present",
    filters: [
      { property: "payload.channel_id", value: "1" },
      { property: "payload.channel_id", value: "*" },
    ],
    event: typing,
    expected: true,
  },
  {
    why: "an AND-ed group that the event lacks fails the whole match",
    filters: [
      { property: "event", value: "chat.userTyping" },
      { property: "payload.message.user_id", value: "*" },
    ],
    event: typing,
    expected: false,
  },
  { why: "payload.type is a real path, not the event alias", filters: [{ property: "payload.type", value: "chat.userTyping" }], event: typing, expected: false },
  { why: "a property that is an empty string is compared as one", filters: [{ property: "payload.message.content", value: "" }], event: post, expected: false },
  { why: "number string matching is exact", filters: [{ property: "payload.channel_id", value: "1101000" }], event: typing, expected: false },
];

describe("filters (iSymphony semantics)", () => {
  for (const row of table) {
    it(row.why, () => {
      expect(matches(compileFilters(row.filters), row.event)).toBe(row.expected);
    });
  }
});

describe("compiled matchers are shared by identical filter lists (one match per filter set per broadcast)", () => {
  const f = (property: string, value: FilterSpec["value"]): FilterSpec => ({ property, value });
  const table: { why: string; a: FilterSpec[]; b: FilterSpec[]; same: boolean }[] = [
    { why: "equal lists", a: [f("event", "chat.postMessage"), f("meta.api", "v1")], b: [f("event", "chat.postMessage"), f("meta.api", "v1")], same: true },
    { why: "a number and its string form are one filter", a: [f("payload.channel_id", 7)], b: [f("payload.channel_id", "7")], same: true },
    { why: "a boolean and its string form are one filter", a: [f("payload.flag", true)], b: [f("payload.flag", "true")], same: true },
    { why: "different values", a: [f("payload.channel_id", 7)], b: [f("payload.channel_id", 8)], same: false },
    { why: "different properties", a: [f("event", "x")], b: [f("type", "x")], same: false },
    { why: "* is not the string of another value", a: [f("event", "*")], b: [f("event", "chat.postMessage")], same: false },
    { why: "a superset is another filter set", a: [f("event", "x")], b: [f("event", "x"), f("meta.api", "v1")], same: false },
  ];
  for (const row of table) {
    it(row.why, () => {
      expect(compileFilters(row.a) === compileFilters(row.b)).toBe(row.same);
    });
  }

  it("a shared matcher still matches by its own filters", () => {
    const m = compileFilters([f("payload.channel_id", 11010004)]);
    expect(compileFilters([f("payload.channel_id", "11010004")])).toBe(m);
    expect(matches(m, typing)).toBe(true);
    expect(matches(m, post)).toBe(false);
  });
});
