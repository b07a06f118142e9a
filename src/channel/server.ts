import { BOT_SERVER_POST, BOT_USER, MESSAGE_TYPE_BOT, ROLE_OWNER } from "../protocol/objects";
import type { MemberRow } from "../storage/channelStore";

export type { ServerLogPage } from "../contracts/channelRoom";

/**
 * Who a server API key acts as inside a channel: the bot user, with an owner's rights (so it may
 * delete any message), never stored as a member.
 */
export const SERVER_MEMBER: MemberRow = {
  user_id: BOT_USER.id,
  email: "",
  display_name: BOT_USER.display_name,
  has_avatar: 0,
  last_active_on: 0,
  user_role: ROLE_OWNER,
  online: 0,
  joined_on: 0,
  joined_seq: 0,
};

/** The seed's bot message shape (type 5, `content: {type, bot_message}`) under the bot's own name. */
export function serverBotMessage(botName: string, text: string, now: number) {
  return {
    user_id: BOT_USER.id,
    display_name: botName,
    message_type: MESSAGE_TYPE_BOT,
    content: { type: BOT_SERVER_POST, bot_message: text },
    parent_id: null,
    created_on: now,
  };
}

