import type { Env as AppEnv } from "../src/env";

// `env` from cloudflare:test is the worker's Env.
declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {}
  }
}
