import { ROLE_OWNER, type UserObject, type UserProfile, userObject } from "../protocol/objects";
import { type Failure, fail } from "../rooms/errors";
import type { MemberRow } from "../storage/channelStore";

/**
 * Rules of channel membership and channel life: who may add, kick, rename and
 * remove, who inherits the channel when its owner leaves, and the payloads those changes announce.
 * Pure: membershipFlows.ts applies them to the room's store, sockets and shards.
 */

export function memberProfile(m: MemberRow): UserProfile {
  return {
    id: m.user_id,
    email: m.email,
    display_name: m.display_name,
    has_avatar: m.has_avatar === 1,
    last_active_on: m.last_active_on,
  };
}

/** The seed's user object for a member (online_status from the member's presence copy). */
export function memberUser(m: MemberRow): UserObject {
  return userObject(memberProfile(m), m.online === 1);
}

export const isOwner = (m: MemberRow): boolean => m.user_role === ROLE_OWNER;

/** Only the owner renames, adds, kicks and removes. */
export function requireOwner(m: MemberRow, action: string): Failure | null {
  return isOwner(m) ? null : fail(403, "not_owner", `only the channel owner may ${action}`);
}

/**
 * What a removal (kick or leave) does, or why it is refused.
 * - kick: owner only; not oneself (that is a leave); the target must be a member.
 * - leave: any member. An owner who leaves hands the channel to the longest-standing remaining
 *   member (`successor`); an owner who is the last member removes the channel (`removeChannel`).
 */
export type RemovalPlan =
  | { kind: "remove_member"; successor: MemberRow | null }
  | { kind: "remove_channel" };

export function planRemoval(actor: MemberRow, target: MemberRow | null, members: readonly MemberRow[]): RemovalPlan | Failure {
  const leaving = target !== null && target.user_id === actor.user_id;
  if (!leaving) {
    const denied = requireOwner(actor, "kick members");
    if (denied) return denied;
    if (!target) return fail(404, "member_not_found", "that user is not a member of this channel");
    return { kind: "remove_member", successor: null };
  }
  if (!isOwner(actor)) return { kind: "remove_member", successor: null };
  // members() is ordered by joined_on, user_id: the first other member is the longest-standing.
  const successor = members.find((m) => m.user_id !== actor.user_id) ?? null;
  return successor ? { kind: "remove_member", successor } : { kind: "remove_channel" };
}

/** Seed payload of `user_removed.channel`: equal ids mean the user left, different ids a kick. */
export function userRemovedPayload(channelId: number, removedUserId: number, byUserId: number) {
  return { removed_user_id: removedUserId, removed_by_user_id: byUserId, channel_id: channelId };
}
