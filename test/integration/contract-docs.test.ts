import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { routes } from "../../src/http/catalog";
import { commandSchemas } from "../../src/protocol/commands";
import { eventPayloads } from "../../src/protocol/wire";
import { WEBHOOK_EVENTS } from "../../src/webhooks/events";
import { api, BASE } from "../helpers/workerd";
import { SELF } from "cloudflare:test";

const DOC_ROUTES = new Set(["/api/v1/openapi.json", "/api/v1/asyncapi.json"]);

function appApiRoutes(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of createApp().routes) {
    if (!r.path.startsWith("/api/v1/") || r.path.includes("*") || DOC_ROUTES.has(r.path)) continue;
    const methods = out.get(r.path) ?? new Set<string>();
    methods.add(r.method);
    out.set(r.path, methods);
  }
  return out;
}

describe("OpenAPI document", () => {
  it("is served and lists exactly the app's routes with their methods", async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    const app = appApiRoutes();
    expect(new Set(Object.keys(doc.paths))).toEqual(new Set(app.keys()));
    for (const [path, methods] of app) {
      const documented = new Set(Object.keys(doc.paths[path]!).map((m) => m.toUpperCase()));
      // GET is documented on every route: on a write route its one answer is 405
      expect(documented).toEqual(new Set(["GET", "POST"]));
      expect(methods.has("POST") && methods.has("GET")).toBe(true);
    }
  });

  it("documents every catalog route with a request and a response schema", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/api/v1/openapi.json`)).json()) as any;
    for (const r of routes) {
      const op = doc.paths[`/api/v1/${r.name}`].post;
      expect(op.responses["200"].content["application/json"].schema.$ref).toMatch(/_response$/);
      expect(op.requestBody.content["application/json"].schema.$ref).toMatch(/_params$/);
    }
    expect(doc.components.schemas.User.properties.online_status).toEqual({ type: "boolean" });
  });

  it("documents the server routes' key and scope, and every webhook event's delivery (the 3.1 webhooks section)", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/api/v1/openapi.json`)).json()) as any;
    expect(doc.components.securitySchemes.serverKey).toMatchObject({ type: "http", scheme: "bearer" });
    const post = doc.paths["/api/v1/server.chat.postmessage"].post;
    expect(post.security).toEqual([{ serverKey: ["publish"] }]);
    expect(doc.paths["/api/v1/server.user.disconnect"].post.security).toEqual([{ serverKey: ["moderate"] }]);
    expect(doc.paths["/api/v1/server.webhooks.create"].post.security).toEqual([{ operator: [] }]);
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENTS].sort());
    const hook = doc.webhooks["chat.postMessage"].post;
    expect(hook.parameters.map((p: any) => p.name)).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    const schema = doc.components.schemas[hook.requestBody.content["application/json"].schema.$ref.split("/").pop()];
    expect(Object.keys(schema.properties).sort()).toEqual(["channel_id", "event", "id", "payload", "seq", "time", "truncated"]);
    expect(schema.properties.payload.anyOf[0].properties.message.$ref).toBe("#/components/schemas/Message");
  });

  it("documents 422's field repetition, every error status, and 405 only on GET of a write route", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/api/v1/openapi.json`)).json()) as any;
    const op = doc.paths["/api/v1/chat.postmessage"].post;
    for (const s of ["400", "401", "404", "413", "415", "422", "429", "500"]) expect(op.responses[s]).toBeDefined();
    for (const r of routes) {
      const path = doc.paths[`/api/v1/${r.name}`];
      expect(path.post.responses["405"], r.name).toBeUndefined();
      // A read route without a token (push.vapidkey) never answers 401.
      const read = r.auth === "none" ? ["200"] : ["200", "401"];
      expect(Object.keys(path.get.responses), r.name).toEqual(r.kind === "write" ? ["405"] : expect.arrayContaining(read));
      if (r.auth === "none" && r.kind === "read") expect(Object.keys(path.get.responses), r.name).not.toContain("401");
    }
    const r = await api.call("user.create", { email: "nope" });
    expect(r.status).toBe(422);
    expect(typeof r.body.email).toBe("string");
  });
});

describe("AsyncAPI document", () => {
  it("is served and has every command, every event, replies and close codes", async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/asyncapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.asyncapi).toBe("3.1.0");
    const names = new Set(Object.values(doc.components.messages).map((m: any) => m.name));
    for (const c of Object.keys(commandSchemas)) expect(names).toContain(c);
    for (const e of Object.keys(eventPayloads)) expect(names).toContain(e);
    expect(names).toContain("success");
    expect(names).toContain("error");
    expect(Object.keys(doc.channels.channelSocket["x-close-codes"]).sort()).toEqual(
      ["1008", "1009", "4001", "4003", "4004", "4008", "4009", "4010", "4029"].sort(),
    );
    expect(doc.channels.userStream.address).toBe("/rtm/ws/user/{user_id}");
  });
});

describe("examples", () => {
  it("the documents carry the seeds' shapes as examples, and each example validates against its schema", async () => {
    const { MessageObject, ChannelObject, UserObject, LockObject, ActionObject, AlertObject } = await import("../../src/protocol/wire");
    const doc = (await (await SELF.fetch(`${BASE}/api/v1/openapi.json`)).json()) as any;
    for (const [id, schema] of Object.entries({ Message: MessageObject, Channel: ChannelObject, User: UserObject, Lock: LockObject, Action: ActionObject, Alert: AlertObject })) {
      const examples = doc.components.schemas[id].examples as unknown[];
      expect(examples.length, id).toBeGreaterThan(0);
      for (const ex of examples) expect(schema.safeParse(ex).success, `${id} example`).toBe(true);
    }
    expect(doc.components.schemas.Message.examples[1].content.bot_message).toContain("has added");
  });
});
