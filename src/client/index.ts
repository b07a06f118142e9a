/** The realtime client library (browsers and Node ≥ 22). See docs/client.md. */
export { RealtimeClient, type ClientOptions } from "./client";
export { RequestError } from "./requests";
export { RtmSocket, type ConnectionState, type Resync, type Status, type TokenSource } from "./socket";
export { ApiCallError, HttpApi } from "./http";
export { backoffCeiling, backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
export { closeAction, type CloseAction } from "./closePolicy";
export { tokenExpiry } from "./token";
export type * from "./wire";
