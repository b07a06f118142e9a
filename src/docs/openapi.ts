import { PushSettingsObject, PushSubscriptionObject } from "../http/pushSchemas";
import { z } from "zod";
import { DEFAULTS } from "../config";
import { ErrorEnvelope, type RouteSpec, Settings, routes } from "../http/catalog";
import { KeyObject } from "../server/keys";
import { EndpointObject } from "../webhooks/endpoints";
import { BODY_LIMIT_BYTES } from "../http/params";
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
  "400": "Malformed body (not JSON, not an object, broken multipart)",
  "401": "No, invalid or expired token; its session ended; wrong credentials",
  "403": "Not allowed (not a member, not the owner or author; an invitee refusing invitations from the caller)",
  "404": "No such route or object; every route of a removed channel",
  "409": "Conflict",
  "413": `Too large: a body over ${BODY_LIMIT_BYTES / 1024} KiB, or text over the text limit (default ${DEFAULTS.textLimitBytes / 1024} KiB of UTF-8)`,
  "415": "Unsupported content type (JSON, urlencoded and multipart are read)",
  "422":
    "Invalid parameters (each failing field repeated as a top-level key); code unknown_user, unknown_message or unknown_seq: a parameter names a user, message or event that does not exist; not_subscribed: a webhook endpoint that does not follow the channel; invalid_url: a webhook URL the service does not deliver to; invalid_subscription: a push endpoint the service does not deliver to, or a key that is not a P-256 point",
  "429": "Rate limited or a per-user quota met (Retry-After)",
  "500": "Internal error",
};
/** A GET carries no body, so the body statuses cannot happen there. */
const BODY_STATUSES = new Set(["400", "413", "415"]);

const errorResponses = (statuses: string[]) =>
  Object.fromEntries(
    statuses.map((status) => [status, { description: ERROR_STATUSES[status]!, content: { "application/json": { schema: ref("Error") } } }]),
  );

/** The route's success body filled with the wire objects' own examples (the seeds' shapes). */
function responseExample(r: RouteSpec): Record<string, unknown> {
  const body: Record<string, unknown> = { meta: { ok: true } };
  for (const [key, field] of Object.entries(r.response.shape)) {
    if (key === "meta") continue;
    const sample = exampleOf(field as z.ZodType);
    if (sample !== undefined) body[key] = sample;
  }
  return { ...body, ...(r.exampleResponse ?? {}) };
}

function exampleOf(schema: z.ZodType): unknown {
  const examples = (schema.meta() as { examples?: unknown[] } | undefined)?.examples;
  if (examples?.length) return examples[0];
  if (schema instanceof z.ZodArray) {
    const item = exampleOf(schema.element as z.ZodType);
    return item === undefined ? [] : [item];
  }
  return undefined;
}

export function openApiDocument(version: string) {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(wire)) {
    if (schema instanceof z.ZodType && typeof (schema.meta() as { id?: string } | undefined)?.id === "string") {
      registry.add(schema, { id: (schema.meta() as { id: string }).id });
      void name;
    }
  }
  registry.add(ErrorEnvelope, { id: "Error" });
  // Named objects outside the wire protocol: components of their own, not inline $defs.
  for (const schema of [Settings, KeyObject, EndpointObject, PushSubscriptionObject, PushSettingsObject]) registry.add(schema, { id: (schema.meta() as { id: string }).id });
  for (const name of WEBHOOK_EVENTS) registry.add(deliverySchema(name), { id: webhookSchemaId(name) });
  const ids = new Map<object, string>();
  for (const r of routes) {
    const base = r.name.replace(/\./g, "_");
    // Routes sharing a parameter schema share its component (named for the first of them).
    for (const [schema, id] of [
      [r.params, `${base}_params`],
      [r.response, `${base}_response`],
    ] as const) {
      if (ids.has(schema)) continue;
      registry.add(schema, { id });
      ids.set(schema, id);
    }
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
    const security = r.auth === "none" ? [] : [{ [r.auth === "server" ? "serverKey" : r.auth]: r.scope ? [r.scope] : [] }];
    const ok = { description: "ok", content: { "application/json": { schema: ref(ids.get(r.response)!), example: responseExample(r) } } };
    const statuses = Object.keys(ERROR_STATUSES).filter((s) => s !== "401" || r.auth !== "none" || r.name === "user.login");
    const post = {
      operationId: r.name,
      summary: r.summary,
      security,
      ...(r.scope ? { "x-scope": r.scope } : {}),
      requestBody: {
        // Required exactly when the route has a required parameter.
        required: !r.params.safeParse({}).success,
        content: {
          "application/json": { schema: params, example: r.example },
          "application/x-www-form-urlencoded": { schema: params },
          "multipart/form-data": { schema: params },
        },
      },
      responses: { "200": ok, ...errorResponses(statuses) },
    };
    const get =
      r.kind === "read"
        ? {
            operationId: `${r.name}.get`,
            summary: r.summary,
            security,
            parameters: [
              { name: "params", in: "query", style: "form", explode: true, schema: params, description: "the same fields as the body", example: r.example },
            ],
            responses: { "200": ok, ...errorResponses(statuses.filter((s) => !BODY_STATUSES.has(s))) },
          }
        : {
            operationId: `${r.name}.get`,
            summary: `Not allowed: ${r.name} changes state, so it accepts POST only`,
            security: [],
            responses: {
              "405": {
                description: "Method not allowed (Allow: POST)",
                headers: { Allow: { schema: { type: "string", const: "POST" } } },
                content: { "application/json": { schema: ref("Error") } },
              },
            },
          };
    paths[`/api/v1/${r.name}`] = { get, post };
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
          // Deliveries carry no credential of ours: the receiver checks the signature headers.
          security: [],
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
