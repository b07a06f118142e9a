import type { Env } from "../env";
import type { KeyObject } from "../server/keys";

/** Hono environment of the worker: bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  /** the caller and the session their bearer token belongs to (set by requireUser); the server key (set by requireServerKey) */
  Variables: { userId: number; sessionId: number; serverKey: KeyObject };
}
