import type { Config } from "../config";
import type { Env } from "../env";
import type { OutFrame } from "../protocol/envelope";
import type { ActionStore } from "../storage/actionStore";
import type { ChannelRow, ChannelStore, MemberRow } from "../storage/channelStore";
import type { LockStore } from "../storage/lockStore";
import type { MessageStore } from "../storage/messageStore";
import type { PendingStore } from "../storage/pendingStore";

/**
 * What the message-life domain (edits, deletes, reactions, reads, unread, alerts, actions, locks)
 * needs from its channel room: the stores, the room clock, and the room's broadcast and alarm.
 * channelParts.ts builds one per room; the domain functions take it, so they stay plain functions.
 */
export interface ChannelPort {
  store: ChannelStore;
  msgs: MessageStore;
  pending: PendingStore;
  locks: LockStore;
  actions: ActionStore;
  config: Config;
  env: Env;
  now(): number;
  /** Durable frames (with seq) go out in seq order and once each (the room's EventStream). */
  broadcast(frame: OutFrame, target?: { only?: number; except?: number }): number;
  /** Makes the room's one alarm fire no later than `at`. */
  armAt(at: number): Promise<void>;
}

/** The live channel and the caller's membership (granted by access.ts). */
export interface Access {
  channel: ChannelRow;
  member: MemberRow;
}

