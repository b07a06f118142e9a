import type { Env } from "../env";

/** Hono environment of the worker: bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  /** the caller and the session their bearer token belongs to (set by requireUser) */
  Variables: { userId: number; sessionId: number };
}
