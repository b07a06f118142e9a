import type { Env } from "../env";
import { CloseCode, type CloseDecision } from "../protocol/closeCodes";
import { Directory } from "../storage/directory";

export type RoomKind = "channel" | "user";

/**
 * Ids seen in the directory, remembered per isolate (up to a bound) so reconnects and channel
 * requests cost no directory read. Users are never deleted: remembered for good. A channel can
 * be removed (its room's storage deleted): remembered for CHANNEL_KNOWN_MS only, and forgotten at
 * once by the isolate that removes it; a request to a removed channel within that time reaches its
 * room, which answers it as removed.
 */
const knownUsers = new Set<number>();
const knownChannels = new Map<number, number>();
const KNOWN_MAX = 100_000;
const CHANNEL_KNOWN_MS = 10_000;

export function forgetChannel(id: number): void {
  knownChannels.delete(id);
}

/**
 * Why a room for this id must not be reached (its Durable Object would store a schema for an id
 * that was never created, or recreate a removed channel's deleted storage); null when it exists.
 * Checked against the D1 directory, which `user.create` and `channel.create` write first.
 */
export async function missingRoom(env: Env, kind: RoomKind, id: number): Promise<CloseDecision | null> {
  const dir = new Directory(env.DB);
  if (kind === "user") {
    if (knownUsers.has(id)) return null;
    if (!(await dir.userExists(id))) return { code: CloseCode.NotAllowed, reason: "not your stream" };
    if (knownUsers.size >= KNOWN_MAX) knownUsers.clear();
    knownUsers.add(id);
    return null;
  }
  const now = Date.now();
  if ((knownChannels.get(id) ?? 0) > now) return null;
  const channel = await dir.channelExists(id);
  if (!channel) return { code: CloseCode.NotAllowed, reason: "not a member of this channel" };
  if (channel.removed) return { code: CloseCode.ChannelRemoved, reason: "channel removed" };
  if (knownChannels.size >= KNOWN_MAX) knownChannels.clear();
  knownChannels.set(id, now + CHANNEL_KNOWN_MS);
  return null;
}
