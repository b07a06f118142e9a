import { describe, expect, it } from "vitest";
import { buildEvent } from "../../src/protocol/envelope";
import { checkServerFrame } from "../../src/protocol/wire";

/**
 * buildEvent takes an event name from the wire schemas and a payload of that event's schema
 * (docs/protocol.md#events): the compiler refuses anything else (`tsc --noEmit` checks the
 * `@ts-expect-error` lines below), and what it builds is a frame the schemas accept.
 */
describe("buildEvent", () => {
  it("builds the frame the schemas accept, serialized once", () => {
    const frame = buildEvent("chat.deleteMessage", { message_id: 7, channel_id: 11010004 }, 1_700_000_000, 12);
    expect(JSON.parse(frame.text)).toEqual(frame.event);
    expect(frame.event).toEqual({ meta: { api: "v1", time: 1_700_000_000, seq: 12 }, event: "chat.deleteMessage", payload: { message_id: 7, channel_id: 11010004 } });
    expect(checkServerFrame(frame.event)).toBeNull();
  });

  it("refuses unknown events and payloads of another shape at compile time", () => {
    // @ts-expect-error: no such event
    const unknown = () => buildEvent("chat.postmessage", {}, 1);
    // @ts-expect-error: chat.deleteMessage carries message_id and channel_id
    const wrongPayload = () => buildEvent("chat.deleteMessage", { message: {} }, 1);
    // @ts-expect-error: rtm.resumed's seq is a number
    const wrongType = () => buildEvent("rtm.resumed", { recovered: true, seq: "3" }, 1);
    expect([unknown, wrongPayload, wrongType]).toHaveLength(3);
  });
});
