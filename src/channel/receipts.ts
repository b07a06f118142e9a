import { settleAll } from "../ops/log";
import { buildEvent } from "../protocol/envelope";
import { type Result, fail, ok } from "../rooms/errors";
import { userRoom } from "../rooms/stubs";
import type { DomainTimer } from "../rooms/timers";
import type { AuthorGroup } from "../storage/messageStore";
import { messageObjects } from "./messages";
import type { ChannelPort } from "./port";
import { unreadFromGroups } from "./reads";
import { snippet } from "./alerts";
import type { UnreadHint } from "../contracts/push";
import { type Capability, replyFailure } from "./capability";

/**
 * Read receipts and unread state (docs/protocol.md#events), on the room's `pending` table and one alarm:
 * - `read`: a message whose `chat.updateMessage` (read_users) is due; `read_gate`: the time until
 *   which a message just announced may not be announced again. The first reader of a quiet
 *   message is announced at once; readers within the next second are folded into one more event
 *   when the gate lapses: at most one event per message per second.
 * - `unread`: a member whose unread state must be pushed to their user room (new messages,
 *   deletes). Flushed together from the alarm: one RPC per member per flush, at most one flush per
 *   member per second, never one call per message per member.
 */
export const PENDING_READ = "read";
export const PENDING_READ_GATE = "read_gate";
export const PENDING_UNREAD = "unread";

/** Rows taken per alarm run; the rest stay due and re-arm the alarm immediately. */
const BATCH = 500;
/**
 * Unread pushes per alarm run. Each is a call to a member's UserRoom; sending all of a busy
 * channel's members at once stalls the posts queued behind the burst (measured: p99 of posts
 * below capacity 156 → 64 ms without the burst), so the rest of a due backlog waits SLICE_GAP_MS.
 */
const UNREAD_SLICE = 10;
const SLICE_GAP_MS = 25;

export class UnreadPusher {
  /** Pushes run one batch after another, so a member's newer state never arrives before an older one. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly port: () => ChannelPort) {}

  /** Marks members' unread state dirty; the alarm pushes it within the coalescing interval. */
  async markDirty(userIds: readonly number[]): Promise<void> {
    if (userIds.length === 0) return;
    const p = this.port();
    const due = p.now() + p.config.unreadCoalesceMs;
    p.pending.scheduleMany(PENDING_UNREAD, userIds, due);
    await p.armAt(due);
  }

