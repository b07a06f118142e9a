import type { AnyEvent } from "../protocol/envelope";
import type { AlertInput, AlertObject } from "./alerts";
import type { PresenceState } from "./presence";
import type { AlertContext, PushMode, PushSettingsView, PushSubscriptionView, SubscriptionInput, UnreadHint } from "./push";
import type { QuotaCounts, QuotaVerdict } from "./quota";
import type { Result } from "./result";
import type { SocketRoomRpc } from "./socketRoom";
import type { UnreadPayload, UnreadState } from "./unread";

/** An event for the user's stream (no seq: docs/protocol.md, "Events and recipients"). */
export type StreamEvent = AnyEvent;

/**
 * A user's room as the worker and the channel rooms call it (src/user/UserRoom.ts). The room knows
 * its user from its own name (`user:<id>`, contracts/rooms.ts), so no method is told again.
 */
export interface UserRoomRpc extends SocketRoomRpc {
  // membership, from the worker and the channel rooms
  created(): Promise<void>;
  membershipChanged(channelId: number, member: boolean, events: readonly StreamEvent[]): Promise<void>;
  accountDeleted(): Promise<void>;
  // global presence: leases of the user's connections in every room
  connectionOpened(connId: string, room: string): Promise<PresenceState>;
  connectionClosed(connId: string): Promise<PresenceState>;
  renewLeases(room: string, connIds: string[]): Promise<PresenceState>;
  presenceState(): Promise<PresenceState>;
  // alerts and unread totals
  addAlert(input: AlertInput, context?: AlertContext): Promise<AlertObject>;
  alerts(): Promise<AlertObject[]>;
  redactAlerts(channelId: number, messageId: number): Promise<number>;
  ackAlert(alertId: number): Promise<Result<null>>;
  setUnread(channelId: number, state: UnreadState, hint?: UnreadHint): Promise<UnreadPayload | null>;
  dropUnread(channelId: number): Promise<number>;
  totalUnread(): Promise<number>;
  // hourly quotas
  reserveQuota(spend: QuotaCounts, headroom: QuotaCounts): Promise<QuotaVerdict>;
  chargeFailedLookups(n: number, refund: QuotaCounts): Promise<QuotaVerdict>;
  // Web Push (docs/push.md)
  pushSubscribe(sub: SubscriptionInput): Promise<Result<PushSubscriptionView>>;
  pushSubscriptions(): Promise<PushSubscriptionView[]>;
  pushUnsubscribe(ref: { subscription_id?: number; endpoint?: string }): Promise<Result<null>>;
  /** the push service answered 404/410: drop the subscription (false: already gone or replaced) */
  pushSubscriptionGone(subscriptionId: number, endpoint: string): Promise<boolean>;
  pushSettings(): Promise<PushSettingsView>;
  setPushSettings(p: { mode?: PushMode; channel_id?: number; muted?: boolean }): Promise<Result<PushSettingsView>>;
  /** pushes gathered and not yet sent (tests) */
  pendingPushes(): Promise<number>;
}
