import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import type { AppEnv } from "./context";

/** `c.get("config")`: the vars read once, here, so that no middleware or handler parses them again. */
export const requestConfig = createMiddleware<AppEnv>(async (c, next) => {
  c.set("config", loadConfig(c.env));
  await next();
});
