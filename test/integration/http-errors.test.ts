import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { routes } from "../../src/http/catalog";
import { rawPost, request } from "../helpers/requests";
import { BASE, api } from "../helpers/workerd";

/** Every HTTP route, from the catalog the OpenAPI document is generated from. */
const ROUTES = routes.map((r) => ({ method: r.name, auth: r.auth, scope: r.scope, mutating: r.kind === "write" }));
const OPERATOR_TOKEN = "test-operator-token";

const envelope = (code: string) => ({ meta: { ok: false, error: expect.any(String), code } });

/**
 * The documented order of checks (docs/protocol.md, "Order of checks"): the credential first (401;
 * a server key without the route's scope 403), then the body (400/413/415). So each route is asked
 * with the credential its document names, a server route with a key holding its scope, and the
 * body checks are reached.
 */
describe("the error envelope on every route", async () => {
  const alice = await api.newUser("Alice");
  const channel = await api.newChannel(alice.token, [], "errors");
  const historyOf = async () => (await api.ok("channel.history", { channel_id: channel.id }, alice.token)).messages;
  const scopes = [...new Set(routes.flatMap((r) => (r.scope ? [r.scope] : [])))];
  const keys = Object.fromEntries(
    await Promise.all(scopes.map(async (scope) => [scope, (await api.ok("server.keys.create", { name: `errors-${scope}`, scopes: [scope] }, OPERATOR_TOKEN)).secret])),
  ) as Record<string, string>;

  for (const route of ROUTES) {
    const token =
      route.auth === "bearer" ? alice.token : route.auth === "operator" ? OPERATOR_TOKEN : route.auth === "server" ? keys[route.scope!] : undefined;
    describe(route.method, () => {
      it("400 for a malformed JSON body", async () => {
        const r = await rawPost(route.method, '{"channel_id": 1,', "application/json", token);
        expect(r.status).toBe(400);
        expect(r.body).toEqual(envelope("malformed_body"));
      });
      it("400 for a JSON body that is not an object", async () => {
        for (const body of ["[1,2]", "42", "null", '"text"']) {
          const r = await rawPost(route.method, body, "application/json", token);
          expect(r.status, body).toBe(400);
          expect(r.body, body).toEqual(envelope("malformed_body"));
        }
      });
      it("415 for an unsupported content type", async () => {
        const r = await rawPost(route.method, "channel_id=1", "text/plain", token);
        expect(r.status).toBe(415);
        expect(r.body).toEqual(envelope("unsupported_media_type"));
      });
      it("413 for a body over 256 KiB", async () => {
        const r = await rawPost(route.method, JSON.stringify({ text: "x".repeat(300 * 1024) }), "application/json", token);
        expect(r.status).toBe(413);
        expect(r.body).toEqual(envelope("body_too_large"));
      });
      if (route.auth !== "none") {
        it("401 without a bearer token, before the body is read", async () => {
          const r = await rawPost(route.method, "{not json", "application/json");
          expect(r.status).toBe(401);
          expect(r.body).toEqual(envelope(route.auth === "operator" ? "operator_only" : "unauthorized"));
        });
        it("401 for a credential of another kind, before the body is read", async () => {
          // A user's token is no server key, and a server key is no user's token or operator token.
          const other = route.auth === "bearer" ? keys.read : alice.token;
          const r = await rawPost(route.method, "{not json", "application/json", other);
          expect(r.status).toBe(401);
          expect(r.body).toEqual(envelope(route.auth === "operator" ? "operator_only" : route.auth === "server" ? "invalid_key" : "invalid_token"));
        });
      }
      if (route.auth === "server") {
        it("403 for a key without the route's scope, before the body is read", async () => {
          const other = scopes.find((s) => s !== route.scope)!;
          const r = await rawPost(route.method, "{not json", "application/json", keys[other]);
          expect(r.status).toBe(403);
          expect(r.body).toEqual(envelope("missing_scope"));
        });
      }
      if (route.mutating) {
        it("405 for GET (and PUT/DELETE), with Allow: POST", async () => {
          for (const method of ["GET", "PUT", "DELETE"]) {
            const r = await request(`/api/v1/${route.method}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
            expect(r.status, method).toBe(405);
            expect(r.body, method).toEqual(envelope("method_not_allowed"));
            expect(r.headers.get("allow")).toBe("POST");
          }
        });
      } else {
        it("GET is accepted", async () => {
          const r = await request(`/api/v1/${route.method}`, { headers: { authorization: `Bearer ${token}` } });
          expect([200, 422]).toContain(r.status); // 422 where a channel_id is required
          expect(r.status === 200 ? r.body.meta : r.body.meta.code).toEqual(r.status === 200 ? { ok: true } : "invalid_params");
        });
      }
      it("error responses carry the CORS header too (browsers can read the envelope)", async () => {
        const r = await rawPost(route.method, "{", "application/json", token);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.headers.get("access-control-allow-origin")).toBe("*");
      });
      it("CORS is open, and the preflight advertises only the methods the API answers", async () => {
        const res = await SELF.fetch(`${BASE}/api/v1/${route.method}`, {
          method: "OPTIONS",
          headers: { origin: "https://app.example", "access-control-request-method": "POST" },
        });
        expect(res.status).toBeLessThan(300);
        expect(res.headers.get("access-control-allow-origin")).toBe("*");
        expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST");
      });
    });
  }

  it("nothing was stored by any of the bad requests above", async () => {
    expect(await historyOf()).toEqual([]);
    expect((await api.ok("channel.list", {}, alice.token)).channels.map((c: any) => c.id)).toEqual([channel.id]);
  });
});

describe("unknown routes and socket URLs", () => {
  for (const path of ["/api/v1/nope.nope", "/api/v1/", "/", "/api/v2/user.info", "/rtm/ws/room/1"]) {
    it(`404 with the envelope: ${path}`, async () => {
      const r = await request(path, { method: "POST" });
      expect(r.status).toBe(404);
      expect(r.body).toEqual(envelope("not_found"));
    });
  }

  for (const id of ["abc", "0", "-1", "1.5", "1e3", "99999999999999999999"]) {
    it(`400 before any upgrade for a socket id ${JSON.stringify(id)}`, async () => {
      const res = await SELF.fetch(`${BASE}/rtm/ws/channel/${id}`, { headers: { Upgrade: "websocket" } });
      expect(res.status).toBe(400);
      expect(res.webSocket).toBeNull();
      expect(await res.json()).toEqual(envelope("invalid_id"));
      const user = await SELF.fetch(`${BASE}/rtm/ws/user/${id}`, { headers: { Upgrade: "websocket" } });
      expect(user.status).toBe(400);
    });
  }

  it("426 for a socket URL without an upgrade", async () => {
    const r = await request("/rtm/ws/channel/11010000");
    expect(r.status).toBe(426);
    expect(r.body).toEqual(envelope("upgrade_required"));
  });
});
