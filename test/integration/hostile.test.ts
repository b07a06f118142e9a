import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { commandSchemas } from "../../src/protocol/commands";
import { report, tried } from "../helpers/hostile";
import type { TestSocket } from "../helpers/socket";
import { api, channelSocket } from "../helpers/workerd";

afterAll(() => report("integration hostile"));

const DOCUMENTED = new Set([1008, 1009, 4001, 4003, 4029]);
const HOSTILE_STRINGS = [
  "'; DROP TABLE messages; --",
  "\" OR 1=1 --",
  "Robert'); DELETE FROM members WHERE ('1'='1",
  "%s%s%s%n",
  "<script>alert(1)</script>",
  "\u0000nul\u0000",
  "😀👍🏽‍🔥 mixed ñ 中文 \u202e reversed",
  "\\u0000 \\\" escaped",
  "json_each(?) ?1 ?2 :name @name $name",
];

describe("random and mutated frames on a live, authenticated channel socket", () => {
  it("always end in a reply or a documented close, and never break the room", async () => {
    const alice = await api.newUser("Alice");
    const bob = await api.newUser("Bob");
    const channel = await api.newChannel(alice.token, [bob.user.id]);
    const watcher = await channelSocket(channel.id);
    await watcher.auth(bob.wsToken);

    const names = Object.keys(commandSchemas);
    const frameArb = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null"),
      fc
        .record(
          {
            command: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 12 })),
            channel_id: fc.oneof(fc.constant(channel.id), fc.constant(String(channel.id)), fc.integer(), fc.string({ maxLength: 8 })),
            message_id: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.string({ maxLength: 8 })),
            emoji_value: fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 })),
            filters: fc.array(fc.record({ property: fc.string({ maxLength: 20 }), value: fc.jsonValue({ maxDepth: 1 }) }), { maxLength: 3 }),
            correlationId: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.jsonValue({ maxDepth: 1 })),
          },
          { requiredKeys: ["command"] },
        )
        .map((o) => JSON.stringify(o)),
    );
    const frames = fc.sample(frameArb, { seed: 4711, numRuns: 150 });

    let ws: TestSocket | null = null;
    let closes = 0;
    for (let i = 0; i < frames.length; i++) {
      if (!ws || ws.closed) {
        ws = await channelSocket(channel.id);
        await ws.auth(alice.wsToken);
      }
      ws.send(frames[i]!);
      // The filter message is always answered: a sentinel that tells "still open" from "closed".
      const sentinel = `s${i}`;
      try {
        ws.send({ type: "filter", correlationId: sentinel, filters: [] });
      } catch {
        // closed before the sentinel could go out
      }
      tried("random frame on a live socket");
      try {
        await ws.reply(sentinel, 3000);
      } catch {
        const closed = await ws.waitClose(3000);
        expect(DOCUMENTED.has(closed.code), `frame ${frames[i]} closed ${closed.code}`).toBe(true);
        closes++;
      }
      const internal = ws.frames.find((f) => f.type === "error" && f.error === "internal error");
      expect(internal, `frame ${frames[i]}`).toBeUndefined();
      // Stay under the per-connection rate limit so it does not decide the outcome.
      if (i % 15 === 14) {
        ws.close();
        ws = null;
      }
    }
    expect(closes).toBeGreaterThan(0);

    // The room still works: a post reaches the watcher, history is intact.
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "still alive" }, alice.token);
    const ev = await watcher.event("chat.postMessage");
    expect(ev.payload.message.content).toBe("still alive");
    const history = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(history.messages.at(-1).content).toBe("still alive");
  });
});

describe("hostile strings", () => {
  it("round-trip verbatim through every stored field (SQL stays parameterized)", async () => {
    for (const s of HOSTILE_STRINGS) {
      const name = s.slice(0, 100);
      const user = await api.ok("user.create", { email: `h${Math.random().toString(36).slice(2)}@example.test`, password: "password-123", name });
      expect(user.user.display_name).toBe(name.trim());
      const alice = await api.newUser(s.slice(0, 50).trim() || "x");
      const channel = await api.newChannel(alice.token, [], name.trim() || "x");
      expect(channel.channel_name).toBe(name.trim() || "x");
      const { message } = await api.ok("chat.postmessage", { channel_id: channel.id, text: s }, alice.token);
      expect(message.content).toBe(s);
      const history = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
      expect(history.messages.at(-1).content).toBe(s);
      tried("hostile string", 3);
    }
  });

  it("name a session's device verbatim (the fingerprint part of user.sessions)", async () => {
    const alice = await api.newUser("Alice");
    for (const s of HOSTILE_STRINGS) {
      const login = await api.ok("user.login", { email: alice.email, password: alice.password, fingerprint: s });
      const { sessions } = await api.ok("user.sessions", {}, login.token);
      expect(sessions[0].device.endsWith(`(${s.trim()})`), s).toBe(true);
      tried("hostile fingerprint");
    }
  });

  it("hostile emails and ids are rejected with 422, never a 500", async () => {
    const alice = await api.newUser("Alice");
    const ids = ["1 OR 1=1", "-1", "0", "1e3", "0x10", "99999999999999999999", "1; DROP TABLE users", "[]", "{}", "null"];
    for (const id of ids) {
      const r = await api.call("channel.info", { channel_id: id }, alice.token);
      expect(r.status, id).toBe(422);
      tried("hostile id");
      const revoke = await api.call("user.session.revoke", { session_id: id }, alice.token);
      expect(revoke.status, id).toBe(422);
      tried("hostile session id");
    }
    await api.ok("user.info", {}, alice.token); // no session ended
    for (const email of ["a@b", "' OR ''='", "x".repeat(300) + "@example.test", "a@b.c\u0000", ""]) {
      const r = await api.call("user.create", { email, password: "password-123", name: "x" });
      expect(r.status, email).toBe(422);
      tried("hostile email");
    }
    const r = await api.call("channel.create", { channel_name: "x", emails: ["' OR 1=1 --@x.y"] }, alice.token);
    expect([422]).toContain(r.status);
  });
});

describe("non-members", () => {
  it("get 403 on every channel route and change nothing", async () => {
    const alice = await api.newUser("Alice");
    const mallory = await api.newUser("Mallory");
    const channel = await api.newChannel(alice.token);
    await api.ok("chat.postmessage", { channel_id: channel.id, text: "private" }, alice.token);
    const routes: [string, Record<string, unknown>][] = [
      ["channel.info", { channel_id: channel.id }],
      ["channel.members", { channel_id: channel.id }],
      ["channel.history", { channel_id: channel.id }],
      ["chat.postmessage", { channel_id: channel.id, text: "intrusion" }],
    ];
    for (const [route, params] of routes) {
      const r = await api.call(route, params, mallory.token);
      expect(r.status, route).toBe(403);
      expect(JSON.stringify(r.body)).not.toContain("private");
      tried("non-member route");
    }
    const history = await api.ok("channel.history", { channel_id: channel.id }, alice.token);
    expect(history.messages.map((m: any) => m.content)).toEqual(["private"]);
    const ws = await channelSocket(channel.id);
    ws.send({ command: "ws_auth", auth_token: mallory.wsToken });
    expect((await ws.waitClose()).code).toBe(4003);
  });
});
