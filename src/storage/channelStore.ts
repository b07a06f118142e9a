import type { EventPayload, OutFrame } from "../protocol/envelope";
import type { EventName } from "../protocol/wire";
import type { UserProfile } from "../protocol/objects";
import { type ChannelRow, ChannelRowStore } from "./channelRowStore";
import { EventLog } from "./eventLog";
import { type MemberRow, MemberStore } from "./memberStore";
import { type MessageRow, MessageStore, type NewMessage, type ReactionRow } from "./messageStore";
import { Meta } from "./sqlite";

export { CHANNEL_SCHEMA } from "./channelSchema";
export type { ChannelRow } from "./channelRowStore";
export type { MemberRow } from "./memberStore";
export type { MessageRow, NewMessage, ReactionRow } from "./messageStore";

/**
 * The channel room's SQLite, as the stores that own its tables: the channel row (`channelRow`),
 * the members (`roster`; `members()` is the older method listing them), the messages
 * (`messages`) and the event log behind `seq` and resume (`log`), over one `_meta` (`meta`). It
 * adds the one thing none of them can do alone: a transaction that, when it rolls back, makes
 * every store drop what it kept in memory. The methods below the transaction are the room's
 * older spelling of the stores' own, one line each.
 */
export class ChannelStore {
  readonly meta: Meta;
  readonly channelRow: ChannelRowStore;
  readonly roster: MemberStore;
  readonly messages: MessageStore;
  readonly log: EventLog;

  constructor(private readonly storage: DurableObjectStorage) {
    this.meta = Meta.of(storage.sql);
    this.channelRow = new ChannelRowStore(storage.sql);
    this.roster = new MemberStore(storage.sql, this.meta);
    this.messages = new MessageStore(storage.sql);
    this.log = new EventLog(storage.sql, this.meta);
  }

  /** seq when this instance opened the storage (see EventLog.seqAtOpen). */
  get seqAtOpen(): number {
    return this.log.seqAtOpen;
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.storage.transactionSync(fn);
    } catch (err) {
      this.log.forget();
      this.channelRow.forget();
      this.roster.forget();
      this.meta.forget();
      throw err;
    }
  }

  // --- the channel row ------------------------------------------------------------------------
  channel(): ChannelRow | null { return this.channelRow.get(); }
  createChannel(row: Omit<ChannelRow, "removed">): void { this.channelRow.create(row); }
  touchChannel(now: number): void { this.channelRow.touch(now); }
  renameChannel(name: string): void { this.channelRow.rename(name); }
  markRemoved(): void { this.channelRow.markRemoved(); }

  // --- members ----------------------------------------------------------------------------------
  member(userId: number): MemberRow | null { return this.roster.get(userId); }
  members(): MemberRow[] { return this.roster.all(); }
  /** joined at the current seq: the member's resume never reaches back before it */
  addMember(p: UserProfile, role: number, readCursor: number, now: number): void { this.roster.add(p, role, readCursor, now, this.log.seq()); }
  removeMember(userId: number): void { this.roster.remove(userId); }
  setRole(userId: number, role: number): void { this.roster.setRole(userId, role); }
  updateMemberProfile(p: UserProfile): MemberRow | null { return this.roster.updateProfile(p); }
  setPresence(userId: number, online: boolean, at: number): void { this.roster.setPresence(userId, online, at); }
  presenceVersion(userId: number): number { return this.roster.presenceVersion(userId); }
  setPresenceVersion(userId: number, v: number): void { this.roster.setPresenceVersion(userId, v); }

  // --- messages ---------------------------------------------------------------------------------
  insertMessage(m: NewMessage): MessageRow { return this.messages.insert(m); }
  message(id: number): MessageRow | null { return this.messages.message(id); }
  latestMessageId(): number { return this.messages.latestMessageId(); }
  page(q: { before?: number; after?: number; limit: number }): { rows: MessageRow[]; hasMore: boolean } { return this.messages.page(q); }
  reactionsFor(ids: readonly number[]): Map<number, ReactionRow[]> { return this.messages.reactionsFor(ids); }
  readersFor(ids: readonly number[]): Map<number, number[]> { return this.messages.readersFor(ids); }
  renameAuthor(userId: number, name: string): void { this.messages.renameAuthor(userId, name); }

  // --- the event log ----------------------------------------------------------------------------
  epoch(): string { return this.log.epoch(); }
  seq(): number { return this.log.seq(); }
  appendEvent<N extends EventName>(event: N, payload: EventPayload<N>, now: number): OutFrame { return this.log.appendEvent(event, payload, now); }
  trimEvents(keep: number, maxAgeMs: number, now: number): void { this.log.trim(keep, maxAgeMs, now); }
  rewriteMessage(id: number, content: string | object, forget: boolean): void { this.log.rewriteMessage(id, content, forget); }
  firstLoggedSeq(): number { return this.log.firstLoggedSeq(); }
  eventsBetween(after: number, upTo: number): string[] | null { return this.log.eventsBetween(after, upTo); }
  eventsAfter(since: number): string[] | null { return this.log.eventsAfter(since); }
}