  /** Pushes members' current unread state now (ordered after earlier pushes). */
  push(userIds: readonly number[]): Promise<void> {
    const run = this.chain.then(() => this.send(userIds));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async send(userIds: readonly number[]): Promise<void> {
    const p = this.port();
    const channel = p.store.channel();
    if (!channel || channel.removed || userIds.length === 0) return;
    const byCursor = new Map<number, AuthorGroup[]>();
    const hint = latestHint(p, channel.channel_name);
    await settleAll(
      "unread push failed",
      userIds.map(async (uid) => {
        const cursor = p.msgs.cursor(uid);
        if (cursor === null) return; // no longer a member
        let groups = byCursor.get(cursor);
        if (!groups) byCursor.set(cursor, (groups = p.msgs.groupsAfter(cursor)));
        const state = unreadFromGroups(groups, uid);
        const payload = await userRoom(p.env, uid).setUnread(channel.id, state, hint);
        // Sent only when a value changed (the user room compares with what it holds).
        if (payload) p.broadcast(buildEvent("chat.unreadCountUpdate", payload, p.now()), { only: uid });
      }),
    );
  }
}

/**
 * The newest message, worded once per push batch: a member's user room words an offline push
 * with it (docs/push.md) and never has to call back into this room for it.
 */
function latestHint(p: ChannelPort, channelName: string): UnreadHint | undefined {
  const row = p.store.message(p.store.latestMessageId());
  if (!row) return undefined;
  const content = row.content_json ? (JSON.parse(row.content) as object) : row.content;
  return { channel_name: channelName, message_id: row.id, user_id: row.user_id, display_name: row.display_name, snippet: snippet(content) };
}

/** Announces a message's readers (`chat.updateMessage`, durable) unless it is gone. */
function announceReaders(port: ChannelPort, messageId: number, now: number): void {
  const channel = port.store.channel();
  const row = port.store.message(messageId);
  if (!channel || channel.removed || !row) return;
  const frame = port.store.transaction(() => {
    const message = messageObjects(port.store, [row], channel.id)[0]!;
    return port.store.appendEvent("chat.updateMessage", { message }, now);
  });
  port.broadcast(frame);
}

async function scheduleReaders(port: ChannelPort, messageId: number, now: number): Promise<void> {
  if (port.pending.get(PENDING_READ, messageId) !== null) return; // already folded into a coming event
  const gate = port.pending.get(PENDING_READ_GATE, messageId);
  if (gate !== null && gate > now) {
    port.pending.schedule(PENDING_READ, messageId, gate);
    await port.armAt(gate);
    return;
  }
  announceReaders(port, messageId, now);
  port.pending.set(PENDING_READ_GATE, messageId, now + port.config.readCoalesceMs);
}

/**
 * `ws_read_notification`: adds the reader to the message's read_users and moves their cursor to at
 * least that id (a watermark). A message that is not in this channel (or deleted) is refused.
 */
export async function readNotification(port: ChannelPort, unread: UnreadPusher, userId: number, messageId: number): Promise<Result<null>> {
  const row = port.store.message(messageId);
  if (!row) return fail(404, "message_not_found", "no such message in this channel");
  const now = port.now();
  port.pending.dropDue(PENDING_READ_GATE, now);
  const { newReader, moved } = port.store.transaction(() => ({
    newReader: port.msgs.addRead(messageId, userId),
    moved: port.msgs.advanceCursor(userId, messageId),
  }));
  if (newReader) await scheduleReaders(port, messageId, now);
  if (moved) await unread.push([userId]);
  return ok(null);
}

/** `ws_all_read_notification`: the cursor to the latest message; no chat.updateMessage (seed). */
export async function allRead(port: ChannelPort, unread: UnreadPusher, userId: number): Promise<Result<null>> {
  const moved = port.msgs.advanceCursor(userId, port.store.latestMessageId());
  if (moved) await unread.push([userId]);
  return ok(null);
}

/** New message(s) up to `messageId` by `author` (null: a bot): members who have not read them get a coalesced push. */
export async function messagesArrived(port: ChannelPort, unread: UnreadPusher, author: number | null, messageId: number): Promise<void> {
  await unread.markDirty(port.msgs.membersBehind(messageId, author));
}

export function receiptTimer(port: () => ChannelPort, unread: UnreadPusher): DomainTimer {
  return {
    next: () => port().pending.earliest([PENDING_READ, PENDING_UNREAD]),
    run: async (now) => {
      const p = port();
      p.pending.dropDue(PENDING_READ_GATE, now);
      for (const key of p.pending.take(PENDING_READ, now, BATCH)) {
        const id = Number(key);
        announceReaders(p, id, now);
        p.pending.set(PENDING_READ_GATE, id, now + p.config.readCoalesceMs);
      }
      const users = p.pending.take(PENDING_UNREAD, now, UNREAD_SLICE).map(Number);
      p.pending.defer(PENDING_UNREAD, now, now + SLICE_GAP_MS);
      if (users.length) await unread.push(users);
    },
  };
}

/** Members who left (or whose channel is gone) stop counting this channel in their total. */
export async function forgetUnread(port: ChannelPort, userIds: readonly number[]): Promise<void> {
  const channelId = port.store.channel()!.id;
  await settleAll("unread drop failed", userIds.map((uid) => userRoom(port.env, uid).dropUnread(channelId)));
}

/** Read receipts and unread pushes as a capability of the room: their timer and the read commands. */
export function receiptsCapability(port: ChannelPort, unread: UnreadPusher): Capability {
  return {
    timer: () => receiptTimer(() => port, unread),
    commands: {
      ws_read_notification: async ({ member }, c) => replyFailure(await readNotification(port, unread, member.user_id, c.message_id)),
      ws_all_read_notification: async ({ member }) => replyFailure(await allRead(port, unread, member.user_id)),
    },
  };
}
