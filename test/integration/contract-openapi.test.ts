import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routes } from "../../src/http/catalog";
import { type Schema, SchemaDocument } from "../helpers/schemaArbitrary";
import type { TestUser } from "../helpers/api";
import { BASE, api } from "../helpers/workerd";

/**
 * The served OpenAPI document and the server keep each other honest. For every operation,
 * requests are generated from the document: the valid ones (as the document defines valid) are
 * never refused with 400 or 422, the invalid ones (one field broken at a time) get a 4xx, and
 * every answer's status is documented for the operation and its body matches the documented schema.
 */
const OPERATOR_TOKEN = "test-operator-token";
const RUNS = 10;
/** 422s that name an object that does not exist: a schema cannot know that (the document's 422 says so). */
const REFERENCE_CODES = ["unknown_user", "unknown_message"];

let served: Promise<any> | undefined;
const openapi = () => (served ??= SELF.fetch(`${BASE}/api/v1/openapi.json`).then((r) => r.json()));

type Users = { alice: TestUser; bob: TestUser; carol: TestUser; alertIds: number[] };
let shared: Promise<Users> | undefined;

/** Alice, Bob and Carol, and an alert of Alice's (Bob mentions her). Made once for the file. */
const users = () =>
  (shared ??= (async () => {
    const [alice, bob, carol] = [await api.newUser("Alice"), await api.newUser("Bob"), await api.newUser("Carol")];
    const channel = await api.newChannel(alice.token, [bob.user.id], "alerts");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: `hi @${alice.user.id}` }, bob.token);
    let alerts: { alert_id: number }[] = [];
    for (let i = 0; i < 50 && alerts.length === 0; i++) alerts = (await api.ok("user.alerts", {}, alice.token)).alerts;
    return { alice, bob, carol, alertIds: alerts.map((a) => a.alert_id) };
  })());

/**
 * A channel Alice owns with Bob in it, a message of each, and Alice's lock; the arbitraries name
 * these real objects for the id fields (and sometimes draw any id, from the schema).
 */
async function fixture() {
  const { alice, bob, carol, alertIds } = await users();
  const channel = await api.newChannel(alice.token, [bob.user.id], "contract");
  const mine = (await api.ok("chat.postmessage", { channel_id: channel.id, text: "mine" }, alice.token)).message;
  const theirs = (await api.ok("chat.postmessage", { channel_id: channel.id, text: "theirs" }, bob.token)).message;
  const lock = (await api.ok("lock.acquire", { channel_id: channel.id, path: "/a.txt" }, alice.token)).lock;
  // A push subscription needs a real P-256 point: a schema's pattern cannot say "on the curve".
  const endpoint = "https://push.example.com/send/contract";
  const keys = { p256dh: "BEmml2tPrHV12-rGi9Zb0JmxRAK80zWmalDutVwT9T2tgKR8CKAoHkHZ8PtVzdMeYvhSBzP2GBIBiV7JQMKFhIE", auth: "BTBZMqHH6r4Tts7J_aSIgg" };
  const subscription = (await api.ok("push.subscribe", { endpoint, keys }, alice.token)).subscription;
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    channel_id: fc.constantFrom(channel.id, String(channel.id)),
    message_id: fc.constantFrom(mine.id, theirs.id),
    parent_message_id: fc.constantFrom(mine.id, theirs.id),
    before_id: fc.constant(theirs.id),
    after_id: fc.constant(0),
    lock_id: fc.constant(lock.lock_id),
    alert_id: fc.constantFrom(...alertIds),
    user_id: fc.constantFrom(bob.user.id, carol.user.id),
    email: fc.constantFrom(carol.email, alice.email),
    emails: fc.constantFrom([carol.email], carol.email),
    user_ids: fc.constantFrom([carol.user.id], String(carol.user.id)),
    password: fc.constant(alice.password),
    endpoint: fc.constant(endpoint),
    keys: fc.constant(keys),
    p256dh: fc.constant(keys.p256dh),
    auth: fc.constant(keys.auth),
    subscription_id: fc.constant(subscription.subscription_id),
  };
  return { alice, fields };
}

interface Answer {
  status: number;
  body: unknown;
}

async function send(method: "GET" | "POST", name: string, params: unknown, token?: string): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let url = `${BASE}/api/v1/${name}`;
  let body: string | undefined;
  if (method === "GET") {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params as Record<string, unknown>)) query.set(k, typeof v === "string" ? v : JSON.stringify(v));
    url += `?${query}`;
  } else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(params);
  }
  const res = await SELF.fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text: the schema check below reports it
  }
  return { status: res.status, body: parsed };
}

