import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueEmail } from "../helpers/api";
import { report, tried } from "../helpers/hostile";
import { accessToken, claimsOf, form, query, request, rtmToken } from "../helpers/requests";
import { api } from "../helpers/workerd";

const PASSWORD = "correct horse battery";

afterAll(() => report("http-users"));
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function expectUserObject(user: Record<string, any>, email: string, name: string) {
  expect(user).toEqual({
    id: expect.any(Number),
    email,
    display_name: name,
    has_avatar: false,
    online_status: expect.any(Boolean),
    last_active_on: expect.stringMatching(TIME),
    last_active_on_ts: expect.any(Number),
  });
  expect(user.id).toBeGreaterThanOrEqual(91010000);
  expect(Math.abs(user.last_active_on_ts - Date.now() / 1000)).toBeLessThan(60);
}

async function loginStatus(email: string, password = PASSWORD) {
  return (await api.call("user.login", { email, password })).status;
}

describe("user.create", () => {
  it("JSON body → {user} with the seed's fields, name becoming display_name", async () => {
    const email = uniqueEmail("json");
    const r = await api.call("user.create", { email, password: PASSWORD, name: "  Jay Son " });
    expect(r.status).toBe(200);
    expect(r.body.meta).toEqual({ ok: true });
    expectUserObject(r.body.user, email, "Jay Son");
    expect(r.body.user.online_status).toBe(false);
    expect(JSON.stringify(r.body)).not.toMatch(/password|hash/i);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("form body and query string work too", async () => {
    const e1 = uniqueEmail("form");
    const r1 = await form("user.create", { email: e1, password: PASSWORD, name: "Form" });
    expect(r1.status).toBe(200);
    expectUserObject(r1.body.user, e1, "Form");
    const e2 = uniqueEmail("query");
    const r2 = await query("user.create", { email: e2, password: PASSWORD, name: "Query" }, undefined, "POST");
    expect(r2.status).toBe(200);
    expectUserObject(r2.body.user, e2, "Query");
    expect(await loginStatus(e1)).toBe(200);
    expect(await loginStatus(e2)).toBe(200);
  });

  it("a multipart form body works too", async () => {
    const email = uniqueEmail("multi");
    const body = new FormData();
    body.set("email", email);
    body.set("password", PASSWORD);
    body.set("name", "Multi Part");
    const r = await request("/api/v1/user.create", { method: "POST", body });
    expect(r.status).toBe(200);
    expectUserObject(r.body.user, email, "Multi Part");
  });

  it("a taken email (any case) is 409 email_taken, and the first account keeps its password", async () => {
    const email = uniqueEmail("dup");
    await api.ok("user.create", { email, password: PASSWORD, name: "First" });
    const r = await api.call("user.create", { email: email.toUpperCase(), password: "another password", name: "Second" });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ meta: { ok: false, error: expect.any(String), code: "email_taken" }, email: expect.any(String) });
    expect(await loginStatus(email)).toBe(200);
    const login = await api.ok("user.login", { email, password: PASSWORD });
    expect(login.user.display_name).toBe("First");
  });

  const bad: { why: string; params: Record<string, unknown>; fields: string[] }[] = [
    { why: "missing everything", params: { email: undefined }, fields: ["email", "password", "name"] },
    { why: "bad email", params: { email: "not-an-email", password: PASSWORD, name: "N" }, fields: ["email"] },
    { why: "password under 8", params: { password: "short", name: "N" }, fields: ["password"] },
    { why: "password over 100", params: { password: "p".repeat(101), name: "N" }, fields: ["password"] },
    { why: "empty name", params: { password: PASSWORD, name: "" }, fields: ["name"] },
    { why: "name over 100", params: { password: PASSWORD, name: "n".repeat(101) }, fields: ["name"] },
    { why: "name not a string", params: { password: PASSWORD, name: 42 }, fields: ["name"] },
  ];
  for (const row of bad) {
    it(`422 ${row.why}: each failing field repeated at top level; nothing stored`, async () => {
      const email = uniqueEmail("bad");
      const params = { email, ...row.params };
      const r = await api.call("user.create", params);
      expect(r.status).toBe(422);
      expect(r.body.meta).toEqual({ ok: false, error: expect.any(String), code: "invalid_params" });
      expect(Object.keys(r.body).filter((k) => k !== "meta").sort()).toEqual([...row.fields].sort());
      for (const f of row.fields) expect(typeof r.body[f]).toBe("string");
      const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email_lower = ?1").bind(email.toLowerCase()).first<{ n: number }>();
      expect(stored?.n).toBe(0);
    });
  }

  it("GET is 405 (mutating route) and creates nothing", async () => {
    const email = uniqueEmail("get");
    const r = await query("user.create", { email, password: PASSWORD, name: "G" });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("POST");
    expect(r.body).toEqual({ meta: { ok: false, error: expect.any(String), code: "method_not_allowed" } });
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email_lower = ?1").bind(email.toLowerCase()).first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });
});

describe("user.login", () => {
  it("JSON with email, `user` alias, form body, any email case → {token, user}", async () => {
    const email = uniqueEmail("login");
    const { user } = await api.ok("user.create", { email, password: PASSWORD, name: "Lo Gin" });
    const a = await api.ok("user.login", { email, password: PASSWORD });
    expectUserObject(a.user, email, "Lo Gin");
    expect(a.user.id).toBe(user.id);
    const b = await api.ok("user.login", { user: email.toUpperCase(), password: PASSWORD });
    expect(b.user.id).toBe(user.id);
    const c = await form("user.login", { email, password: PASSWORD });
    expect(c.status).toBe(200);
    expect(c.body.user.id).toBe(user.id);
    const claims = claimsOf(a.token);
    expect(claims).toMatchObject({ typ: "access", user_id: user.id });
    expect(claims.exp - claims.iat).toBe(86_400);
  });

  it("wrong password and unknown email are the same 401", async () => {
    const email = uniqueEmail("wrong");
    await api.ok("user.create", { email, password: PASSWORD, name: "W" });
    const wrong = await api.call("user.login", { email, password: "not the password" });
    const unknown = await api.call("user.login", { email: uniqueEmail("nobody"), password: PASSWORD });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ meta: { ok: false, error: "wrong email or password", code: "invalid_credentials" } });
    }
  });

  it("422 without email or password; GET is 405", async () => {
    const r = await api.call("user.login", { password: PASSWORD });
    expect(r.status).toBe(422);
    expect(r.body.email).toEqual(expect.any(String));
    const r2 = await api.call("user.login", { email: uniqueEmail() });
    expect(r2.status).toBe(422);
    expect(r2.body.password).toEqual(expect.any(String));
    expect((await query("user.login", { email: "a@example.test", password: PASSWORD })).status).toBe(405);
  });

  it("lockout: 401, 401, 401 + 10 s lock; 429 with Retry-After during it, not extended; doubled by the next failure; a success clears it", async () => {
    const email = uniqueEmail("lock");
    await api.ok("user.create", { email, password: PASSWORD, name: "L" });
    const account = email.toLowerCase();
    const row = () =>
      env.DB.prepare("SELECT failures, locked_until FROM login_throttle WHERE account = ?1").bind(account).first<{ failures: number; locked_until: number }>();

    for (let i = 1; i <= 2; i++) {
      expect(await loginStatus(email, "bad password")).toBe(401);
      expect(await row()).toMatchObject({ failures: i, locked_until: 0 });
    }
    const before = Date.now();
    expect(await loginStatus(email, "bad password")).toBe(401); // the third failure answers 401 and locks
    const locked = (await row())!;
    expect(locked.failures).toBe(3);
    expect(locked.locked_until - before).toBeGreaterThanOrEqual(9_000);
    expect(locked.locked_until - before).toBeLessThanOrEqual(11_000);

    // During the lock: every attempt, the right password included, is 429 with Retry-After; the lock is not extended.
    for (const password of ["bad password", PASSWORD]) {
      const r = await api.call("user.login", { email, password });
      expect(r.status).toBe(429);
      expect(r.body.meta).toEqual({ ok: false, error: expect.any(String), code: "login_locked" });
      const retry = Number(r.headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(10);
    }
    expect(await row()).toEqual(locked);

    // The lock runs out (moved into the past rather than waited for): the next failure doubles it.
    await env.DB.prepare("UPDATE login_throttle SET locked_until = ?2 WHERE account = ?1").bind(account, Date.now() - 1).run();
    const t = Date.now();
    expect(await loginStatus(email, "bad password")).toBe(401);
    const doubled = (await row())!;
    expect(doubled.failures).toBe(4);
    expect(doubled.locked_until - t).toBeGreaterThanOrEqual(19_000);
    expect(doubled.locked_until - t).toBeLessThanOrEqual(21_000);
    const r = await api.call("user.login", { email, password: PASSWORD });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(10);

    // After it, a success clears the count: the next failure is a plain 401 with no lock.
    await env.DB.prepare("UPDATE login_throttle SET locked_until = ?2 WHERE account = ?1").bind(account, Date.now() - 1).run();
    expect(await loginStatus(email)).toBe(200);
    expect(await row()).toBeNull();
    expect(await loginStatus(email, "bad password")).toBe(401);
    expect(await row()).toMatchObject({ failures: 1, locked_until: 0 });
  });

  it("the lockout is per account whatever the email's case", async () => {
    const email = uniqueEmail("Case.Lock");
    await api.ok("user.create", { email, password: PASSWORD, name: "C" });
    expect(await loginStatus(email.toUpperCase(), "bad password")).toBe(401);
    expect(await loginStatus(email.toLowerCase(), "bad password")).toBe(401);
    expect(await loginStatus(email, "bad password")).toBe(401);
    expect((await api.call("user.login", { email: email.toLowerCase(), password: PASSWORD })).status).toBe(429);
  });

  it("30 guesses sent at once: at most 3 reach the password check, then 1 per lock; the right one among them does not log in once locked", async () => {
    const email = uniqueEmail("burst");
    await api.ok("user.create", { email, password: PASSWORD, name: "B" });
    const account = email.toLowerCase();
    const burst = (passwords: string[]) =>
      Promise.all(passwords.map((password) => api.call("user.login", { email, password }).then((r) => r.status)));
    // Every answer other than 429 is a password that was checked (401 wrong, 200 right).
    const checked = (statuses: number[]) => statuses.filter((s) => s !== 429);

    const first = await burst(Array.from({ length: 30 }, (_, i) => `wrong guess ${i}`));
    tried("concurrent login guesses", first.length);
    expect(checked(first)).toEqual([401, 401, 401]);
    expect(first.filter((s) => s === 429)).toHaveLength(27);
    const locked = await env.DB.prepare("SELECT failures, locked_until FROM login_throttle WHERE account = ?1")
      .bind(account)
      .first<{ failures: number; locked_until: number }>();
    expect(locked!.failures).toBe(3);
    expect(locked!.locked_until).toBeGreaterThan(Date.now());

    // While locked, the right password sent alongside 29 wrong ones is refused like them.
    const during = await burst([...Array.from({ length: 29 }, (_, i) => `wrong again ${i}`), PASSWORD]);
    tried("concurrent login guesses", during.length);
    expect(during.every((s) => s === 429)).toBe(true);

    // After the lock runs out, one more check, then a doubled lock: 29 of 30 are refused unchecked.
    await env.DB.prepare("UPDATE login_throttle SET locked_until = ?2 WHERE account = ?1").bind(account, Date.now() - 1).run();
    const after = await burst([...Array.from({ length: 29 }, (_, i) => `wrong later ${i}`), PASSWORD]);
    tried("concurrent login guesses", after.length);
    expect(checked(after)).toHaveLength(1);
    if (after[29] === 200) expect(checked(after)).toEqual([200]); // the one check happened to be the right password
    else expect(after[29]).toBe(429);
  });

  it("unknown emails are throttled the same way (no account enumeration)", async () => {
    const email = uniqueEmail("ghost");
    for (let i = 0; i < 3; i++) expect(await loginStatus(email)).toBe(401);
    const r = await api.call("user.login", { email, password: PASSWORD });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("user.info and bearer auth", () => {
  it("GET and POST → {user}", async () => {
    const alice = await api.newUser("Alice");
    const viaPost = await api.ok("user.info", {}, alice.token);
    expectUserObject(viaPost.user, alice.email, "Alice");
    const viaGet = await query("user.info", {}, alice.token);
    expect(viaGet.status).toBe(200);
    expect(viaGet.body.user).toEqual(viaPost.user);
  });

  it("401 without a token, with garbage, with an expired one, with a ws (rtm) token, with another scheme", async () => {
    const alice = await api.newUser("Alice");
    const cases: { why: string; headers: Record<string, string>; code: string }[] = [
      { why: "none", headers: {}, code: "unauthorized" },
      { why: "garbage", headers: { authorization: "Bearer not.a.jwt" }, code: "invalid_token" },
      { why: "basic", headers: { authorization: `Basic ${alice.token}` }, code: "unauthorized" },
      { why: "rtm token", headers: { authorization: `Bearer ${alice.wsToken}` }, code: "invalid_token" },
      {
        why: "expired",
        headers: { authorization: `Bearer ${await accessToken(alice.user.id, { issuedAtMs: Date.now() - 90_000_000 })}` },
        code: "token_expired",
      },
      {
        why: "signed with another secret",
        headers: { authorization: `Bearer ${alice.token.slice(0, -4)}AAAA` },
        code: "invalid_token",
      },
    ];
    for (const c of cases) {
      const r = await request("/api/v1/user.info", { method: "POST", headers: c.headers });
      expect(r.status, c.why).toBe(401);
      expect(r.body, c.why).toEqual({ meta: { ok: false, error: expect.any(String), code: c.code } });
    }
  });
});

describe("rtm.connect", () => {
  it("GET and POST → {rtm: {ws_endpoint, ws_token}}; the token carries user_id, user_name, client_ip, user_agent, finger_print, typ rtm, 1 h", async () => {
    const alice = await api.newUser("Alice");
    const post = await api.ok("rtm.connect", { fingerprint: "fp-1" }, alice.token);
    const get = await query("rtm.connect", { fingerprint: "fp-2" }, alice.token);
    expect(get.status).toBe(200);
    for (const [body, fp] of [
      [post, "fp-1"],
      [get.body, "fp-2"],
    ] as const) {
      expect(Object.keys(body).sort()).toEqual(["meta", "rtm"]);
      expect(body.rtm).toEqual({ ws_endpoint: `ws://realtime.test/rtm/ws/user/${alice.user.id}`, ws_token: expect.any(String) });
      const claims = claimsOf(body.rtm.ws_token);
      expect(claims).toEqual({
        typ: "rtm",
        user_id: alice.user.id,
        sid: claimsOf(alice.token).sid,
        user_name: "Alice",
        client_ip: expect.any(String),
        user_agent: expect.any(String),
        finger_print: fp,
        iat: expect.any(Number),
        exp: expect.any(Number),
      });
      expect(claims.exp - claims.iat).toBe(3600);
    }
  });

  it("the scheme follows the request's (https → wss)", async () => {
    const alice = await api.newUser("Alice");
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("https://secure.test/api/v1/rtm.connect", { headers: { authorization: `Bearer ${alice.token}` } });
    const body = (await res.json()) as any;
    expect(body.rtm.ws_endpoint).toBe(`wss://secure.test/rtm/ws/user/${alice.user.id}`);
  });

  it("401 without a bearer token, and a ws token is no bearer token", async () => {
    const alice = await api.newUser("Alice");
    expect((await query("rtm.connect", {})).status).toBe(401);
    expect((await api.call("rtm.connect", {}, await rtmToken(alice.user.id))).status).toBe(401);
  });
});
