import type { AlertInput, AlertObject } from "./alerts";
import type { PresenceState } from "./presence";
import type { QuotaCounts, QuotaVerdict } from "./quota";
import type { Result } from "./result";
import type { SocketRoomRpc } from "./socketRoom";
import type { UnreadPayload, UnreadState } from "./unread";

/** An event for the user's stream (no seq: docs/protocol.md, "Events and recipients"). */
export interface StreamEvent {
  event: string;
  payload: object;
}

/**
 * A user's room as the worker and the channel rooms call it (src/user/UserRoom.ts). Methods that
 * take `userId` take the room's own user: the first call tells a new room who it belongs to.
 */
export interface UserRoomRpc extends SocketRoomRpc {
  // membership, from the worker and the channel rooms
  created(userId: number): Promise<void>;
  membershipChanged(userId: number, channelId: number, member: boolean, events: readonly StreamEvent[]): Promise<void>;
  accountDeleted(userId: number): Promise<void>;
  // global presence: leases of the user's connections in every room
  connectionOpened(userId: number, connId: string, room: string): Promise<PresenceState>;
  connectionClosed(userId: number, connId: string): Promise<PresenceState>;
  renewLeases(userId: number, room: string, connIds: string[]): Promise<PresenceState>;
  presenceState(userId: number): Promise<PresenceState>;
  // alerts and unread totals
  addAlert(input: AlertInput): Promise<AlertObject>;
  alerts(): Promise<AlertObject[]>;
  redactAlerts(channelId: number, messageId: number): Promise<number>;
  ackAlert(alertId: number): Promise<Result<null>>;
  setUnread(channelId: number, state: UnreadState): Promise<UnreadPayload | null>;
  dropUnread(channelId: number): Promise<number>;
  totalUnread(): Promise<number>;
  // hourly quotas
  reserveQuota(userId: number, spend: QuotaCounts, headroom: QuotaCounts): Promise<QuotaVerdict>;
  chargeFailedLookups(userId: number, n: number, refund: QuotaCounts): Promise<QuotaVerdict>;
}