/** The answer's status is documented for the operation, and its body matches that response's schema. */
function checkAnswer(docs: SchemaDocument, op: any, answer: Answer, what: string) {
  const documented = op.responses[String(answer.status)];
  expect(documented, `${what}: status ${answer.status} is not documented (${JSON.stringify(answer.body)})`).toBeDefined();
  const schema = documented.content?.["application/json"]?.schema as Schema | undefined;
  if (schema) expect(docs.validator(schema)(answer.body), `${what}: ${answer.status} body ${JSON.stringify(answer.body)}`).toBeNull();
}

/** Values that break a field: each one the document rejects is tried. */
function breakers(field: Schema): unknown[] {
  const long = "x".repeat(Math.max(field.maxLength ?? 0, 300) + 1);
  return [{}, [], "", long, -1, 0, 1.5, true, null, "not a number"];
}

const tokenFor = (auth: string, aliceToken: string) => (auth === "bearer" ? aliceToken : auth === "operator" ? OPERATOR_TOKEN : undefined);

describe("the served OpenAPI document and the server agree", () => {
  it("the document's 422 names the reference codes a schema cannot predict", async () => {
    const doc = await openapi();
    for (const code of REFERENCE_CODES) expect(doc.paths["/api/v1/channel.create"].post.responses["422"].description).toContain(code);
  });

  for (const route of routes) {
    const path = `/api/v1/${route.name}`;

    it(`${route.name}: generated valid requests are never 400/422, and every answer is documented`, async () => {
      const doc = await openapi();
      const docs = new SchemaDocument(doc);
      const { alice, fields } = await fixture();
      const token = tokenFor(route.auth, alice.token);
      const methods = route.kind === "read" ? (["POST", "GET"] as const) : (["POST"] as const);
      for (const method of methods) {
        const op = doc.paths[path][method.toLowerCase()];
        const schema = (method === "POST" ? op.requestBody.content["application/json"].schema : op.parameters[0].schema) as Schema;
        const isValid = docs.validator(schema);
        const valid = docs.arbitrary(schema, fields).filter((v) => isValid(v) === null);
        let accepted = 0;
        await fc.assert(
          fc.asyncProperty(valid, async (params) => {
            const answer = await send(method, route.name, params, token);
            const what = `${method} ${route.name} ${JSON.stringify(params)}`;
            const code = (answer.body as { meta?: { code?: string } }).meta?.code ?? "";
            const refused = answer.status === 400 || (answer.status === 422 && !REFERENCE_CODES.includes(code));
            expect(refused, `${what}: refused a valid request: ${answer.status} ${JSON.stringify(answer.body)}`).toBe(false);
            checkAnswer(docs, op, answer, what);
            if (answer.status === 200) accepted++;
          }),
          { numRuns: RUNS },
        );
        // The fixture makes real objects: most operations succeed at least once.
        if (!["user.login", "user.alert.ack", "channel.kick"].includes(route.name)) expect(accepted, `${method} ${route.name}: no 200 at all`).toBeGreaterThan(0);
      }
    });

    it(`${route.name}: a request with one field broken gets a 4xx, as documented`, async () => {
      const doc = await openapi();
      const docs = new SchemaDocument(doc);
      const { alice, fields } = await fixture();
      const token = tokenFor(route.auth, alice.token);
      const op = doc.paths[path].post;
      const schema = docs.resolve(op.requestBody.content["application/json"].schema);
      const isValid = docs.validator(schema);
      const [base] = fc.sample(docs.arbitrary(schema, fields).filter((v) => isValid(v) === null), { numRuns: 1, seed: 7 }) as Record<string, unknown>[];
      const cases: Record<string, unknown>[] = [];
      for (const [key, field] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        for (const bad of breakers(docs.resolve(field))) cases.push({ ...base, [key]: bad });
      }
      for (const key of (schema.required ?? []) as string[]) {
        const { [key]: _, ...rest } = base!;
        cases.push(rest);
      }
      let tried = 0;
      for (const params of cases) {
        if (isValid(params) === null) continue;
        tried++;
        const answer = await send("POST", route.name, params, token);
        const what = `POST ${route.name} ${JSON.stringify(params).slice(0, 200)}`;
        expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
        checkAnswer(docs, op, answer, what);
      }
      if (Object.keys(schema.properties ?? {}).length > 0) expect(tried).toBeGreaterThan(0);
    });

    if (route.kind === "write") {
      it(`${route.name}: GET answers 405 as documented`, async () => {
        const doc = await openapi();
        const answer = await send("GET", route.name, {}, undefined);
        expect(answer.status).toBe(405);
        checkAnswer(new SchemaDocument(doc), doc.paths[path].get, answer, `GET ${route.name}`);
      });
    }
  }
});
