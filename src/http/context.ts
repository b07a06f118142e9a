import type { Config } from "../config";
import type { Env } from "../env";
import type { KeyObject } from "../server/keys";

/** Hono environment of the worker: bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  /**
   * the limits and timings of this deployment (set by requestConfig on every request); the caller
   * and the session their bearer token belongs to (set by requireUser); the server key (set by requireServerKey)
   */
  Variables: { config: Config; userId: number; sessionId: number; serverKey: KeyObject };
}
