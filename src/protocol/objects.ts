/**
 * Wire shapes shared by HTTP responses and websocket events (the seed's objects). Times travel
 * twice, as AirSend does: "YYYY-MM-DD HH:MM:SS" UTC and unix seconds (`*_ts`).
 */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export interface UserProfile {
  id: number;
  email: string;
  display_name: string;
  has_avatar: boolean;
  last_active_on: number; // ms
}

export interface UserObject {
  id: number;
  email: string;
  display_name: string;
  has_avatar: boolean;
  online_status: boolean;
  last_active_on: string;
  last_active_on_ts: number;
}

export function userObject(p: UserProfile, online: boolean): UserObject {
  return {
    id: p.id,
    email: p.email,
    display_name: p.display_name,
    has_avatar: p.has_avatar,
    online_status: online,
    last_active_on: formatTime(p.last_active_on),
    last_active_on_ts: unixSeconds(p.last_active_on),
  };
}

export const ROLE_OWNER = 100;
export const ROLE_MEMBER = 20;

/** The system author of bot messages (message_type 5); outside the range of real user ids. */
export const BOT_USER = { id: 91000001, display_name: "AirBot" } as const;

/**
 * Who a deleted account's messages and reactions show as: the same `user_id` (ids are never
 * reused) under this name, as Slack and Matrix keep a departed user's history.
 */
export const DELETED_USER_NAME = "Deleted user";

export const MESSAGE_TYPE_TEXT = 1;
export const MESSAGE_TYPE_BOT = 5;
export const BOT_USER_ADDED = 2;
/** A bot message posted through the server API (`server.chat.postmessage`). */
export const BOT_SERVER_POST = 3;
