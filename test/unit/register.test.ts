/**
 * The router is built from the catalog (src/http/register.ts): each route gets its methods, its
 * checks in their documented order and its own schema's output, and the handler map's type
 * leaves no route without a handler. Stub handlers stand in for the real ones (which need rooms).
 */
import { Hono } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { type RouteName, routes } from "../../src/http/catalog";
import type { AppEnv } from "../../src/http/context";
import { ApiError, errorResponse } from "../../src/http/errors";
import { registerRoutes } from "../../src/http/register";
import { requestConfig } from "../../src/http/requestConfig";
import type { RouteHandlers } from "../../src/http/routeHandler";
import type { ChatPost, UserCreate } from "../../src/http/schemas";

function stubbedApp() {
  const calls: { name: RouteName; params: unknown; config: unknown }[] = [];
  const handlers = Object.fromEntries(
    routes.map((r) => [r.name, (c: any, params: unknown) => (calls.push({ name: r.name, params, config: c.var.config }), c.json({ route: r.name }))]),
  ) as unknown as RouteHandlers;
  const app = new Hono<AppEnv>();
  app.use(requestConfig);
  registerRoutes(app, handlers);
  app.onError((err, c) => (err instanceof ApiError ? errorResponse(c, err) : c.text(String(err), 500)));
  const request = (name: string, init?: RequestInit) => app.request(`/api/v1/${name}`, init, {});
  return { app, calls, request };
}

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("registerRoutes", () => {
  it("mounts every catalog route: read routes on GET and POST, write routes on POST with GET, PUT, PATCH, DELETE refused", () => {
    const { app } = stubbedApp();
    const mounted = new Map<string, Set<string>>();
    for (const r of app.routes) {
      if (r.path.includes("*")) continue;
      const methods = mounted.get(r.path) ?? new Set<string>();
      mounted.set(r.path, methods.add(r.method));
    }
    expect(new Set(mounted.keys())).toEqual(new Set(routes.map((r) => `/api/v1/${r.name}`)));
    for (const r of routes) {
      const expected = r.kind === "read" ? ["GET", "POST"] : ["DELETE", "GET", "PATCH", "POST", "PUT"];
      expect([...mounted.get(`/api/v1/${r.name}`)!].sort(), r.name).toEqual(expected);
    }
  });

  it("hands a handler its parameters as its route's schema outputs them, and the config of the request", async () => {
    const { calls, request } = stubbedApp();
    const res = await request("user.create", json({ email: "Test1@Test.com", password: "password1", name: "Test 1", extra: 1 }));
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe("user.create");
    expect(calls[0]!.params).toEqual(routes.find((r) => r.name === "user.create")!.params.parse({ email: "Test1@Test.com", password: "password1", name: "Test 1" }));
    expect(calls[0]!.config).toMatchObject({ textLimitBytes: 16 * 1024 });
  });

  it("a route without parameters gets none, whatever it is sent, but its body is still read (400)", async () => {
    const { calls, request } = stubbedApp();
    // A lone surrogate is 422 on a route with parameters; one without never looks.
    expect((await request("user.create", json({ email: "a@b.co", password: "password1", name: "\ud800" }))).status).toBe(422);
    expect((await request("push.vapidkey", json({ x: "\ud800" }))).status).toBe(200);
    expect(calls.map((c) => c.params)).toEqual([{}]);
    const bad = await request("push.vapidkey", { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    expect(calls).toHaveLength(1);
  });

  it("answers 405 with Allow: POST to GET on a write route before its credential, 401 before the body, 422 before the handler", async () => {
    const { calls, request } = stubbedApp();
    const get = await request("chat.postmessage");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const noToken = await request("chat.postmessage", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    expect(noToken.status).toBe(401);
    expect((await request("server.keys.list")).status).toBe(401);
    expect((await request("server.channel.info")).status).toBe(401);
    const invalid = await request("user.create", json({ email: "nope" }));
    expect(invalid.status).toBe(422);
    expect(calls).toEqual([]);
  });

  it("types each handler's parameters as its route's schema output, and requires every route", () => {
    expectTypeOf<Parameters<RouteHandlers["chat.postmessage"]>[1]>().toEqualTypeOf<z.output<typeof ChatPost>>();
    expectTypeOf<Parameters<RouteHandlers["user.create"]>[1]>().toEqualTypeOf<z.output<typeof UserCreate>>();
    expectTypeOf<Omit<RouteHandlers, "user.info"> extends RouteHandlers ? true : false>().toEqualTypeOf<false>();
  });
});
