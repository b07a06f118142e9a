import { z } from "zod";
import { ErrorEnvelope, routes } from "../http/catalog";
import * as wire from "../protocol/wire";
import { WEBHOOK_EVENTS, deliverySchema } from "../webhooks/events";

/**
 * OpenAPI 3.1 for the HTTP API, generated from the route catalog's zod schemas (the ones the
 * handlers validate with), so the document cannot drift from the code.
 */
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const uri = (id: string) => `#/components/schemas/${id}`;

function stripIds(schemas: Record<string, Record<string, unknown>>) {
  for (const s of Object.values(schemas)) {
    delete s.$id;
    delete s.$schema;
  }
  return schemas;
}

const ERROR_STATUSES: Record<string, string> = {
  "400": "Malformed body",
  "401": "No, invalid or expired token; wrong credentials",
  "403": "Not allowed (not a member, not the owner or author; an invitee refusing invitations from the caller)",
  "404": "No such route or object",
  "405": "Method not allowed (mutating routes are POST only)",
  "409": "Conflict",
  "413": "Too large",
  "415": "Unsupported content type",
  "422": "Invalid parameters (each failing field repeated as a top-level key)",
  "429": "Rate limited or a per-user quota met (Retry-After)",
  "500": "Internal error",
};

export function openApiDocument(version: string) {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(wire)) {
    if (schema instanceof z.ZodType && typeof (schema.meta() as { id?: string } | undefined)?.id === "string") {
      registry.add(schema, { id: (schema.meta() as { id: string }).id });
      void name;
    }
  }
  registry.add(ErrorEnvelope, { id: "Error" });
  for (const name of WEBHOOK_EVENTS) registry.add(deliverySchema(name), { id: webhookSchemaId(name) });
  const ids = new Map<object, string>();
  for (const r of routes) {
    const base = r.name.replace(/\./g, "_");
    registry.add(r.params, { id: `${base}_params` });
    registry.add(r.response, { id: `${base}_response` });
    ids.set(r.params, `${base}_params`);
    ids.set(r.response, `${base}_response`);
  }
  const schemas = stripIds(
    z.toJSONSchema(registry, { uri, io: "input", unrepresentable: "any" }).schemas as Record<string, Record<string, unknown>>,
  );
  // Responses are what the server emits: describe their output side.
  const outputs = stripIds(
    z.toJSONSchema(registry, { uri, io: "output", unrepresentable: "any" }).schemas as Record<string, Record<string, unknown>>,
  );
  for (const r of routes) schemas[ids.get(r.response)!] = outputs[ids.get(r.response)!]!;

  const paths: Record<string, unknown> = {};
  for (const r of routes) {
    const params = ref(ids.get(r.params)!);
    const errors = Object.fromEntries(
      Object.entries(ERROR_STATUSES).map(([status, description]) => [
        status,
        { description, content: { "application/json": { schema: ref("Error") } } },
      ]),
    );
    const op = (method: "get" | "post") => ({
      operationId: method === "post" ? r.name : `${r.name}.get`,
      summary: r.summary,
      ...(r.auth === "none" ? {} : { security: [{ [r.auth === "server" ? "serverKey" : r.auth]: r.scope ? [r.scope] : [] }] }),
      ...(r.scope ? { "x-scope": r.scope } : {}),
      ...(method === "post"
        ? {
            requestBody: {
              required: false,
              content: {
                "application/json": { schema: params },
                "application/x-www-form-urlencoded": { schema: params },
                "multipart/form-data": { schema: params },
              },
            },
          }
        : {
            parameters: [
              { name: "params", in: "query", style: "form", explode: true, schema: params, description: "the same fields as the body" },
            ],
          }),
      responses: { "200": { description: "ok", content: { "application/json": { schema: ref(ids.get(r.response)!) } } }, ...errors },
    });
    paths[`/api/v1/${r.name}`] = r.kind === "read" ? { get: op("get"), post: op("post") } : { post: op("post") };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "edge-realtime HTTP API",
      version,
      description:
        "AirSend-style HTTP API of the edge realtime service. Parameters may be sent as JSON, form body, or query string (GET on read routes). The websocket protocol is described by /api/v1/asyncapi.json.",
    },
    servers: [{ url: "/" }],
    paths,
    webhooks: webhooks(),
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "token from user.login" },
        operator: { type: "http", scheme: "bearer", description: "the OPERATOR_TOKEN secret" },
        serverKey: {
          type: "http",
          scheme: "bearer",
          description:
            "a server API key (srk_…) from server.keys.create; each server.* route names the scope it needs (x-scope). A revoked key is refused within SERVER_KEY_CACHE_MS (5 s).",
        },
      },
    },
  };
}

const webhookSchemaId = (name: string) => `webhook_${name.replace(/\./g, "_")}`;

const SIGNATURE_HEADERS = [
  { name: "webhook-id", description: "the delivery id (also in the body); the same on retries and replays" },
  { name: "webhook-timestamp", description: "unix seconds when this attempt was signed; reject anything older than 5 minutes" },
  {
    name: "webhook-signature",
    description: "`v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the base64-decoded part of the endpoint's whsec_ secret (Standard Webhooks)",
  },
].map((h) => ({ ...h, in: "header", required: true, schema: { type: "string" } }));

/** OpenAPI 3.1 `webhooks`: what a registered endpoint receives, one entry per event name. */
function webhooks() {
  return Object.fromEntries(
    WEBHOOK_EVENTS.map((name) => [
      name,
      {
        post: {
          operationId: `webhook.${name}`,
          summary: `${name}: the websocket event's payload, with the delivery's id, channel_id and (on durable channel events) seq`,
          parameters: SIGNATURE_HEADERS,
          requestBody: { required: true, content: { "application/json": { schema: ref(webhookSchemaId(name)) } } },
          responses: {
            "2XX": { description: "delivered; anything else (or no answer within 10 s) is retried with exponential backoff" },
          },
        },
      },
    ]),
  );
}
