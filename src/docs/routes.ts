import { Hono } from "hono";
import { asyncApiDocument } from "./asyncapi";
import { openApiDocument } from "./openapi";
import { VERSION } from "../version";
import type { AppEnv } from "../http/context";

/** The machine-readable contract, generated from the code's schemas. */
export function docRoutes() {
  const app = new Hono<AppEnv>();
  let openapi: unknown;
  let asyncapi: unknown;
  app.get("/api/v1/openapi.json", (c) => c.json((openapi ??= openApiDocument(VERSION))));
  app.get("/api/v1/asyncapi.json", (c) => c.json((asyncapi ??= asyncApiDocument(VERSION))));
  return app;
}
