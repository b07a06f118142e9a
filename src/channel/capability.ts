import type { Command, CommandName, CommandOf } from "../protocol/commands";
import { CommandError, type Failure, type Result, fail, ok } from "../rooms/errors";
import type { Session } from "../rooms/session";
import type { DomainTimer } from "../rooms/timers";
import type { Access } from "./port";

/** A channel command's handler: the caller is a member of the live channel (checked before). */
export type CommandHandlers = { [K in CommandName]?: (caller: Access, command: CommandOf<K>) => Promise<void> | void };

/**
 * One feature of a channel room (presence leases, receipts, locks, typing, the directory outbox,
 * ...), built with its dependencies passed in: what it adds to the room's one alarm, to its
 * sockets' lifecycle, and to the channel commands its sockets and the user stream send.
 */
export interface Capability {
  timer?(): DomainTimer;
  /** A socket's first successful ws_auth. */
  connected?(session: Session): Promise<void>;
  /** An authenticated socket is gone. */
  disconnected?(session: Session): Promise<void>;
  commands?: CommandHandlers;
}

/** The room's capabilities, in order: timers run and hooks are called in the order given. */
export class Capabilities {
  private readonly handlers = new Map<CommandName, (caller: Access, command: never) => Promise<void> | void>();

  constructor(private readonly list: readonly Capability[]) {
    for (const c of list) {
      for (const [name, handler] of Object.entries(c.commands ?? {})) {
        // One owner per command: a second one would silently win.
        if (this.handlers.has(name as CommandName)) throw new Error(`two capabilities handle ${name}`);
        this.handlers.set(name as CommandName, handler);
      }
    }
  }

  timers(): DomainTimer[] {
    return this.list.flatMap((c) => (c.timer ? [c.timer()] : []));
  }

  async connected(session: Session): Promise<void> {
    for (const c of this.list) await c.connected?.(session);
  }

  async disconnected(session: Session): Promise<void> {
    for (const c of this.list) await c.disconnected?.(session);
  }

  /** Runs a command for a member (a failed access is the command's error reply). */
  async run(caller: Access | Failure, command: Command): Promise<void> {
    if ("ok" in caller) throw new CommandError(caller.error);
    const handler = this.handlers.get(command.command);
    if (!handler) throw new CommandError(`${command.command} is not supported on this socket`);
    await handler(caller, command as never);
  }

  /** `run`, answered as a value (a command forwarded from the user's stream). */
  async answer(caller: Access | Failure, command: Command): Promise<Result<null>> {
    try {
      await this.run(caller, command);
      return ok(null);
    } catch (err) {
      if (err instanceof CommandError) return fail(422, "command_failed", err.message);
      throw err;
    }
  }
}

/** A handler's domain failure, as the error reply of its command. */
export function replyFailure(result: Result<unknown>): void {
  if (!result.ok) throw new CommandError(result.error);
}
