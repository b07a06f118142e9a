import { type Context, Hono } from "hono";
import { DEMO_FILES, type DemoFile } from "../../generated/demo";
import type { AppEnv } from "../context";

/**
 * The demo web app (docs/client.md), built by `npm run build:demo` into the worker itself rather
 * than served as static assets (see demo/build.ts for why). Revalidated on every load (`no-cache`
 * with an ETag), so a rebuilt demo is picked up at once and an unchanged one costs a 304.
 */
export function demoRoutes() {
  const app = new Hono<AppEnv>();
  const serve = (file: DemoFile) => (c: Context<AppEnv>) => {
    const headers = {
      "content-type": file.type,
      etag: file.etag,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    };
    const match = c.req.header("if-none-match");
    if (match && match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(file.body, { headers });
  };
  for (const [path, file] of Object.entries(DEMO_FILES)) app.get(path, serve(file));
  app.get("/", serve(DEMO_FILES["/index.html"]!));
  return app;
}
