/**
 * The realtime client (browsers and Node ≥ 22). Everything exported here is the package's public
 * surface (api-report.md); test/unit/client-surface.test.ts fails when it changes without the report.
 */
export { RealtimeClient, type ClientOptions } from "./client.js";
export { RequestError } from "./requests.js";
export { RtmSocket, type ConnectionState, type Resync, type Status } from "./socket.js";
export { ApiCallError, HttpApi, type Fetch } from "./http.js";
export type { BackoffOptions } from "./backoff.js";
export { CloseCode } from "./protocol.js";
export type {
  ActionObject,
  AlertObject,
  ChannelObject,
  CommandName,
  CommandParamsMap,
  Emoticon,
  ErrorReply,
  EventMeta,
  EventName,
  EventPayloads,
  FilterSpec,
  LockObject,
  MemberObject,
  MessageObject,
  ParentMessage,
  SuccessReply,
  UserObject,
} from "./protocol.js";
export type { AppCommand, CommandParams, RtmEvent, ServerEvent } from "./types.js";
