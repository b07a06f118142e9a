import type { Env } from "../env";
import type { KeyObject } from "../server/keys";

/** Hono environment of the worker: bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: { userId: number; serverKey: KeyObject };
}
