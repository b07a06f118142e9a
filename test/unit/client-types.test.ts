/**
 * The client's wire types (src/client/wire.ts) mirror objects the server builds; these checks fail
 * to compile (npm run typecheck) when the server's shapes drift away from what clients are told.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { ChannelObject as ServerChannel, MemberObject as ServerMember } from "../../src/channel/ChannelRoom";
import type { MessageObject as ServerMessage } from "../../src/channel/messages";
import type { ChannelObject, MemberObject, MessageObject } from "../../src/client/wire";

describe("client wire types", () => {
  it("accept what the server sends", () => {
    expectTypeOf<ServerMessage>().toExtend<MessageObject>();
    expectTypeOf<ServerMember>().toExtend<MemberObject>();
    expectTypeOf<ServerChannel>().toExtend<ChannelObject>();
  });
});
