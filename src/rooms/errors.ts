import { type Failure, fail } from "../contracts/result";

export { type Failure, type Result, fail, ok } from "../contracts/result";

/** A command that cannot be carried out: answered with an error reply, the socket stays open. */
export class CommandError extends Error {}

export const notMember = (): Failure => fail(403, "not_a_member", "you are not a member of this channel");
export const noChannel = (): Failure => fail(404, "channel_not_found", "no such channel");
