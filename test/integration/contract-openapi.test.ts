import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routes } from "../../src/http/catalog";
import { type Schema, SchemaDocument } from "../helpers/schemaArbitrary";
import { type TestUser, uniqueEmail } from "../helpers/api";
import { BASE, api } from "../helpers/workerd";

/**
 * The served OpenAPI document and the server keep each other honest. For every operation,
 * requests are generated from the document: the valid ones (as the document defines valid) are
 * never refused with 400 or 422, the invalid ones (one field broken at a time) get a 4xx, and
 * every answer's status is documented for the operation and its body matches the documented schema.
 * Each request carries the credential the operation's `security` names: a user's bearer token, the
 * operator token, or a server key holding the scope the operation lists.
 */
const OPERATOR_TOKEN = "test-operator-token";
const RUNS = 10;
/**
 * 422 codes a schema cannot predict, which the document's 422 names: a parameter naming a user,
 * message or event that does not exist, an endpoint that does not follow the channel, or a webhook
 * URL the service does not deliver to.
 */
const UNPREDICTABLE_CODES = ["unknown_user", "unknown_message", "unknown_seq", "not_subscribed", "invalid_url", "invalid_subscription"];
/**
 * Operations that end the caller's session or account (or change its password). Each of their
 * requests goes as a fresh user holding a second session, so the users every other operation
 * shares keep working.
 */
const ENDS_CALLER = new Set(["user.logout", "user.logout.all", "user.session.revoke", "user.password.change", "user.delete"]);
/** Stands for "the caller's other session" in a drawn `session_id`; replaced per request. */
const OTHER_SESSION = 987654321;
/** Every fixture user's password (api.newUser). */
const PASSWORD = "correct horse battery";

let served: Promise<any> | undefined;
const openapi = () => (served ??= SELF.fetch(`${BASE}/api/v1/openapi.json`).then((r) => r.json()));

type Users = { alice: TestUser; bob: TestUser; dan: TestUser; outsiders: TestUser[]; alertIds: number[] };
let shared: Promise<Users> | undefined;
let fixtures = 0;
/** Each fixture costs its owner a channel: a new cast every so often keeps Alice under the hourly channel quota. */
const FIXTURES_PER_CAST = 30;

/** Alice, Bob and Dan (her channels' members), Carol and Eve (outsiders to invite), and an alert of Alice's (Bob mentions her). */
const users = () => {
  if (fixtures++ % FIXTURES_PER_CAST === 0) shared = undefined;
  return (shared ??= (async () => {
    const [alice, bob, carol, dan, eve] = (await Promise.all(["Alice", "Bob", "Carol", "Dan", "Eve"].map((name) => api.newUser(name)))) as [TestUser, TestUser, TestUser, TestUser, TestUser];
    callers.push(alice);
    const channel = await api.newChannel(alice.token, [bob.user.id], "alerts");
    await api.ok("chat.postmessage", { channel_id: channel.id, text: `hi @${alice.user.id}` }, bob.token);
    let alerts: { alert_id: number }[] = [];
    for (let i = 0; i < 50 && alerts.length === 0; i++) alerts = (await api.ok("user.alerts", {}, alice.token)).alerts;
    return { alice, bob, dan, outsiders: [carol, eve], alertIds: alerts.map((a) => a.alert_id) };
  })());
};

/** Every Alice whose token the operations were called with. */
const callers: TestUser[] = [];

/** 401 codes that refuse the credential itself (a wrong password at user.login is no such code). */
const CREDENTIAL_CODES = ["unauthorized", "invalid_token", "token_expired", "session_revoked", "invalid_key", "operator_only"];

const keysByScopes = new Map<string, Promise<string>>();
/** A server key holding exactly `scopes`, made by the operator once per set of scopes. */
const serverKey = (scopes: string[]) => {
  const name = [...scopes].sort().join(",");
  let key = keysByScopes.get(name);
  if (!key) keysByScopes.set(name, (key = api.ok("server.keys.create", { name: `contract ${name}`, scopes }, OPERATOR_TOKEN).then((b) => b.secret as string)));
  return key;
};

/** The credential an operation's `security` names (no requirement: none). */
async function credential(op: any, userToken: string): Promise<string | undefined> {
  const [requirement] = (op.security ?? []) as Record<string, string[]>[];
  if (!requirement) return undefined;
  const [[scheme, scopes]] = Object.entries(requirement) as [[string, string[]]];
  if (scheme === "bearer") return userToken;
  if (scheme === "operator") return OPERATOR_TOKEN;
  if (scheme === "serverKey") return serverKey(scopes);
  throw new Error(`unknown security scheme ${scheme}`);
}

