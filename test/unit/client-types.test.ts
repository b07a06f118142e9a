/**
 * The client package's types are generated from the server's zod schemas
 * (packages/client/src/protocol.ts). These checks fail to compile (npm run typecheck) when a
 * payload, wire object or command the server defines stops being exactly what clients are told,
 * and when the objects the server builds stop fitting them.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type * as client from "../../packages/client/src/index.ts";
import type { ChannelObject as ServerChannel, MemberObject as ServerMember } from "../../src/channel/ChannelRoom";
import type { MessageObject as ServerMessage } from "../../src/channel/messages";
import type { commandSchemas } from "../../src/protocol/commands";
import type { ServerEvent } from "../../src/protocol/envelope";
import type { FilterSpec } from "../../src/protocol/filters";
import type * as wire from "../../src/protocol/wire";

type Out<S extends z.ZodType> = z.output<S>;
/** Identical types (stricter than mutual assignability: an optional field added on one side fails). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Each key of `A` whose type is not exactly the one in `B` (never when all match). */
type Mismatched<A, B> = { [K in keyof A & keyof B]: Equal<A[K], B[K]> extends true ? never : K }[keyof A & keyof B];

describe("client wire types", () => {
  it("are the server's schemas, field for field", () => {
    expectTypeOf<Equal<client.UserObject, Out<typeof wire.UserObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.MemberObject, Out<typeof wire.MemberObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.MessageObject, Out<typeof wire.MessageObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.ChannelObject, Out<typeof wire.ChannelObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.LockObject, Out<typeof wire.LockObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.AlertObject, Out<typeof wire.AlertObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.ActionObject, Out<typeof wire.ActionObject>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.SuccessReply, Out<typeof wire.SuccessReply>>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.ErrorReply, Out<typeof wire.ErrorReply>>>().toEqualTypeOf<true>();
  });

  it("give every event the payload the server's schema describes", () => {
    type ServerPayloads = { [K in keyof typeof wire.eventPayloads]: Out<(typeof wire.eventPayloads)[K]> };
    expectTypeOf<keyof client.EventPayloads>().toEqualTypeOf<keyof ServerPayloads>();
    expectTypeOf<Mismatched<client.EventPayloads, ServerPayloads>>().toBeNever();
    expectTypeOf<Equal<client.RtmEvent<"chat.postMessage">["payload"], ServerPayloads["chat.postMessage"]>>().toEqualTypeOf<true>();
    expectTypeOf<Equal<client.ServerEvent, ServerEvent>>().toEqualTypeOf<true>();
  });

  it("take every command's parameters as the server's schema reads them", () => {
    type ServerParams = { [K in keyof typeof commandSchemas]: Omit<z.input<(typeof commandSchemas)[K]>, "correlationId"> };
    expectTypeOf<keyof client.CommandParamsMap>().toEqualTypeOf<keyof ServerParams>();
    // ws_ping takes nothing: `Record<string, never>` on the client, `{}` once Omit has removed the correlationId.
    expectTypeOf<Exclude<Mismatched<client.CommandParamsMap, ServerParams>, "ws_ping">>().toBeNever();
    expectTypeOf<Equal<client.FilterSpec, FilterSpec>>().toEqualTypeOf<true>();
  });

  it("accept what the server builds", () => {
    expectTypeOf<ServerMessage>().toExtend<client.MessageObject>();
    expectTypeOf<ServerMember>().toExtend<client.MemberObject>();
    expectTypeOf<ServerChannel>().toExtend<client.ChannelObject>();
  });
});
