import type { RouteHandlers } from "../routeHandler";
import { actionHandlers } from "./actions";
import { alertHandlers } from "./alerts";
import { channelHandlers } from "./channels";
import { chatHandlers } from "./chat";
import { lockHandlers } from "./locks";
import { messageHandlers } from "./messages";
import { profileHandlers } from "./profile";
import { pushHandlers } from "./push";
import { rtmHandlers } from "./rtm";
import { serverHandlers } from "./server";
import { sessionHandlers } from "./sessions";
import { settingsHandlers } from "./settings";
import { systemHandlers } from "./system";
import { userHandlers } from "./users";
import { webhookHandlers } from "./webhooks";

/** The handler of every catalog route, by name (register.ts mounts them); the type requires all of them. */
export const apiHandlers: RouteHandlers = {
  ...userHandlers,
  ...sessionHandlers,
  ...profileHandlers,
  ...settingsHandlers,
  ...rtmHandlers,
  ...channelHandlers,
  ...chatHandlers,
  ...messageHandlers,
  ...alertHandlers,
  ...actionHandlers,
  ...lockHandlers,
  ...systemHandlers,
  ...serverHandlers,
  ...webhookHandlers,
  ...pushHandlers,
};