/** A user of its own, logged in twice: the token of the second session, and the first session's id. */
async function freshCaller(): Promise<{ token: string; otherSession: number }> {
  const user = await api.newUser("Fresh");
  const second = await api.ok("user.login", { email: user.email, password: user.password });
  const { sessions } = await api.ok("user.sessions", {}, second.token);
  const other = (sessions as { session_id: number; current: boolean }[]).find((s) => !s.current)!;
  return { token: second.token, otherSession: other.session_id };
}

/**
 * The caller of one request: the operation's credential, or for an operation that ends its caller a fresh user,
 * whose other session stands in for OTHER_SESSION.
 */
async function caller(route: string, params: unknown, token: string | undefined): Promise<{ token: string | undefined; params: unknown }> {
  if (!ENDS_CALLER.has(route)) return { token, params };
  const fresh = await freshCaller();
  const p = params as Record<string, unknown>;
  return { token: fresh.token, params: p.session_id === OTHER_SESSION ? { ...p, session_id: fresh.otherSession } : p };
}

/** Routes whose `user_id` names a member to remove: they draw members, the others mostly outsiders. */
const REMOVES_MEMBER = new Set(["channel.kick", "server.channel.kick"]);

/**
 * A channel Alice owns with Bob and Dan in it, a message of each, and Alice's lock; a spare server key and
 * a webhook endpoint for the operator's routes. The arbitraries name these real objects for the id
 * fields (and sometimes draw any id, from the schema).
 */
async function fixture(route: string) {
  const { alice, bob, dan, outsiders, alertIds } = await users();
  const channel = await api.newChannel(alice.token, [bob.user.id, dan.user.id], "contract");
  const [carol] = outsiders as [TestUser];
  const mine = (await api.ok("chat.postmessage", { channel_id: channel.id, text: "mine" }, alice.token)).message;
  const theirs = (await api.ok("chat.postmessage", { channel_id: channel.id, text: "theirs" }, bob.token)).message;
  const lock = (await api.ok("lock.acquire", { channel_id: channel.id, path: "/a.txt" }, alice.token)).lock;
  // A push subscription needs a real P-256 point: a schema's pattern cannot say "on the curve".
  const endpoint = "https://push.example.com/send/contract";
  const keys = { p256dh: "BEmml2tPrHV12-rGi9Zb0JmxRAK80zWmalDutVwT9T2tgKR8CKAoHkHZ8PtVzdMeYvhSBzP2GBIBiV7JQMKFhIE", auth: "BTBZMqHH6r4Tts7J_aSIgg" };
  const subscription = (await api.ok("push.subscribe", { endpoint, keys }, alice.token)).subscription;
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    channel_id: fc.constantFrom(channel.id, String(channel.id)),
    // Only its author edits a message; anyone else's is a 403.
    message_id: route === "chat.updatemessage" ? fc.constant(mine.id) : fc.constantFrom(mine.id, theirs.id),
    parent_message_id: fc.constantFrom(mine.id, theirs.id),
    before_id: fc.constant(theirs.id),
    after_id: fc.constant(0),
    lock_id: fc.constant(lock.lock_id),
    alert_id: fc.constantFrom(...alertIds),
    user_id: REMOVES_MEMBER.has(route) ? fc.constantFrom(bob.user.id, dan.user.id) : fc.constantFrom(bob.user.id, ...outsiders.map((u) => u.user.id)),
    owner_id: fc.constantFrom(alice.user.id, bob.user.id),
    user_ids: fc.constantFrom([carol.user.id], String(carol.user.id)),
    // Sign-up needs an address nobody has; everywhere else an address names a user.
    email: route === "user.create" ? fc.constant(null).map(() => uniqueEmail("contract")) : fc.constantFrom(alice.email, ...outsiders.map((u) => u.email)),
    emails: fc.constantFrom([carol.email], carol.email),
    password: fc.constant(PASSWORD),
    current_password: fc.constant(PASSWORD),
    session_id: fc.constant(OTHER_SESSION),
    // the channel's seq is past 4 (created, two posts, a lock)
    since_seq: fc.constantFrom(0, 1, 2, String(3)),
    url: fc.constantFrom("http://127.0.0.1:9/hook", "https://hooks.example.com/realtime"),
    endpoint: fc.constant(endpoint),
    keys: fc.constant(keys),
    p256dh: fc.constant(keys.p256dh),
    auth: fc.constant(keys.auth),
    subscription_id: fc.constant(subscription.subscription_id),
  };
  if (route === "server.keys.revoke") {
    const spares = await Promise.all([1, 2].map(async () => (await api.ok("server.keys.create", { name: "spare", scopes: ["read"] }, OPERATOR_TOKEN)).key.key_id));
    fields.key_id = fc.constantFrom(...spares);
  }
  if (route.startsWith("server.webhooks.")) {
    const hooks = await Promise.all(
      [1, 2].map(async () => (await api.ok("server.webhooks.create", { url: "http://127.0.0.1:9/hook", events: ["chat.postMessage"] }, OPERATOR_TOKEN)).webhook.webhook_id),
    );
    fields.webhook_id = fc.constantFrom(...hooks);
  }
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

describe("the served OpenAPI document and the server agree", () => {
  it("the document's 422 names the codes a schema cannot predict", async () => {
    const doc = await openapi();
    for (const code of UNPREDICTABLE_CODES) expect(doc.paths["/api/v1/channel.create"].post.responses["422"].description).toContain(code);
  });

  it("each operation's security names a credential this test can present", async () => {
    const doc = await openapi();
    for (const route of routes) {
      const [requirement] = doc.paths[`/api/v1/${route.name}`].post.security as Record<string, string[]>[];
      const expected = route.auth === "none" ? undefined : route.auth === "server" ? { serverKey: [route.scope] } : { [route.auth]: [] };
      expect(requirement, route.name).toEqual(expected);
    }
  });

  for (const route of routes) {
    const path = `/api/v1/${route.name}`;

    it(`${route.name}: generated valid requests are never 400/422, and every answer is documented`, async () => {
      const doc = await openapi();
      const docs = new SchemaDocument(doc);
      const { alice, fields } = await fixture(route.name);
      const methods = route.kind === "read" ? (["POST", "GET"] as const) : (["POST"] as const);
      for (const method of methods) {
        const op = doc.paths[path][method.toLowerCase()];
        const token = await credential(op, alice.token);
        const schema = (method === "POST" ? op.requestBody.content["application/json"].schema : op.parameters[0].schema) as Schema;
        const isValid = docs.validator(schema);
        const valid = docs.arbitrary(schema, fields).filter((v) => isValid(v) === null);
        let accepted = 0;
        await fc.assert(
          fc.asyncProperty(valid, async (drawn) => {
            const { token: as, params } = await caller(route.name, drawn, token);
            const answer = await send(method, route.name, params, as);
            const what = `${method} ${route.name} ${JSON.stringify(params)}`;
            const code = (answer.body as { meta?: { code?: string } }).meta?.code ?? "";
            const refused = answer.status === 400 || (answer.status === 422 && !UNPREDICTABLE_CODES.includes(code));
            expect(refused, `${what}: refused a valid request: ${answer.status} ${JSON.stringify(answer.body)}`).toBe(false);
            expect(CREDENTIAL_CODES, `${what}: the credential the document names was refused: ${JSON.stringify(answer.body)}`).not.toContain(code);
            checkAnswer(docs, op, answer, what);
            if (answer.status === 200) accepted++;
          }),
          { numRuns: RUNS },
        );
        // The fixture makes real objects: most operations succeed at least once.
        if (!["user.login", "user.alert.ack"].includes(route.name)) expect(accepted, `${method} ${route.name}: no 200 at all`).toBeGreaterThan(0);
      }
    });

    it(`${route.name}: a request with one field broken gets a 4xx, as documented`, async () => {
      const doc = await openapi();
      const docs = new SchemaDocument(doc);
      const { alice, fields } = await fixture(route.name);
      const op = doc.paths[path].post;
      const token = await credential(op, alice.token);
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
        const { token: as, params: sent } = await caller(route.name, params, token);
        const answer = await send("POST", route.name, sent, as);
        const what = `POST ${route.name} ${JSON.stringify(sent).slice(0, 200)}`;
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

  it("no operation outside those that end their caller ended the session it was called with", async () => {
    expect(callers.length).toBeGreaterThan(1);
    for (const alice of callers) {
      const r = await api.call("user.info", {}, alice.token);
      expect(r.status, `${alice.email}: ${JSON.stringify(r.body)}`).toBe(200);
    }
  });
});
